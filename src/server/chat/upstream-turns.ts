/**
 * A conversation as the Messages API wants it: alternating turns, the question last, and the
 * files questions carried as `image` / `document` blocks before their text. Every turn re-sends
 * the conversation's files, so the request is kept under the API's 32 MB: the newest files that
 * fit ATTACHMENT_BUDGET_BYTES go, older ones become a line of text saying they were left out.
 */
import type { AttachmentRef, ConversationMessageView } from '../../services/conversation-types.js';
import type { ChatAttachmentRecord } from '../../store/types.js';

/** Raw bytes of files per request: base64 makes it ~27 MiB, leaving room for the text. */
export const ATTACHMENT_BUDGET_BYTES = 20 * 1_048_576;
/** Files per request (the API takes up to 100 images; PDFs weigh far more per file). */
export const ATTACHMENT_BUDGET_COUNT = 20;
/** Turns sent upstream: the most recent ones (a later slice may summarise older ones). */
const HISTORY_TURNS = 200;

export type Block =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } }
  | { type: 'document'; source: { type: 'base64'; media_type: string; data: string }; title: string };

export type Turn = { role: 'user' | 'assistant'; content: string | Block[] };

export interface Question {
  text: string;
  attachments: readonly AttachmentRef[];
}

/** The ids of the files to send, newest first until the budget is spent; the question's always. */
export function attachmentsToSend(
  history: readonly ConversationMessageView[],
  question: Question,
): Set<string> {
  const chosen = new Set(question.attachments.map((a) => a.id));
  let bytes = question.attachments.reduce((sum, a) => sum + a.size, 0);
  const recent = history.slice(-HISTORY_TURNS);
  for (let i = recent.length - 1; i >= 0; i--) {
    for (const attachment of recent[i]?.attachments ?? []) {
      if (chosen.size >= ATTACHMENT_BUDGET_COUNT || bytes + attachment.size > ATTACHMENT_BUDGET_BYTES)
        continue;
      chosen.add(attachment.id);
      bytes += attachment.size;
    }
  }
  return chosen;
}

function blockOf(ref: AttachmentRef, contents: ReadonlyMap<string, ChatAttachmentRecord>): Block {
  const found = contents.get(ref.id);
  if (!found) return { type: 'text', text: `[Attachment “${ref.name}” is not included in this request.]` };
  const source = { type: 'base64' as const, media_type: found.mediaType, data: found.data };
  return found.mediaType === 'application/pdf'
    ? { type: 'document', source, title: found.name }
    : { type: 'image', source };
}

function contentOf(
  text: string,
  attachments: readonly AttachmentRef[],
  contents: ReadonlyMap<string, ChatAttachmentRecord>,
): string | Block[] {
  if (attachments.length === 0) return text;
  // Files before the words about them, as the API's guidance suggests.
  const blocks = attachments.map((ref) => blockOf(ref, contents));
  if (text.trim() !== '') blocks.push({ type: 'text', text });
  return blocks;
}

const asBlocks = (content: string | Block[]): Block[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : content;

/** The API wants turns to alternate; failed answers leave gaps, so neighbours of a role merge. */
export function turnsOf(
  history: readonly ConversationMessageView[],
  question: Question,
  contents: ReadonlyMap<string, ChatAttachmentRecord> = new Map(),
): Turn[] {
  const turns: Turn[] = [];
  const push = (role: Turn['role'], text: string, attachments: readonly AttachmentRef[]) => {
    if (text.trim() === '' && attachments.length === 0) return;
    const content = contentOf(text, attachments, contents);
    const last = turns[turns.length - 1];
    if (last?.role !== role) turns.push({ role, content });
    else if (typeof last.content === 'string' && typeof content === 'string')
      last.content += `\n\n${content}`;
    else last.content = [...asBlocks(last.content), ...asBlocks(content)];
  };
  for (const message of history.slice(-HISTORY_TURNS)) push(message.role, message.text, message.attachments);
  push('user', question.text, question.attachments);
  // An answer cannot come first.
  while (turns[0]?.role === 'assistant') turns.shift();
  return turns;
}
