import { createHash, type Hash } from 'node:crypto';
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
  const hash = createHash('sha256');
  hash.update(call.principal.apiKeyId);
  hashContent(hash, call.request.system ?? '');
  hashContent(hash, first.content);
  return `h:${hash.digest('base64url')}`;
}

type Content = string | ReadonlyArray<Record<string, unknown>>;

/** Text is hashed whole; other blocks (images, documents) by type and size, to stay cheap. */
function hashContent(hash: Hash, content: Content): void {
  if (typeof content === 'string') {
    hash.update(content);
    return;
  }
  for (const block of content) {
    if (typeof block.text === 'string') hash.update(block.text);
    else hash.update(`${String(block.type)}:${sourceSize(block.source)}`);
  }
}

function sourceSize(source: unknown): string {
  if (typeof source !== 'object' || source === null) return '';
  const data = (source as { data?: unknown; url?: unknown }).data ?? (source as { url?: unknown }).url;
  return typeof data === 'string' ? `${data.length}:${data.slice(0, 64)}` : '';
}
