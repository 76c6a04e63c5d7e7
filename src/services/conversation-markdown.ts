/**
 * A conversation as Markdown to read: the title, one heading per message (who, model, time), the
 * text as stored (answers are Markdown already, so their code blocks stay code blocks), and files
 * named rather than inlined. Not meant to be imported back: that is what the JSON export is for.
 */
import { storedMessageContent } from './conversation-types.js';
import type { ExportedConversation } from './conversation-archive-format.js';

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1_048_576) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

/** A line of text that cannot start Markdown structure of its own (a title, a file name). */
const inline = (text: string) => text.replace(/[\r\n]+/g, ' ').replace(/([\\`*_[\]<>#|])/g, '\\$1');

/**
 * An answer stopped in the middle of a code block leaves its fence open, which would swallow every
 * heading after it: close what is open.
 */
function closedFences(text: string): string {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (!fence) continue;
    if (open === undefined) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length && line.trim() === fence) open = undefined;
  }
  return open === undefined ? text : `${text}\n${open}`;
}

export function conversationMarkdown(conversation: ExportedConversation): string {
  const lines: string[] = [`# ${inline(conversation.title ?? 'New chat')}`, ''];
  const count = conversation.messages.length;
  lines.push(
    `_${count} message${count === 1 ? '' : 's'} · started ${when(conversation.createdAt)} · last ${when(conversation.updatedAt)}_`,
    '',
  );
  for (const message of conversation.messages) {
    const parsed = storedMessageContent.safeParse(message.content);
    const content = parsed.success ? parsed.data : { text: '' };
    const who = message.role === 'user' ? 'User' : 'Assistant';
    const model = message.role === 'assistant' && content.model ? ` · ${inline(content.model)}` : '';
    lines.push('---', '', `## ${who}${model} · ${when(message.createdAt)}`, '');
    if (content.text !== '') lines.push(closedFences(content.text.replace(/\s+$/, '')), '');
    for (const file of content.attachments ?? []) {
      lines.push(`> 📎 ${inline(file.name)} (${inline(file.mediaType)}, ${size(file.size)})`, '');
    }
    if (content.state === 'stopped') lines.push('> _Stopped before the end._', '');
    if (content.state === 'error' && content.error) {
      lines.push(`> _The answer failed: ${inline(content.error.message)}_`, '');
    }
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}
