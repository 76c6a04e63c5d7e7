/**
 * Reading text out of a Messages request: the last user message (where directives live and what
 * `echo` answers with) and the character count behind the simulated input token count.
 */
interface Block {
  type: string;
  [key: string]: unknown;
}
type Content = string | readonly Block[];
interface Message {
  role: string;
  content: Content;
}

/** The texts of a message content: the string, or each text block's text. */
export function textsOf(content: Content): string[] {
  if (typeof content === 'string') return [content];
  const texts: string[] = [];
  for (const block of content) {
    if (block.type === 'text' && typeof block['text'] === 'string') texts.push(block['text']);
  }
  return texts;
}

/** The texts of the last user message (Claude Code puts a system reminder block before the prompt). */
export function lastUserTexts(messages: readonly Message[]): string[] {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === 'user') return textsOf(message.content);
  }
  return [];
}

function characters(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const block of content as unknown[]) {
    if (typeof block !== 'object' || block === null) continue;
    const fields = block as Record<string, unknown>;
    total += characters(fields['text']) + characters(fields['thinking']) + characters(fields['content']);
    if (fields['type'] === 'tool_use') total += JSON.stringify(fields['input'] ?? {}).length;
  }
  return total;
}

/** ceil(characters of system and messages text / 4), at least 1. */
export function countInputTokens(system: Content | undefined, messages: readonly Message[]): number {
  let total = characters(system);
  for (const message of messages) total += characters(message.content);
  return Math.max(1, Math.ceil(total / 4));
}
