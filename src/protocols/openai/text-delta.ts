/**
 * The text of a `content_block_delta` event as a JSON string literal, read by position. Text
 * deltas are nearly every event of a stream; a JSON string literal means the same in Anthropic's
 * event and OpenAI's chunk, so it can be copied across without decoding and encoding it again.
 * Anything but the exact shape the API sends (`{"type":"content_block_delta","index":N,
 * "delta":{"type":"text_delta","text":"…"}}`) answers undefined, and the caller parses in full.
 */
const PREFIX = '{"type":"content_block_delta","index":';
const TEXT_KEY = ',"delta":{"type":"text_delta","text":"';

export function textDeltaLiteral(data: string): string | undefined {
  if (!data.startsWith(PREFIX)) return undefined;
  let at = PREFIX.length;
  const digitsFrom = at;
  while (at < data.length && data.charCodeAt(at) >= 48 && data.charCodeAt(at) <= 57) at++;
  if (at === digitsFrom || !data.startsWith(TEXT_KEY, at)) return undefined;
  const open = at + TEXT_KEY.length - 1;
  // The literal must end exactly where the two objects close: `"}}`.
  const close = data.length - 3;
  if (close <= open || data.charCodeAt(close) !== 34 || !data.endsWith('}}')) return undefined;
  for (let i = open + 1; i < close; i++) {
    const c = data.charCodeAt(i);
    if (c === 92)
      i++; // a backslash escapes the next character, whatever it is
    else if (c === 34 || c < 32) return undefined; // an unescaped quote or control: not one literal
  }
  // An escape cannot run into the closing quote (`"…\"}}`): then the quote is not a closing one.
  let backslashes = 0;
  for (let i = close - 1; i > open && data.charCodeAt(i) === 92; i--) backslashes++;
  if (backslashes % 2 === 1) return undefined;
  return data.slice(open, close + 1);
}
