import { hash } from 'node:crypto';
import type { MessagesCall } from './call.js';

/**
 * The key that keeps one conversation on one account (good for prompt caching): Claude Code's
 * session id, else the client's metadata.user_id, else a hash of how the conversation began.
 */
export function conversationKey(call: MessagesCall): string | undefined {
  if (call.sessionId) return `s:${call.principal.apiKeyId}:${call.sessionId}`;
  const userId = call.request.metadata?.user_id;
  if (userId) return `u:${call.principal.apiKeyId}:${userId}`;
  const first = call.request.messages[0];
  if (!first) return undefined;
  // One string, one one-shot hash: a streaming Hash object costs more than the hashing itself here.
  const text = `${call.principal.apiKeyId}\0${contentText(call.request.system ?? '')}\0${contentText(first.content)}`;
  return `h:${hash('sha256', text, 'base64url')}`;
}

type Content = string | ReadonlyArray<Record<string, unknown>>;

/** Text counts whole; other blocks (images, documents) by type and size, to stay cheap. */
function contentText(content: Content): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const block of content) {
    text += typeof block.text === 'string' ? block.text : `${String(block.type)}:${sourceSize(block.source)}`;
    text += '\0';
  }
  return text;
}

function sourceSize(source: unknown): string {
  if (typeof source !== 'object' || source === null) return '';
  const data = (source as { data?: unknown; url?: unknown }).data ?? (source as { url?: unknown }).url;
  return typeof data === 'string' ? `${data.length}:${data.slice(0, 64)}` : '';
}
