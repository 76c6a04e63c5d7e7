/**
 * The gateway needs two fields of a non-streaming answer, `model` and `usage`, and Anthropic (and
 * every kind of ours) writes them at fixed places: `model` among the first keys, `usage` as the
 * last one. Reading just those two places costs a small fraction of parsing a whole answer. When a
 * body is laid out any other way, this gives up and the caller parses the whole body.
 */

/** `{"id":"…","type":"message","role":"assistant","model":"…",` with any whitespace. */
const HEAD =
  /^\{\s*"id"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"type"\s*:\s*"message"\s*,\s*"role"\s*:\s*"assistant"\s*,\s*"model"\s*:\s*"([^"\\]*)"\s*,/;
const HEAD_BYTES = 512;
const USAGE_KEY = '"usage"';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const COLON = 0x3a;

const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

export interface MessageEnvelope {
  model: string;
  /** The `usage` object's JSON text. */
  usageJson: string;
}

export function readMessageEnvelope(body: Buffer): MessageEnvelope | undefined {
  const head = HEAD.exec(body.toString('latin1', 0, Math.min(HEAD_BYTES, body.length)));
  if (!head) return undefined;
  const model = head[1];
  // Non-ASCII model ids were read as latin1 above: leave those to the full parse.
  if (model === undefined || !/^[\x20-\x7e]*$/.test(model)) return undefined;
  const usage = lastMemberObject(body, USAGE_KEY);
  if (!usage) return undefined;
  return { model, usageJson: body.toString('utf8', usage.start, usage.end) };
}

/**
 * Finds `"key": {…}` as the last member of the top-level object and returns the object's byte
 * range. A `"key"` whose opening quote is unescaped cannot sit inside a string of valid JSON, so
 * the last occurrence followed by `:` and `{` is a key; it belongs to the top-level object when
 * only `}` and whitespace follow its value.
 */
function lastMemberObject(body: Buffer, key: string): { start: number; end: number } | undefined {
  const at = body.lastIndexOf(key);
  if (at <= 0) return undefined;
  let i = at + key.length;
  while (i < body.length && isSpace(body[i]!)) i++;
  if (body[i] !== COLON) return undefined;
  i++;
  while (i < body.length && isSpace(body[i]!)) i++;
  if (body[i] !== OPEN) return undefined;
  const start = i;
  let depth = 0;
  let inString = false;
  for (; i < body.length; i++) {
    const byte = body[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN) depth++;
    else if (byte === CLOSE && --depth === 0) break;
  }
  if (depth !== 0) return undefined;
  const end = i + 1;
  i = end;
  while (i < body.length && isSpace(body[i]!)) i++;
  if (body[i] !== CLOSE) return undefined;
  i++;
  while (i < body.length && isSpace(body[i]!)) i++;
  return i === body.length ? { start, end } : undefined;
}
