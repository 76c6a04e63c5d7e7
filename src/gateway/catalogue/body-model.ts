const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/** The index just past the string that opens at `start` (a quote). */
function stringEnd(body: Buffer, start: number): number {
  for (let i = start + 1; i < body.length; i++) {
    const byte = body[i];
    if (byte === BACKSLASH) i++;
    else if (byte === QUOTE) return i + 1;
  }
  return -1;
}

function isModelKey(body: Buffer, start: number, end: number): boolean {
  if (end - start === 7) return body.toString('latin1', start + 1, end - 1) === 'model';
  // A key spelled with escapes (`"mod\u0065l"`) is still the model field to JSON.parse.
  const escape = body.indexOf(BACKSLASH, start);
  if (escape === -1 || escape >= end) return false;
  try {
    return JSON.parse(body.toString('utf8', start, end)) === 'model';
  } catch {
    return false;
  }
}

/**
 * Where the value of the top-level `model` field lies (the last one, as JSON.parse reads
 * duplicates), or undefined when it is not a string or the body is not an object. One pass over
 * the bytes, strings skipped whole, nothing decoded but the top-level keys.
 */
export function modelValueSpan(body: Buffer): { start: number; end: number } | undefined {
  let depth = 0;
  let expectKey = false;
  let modelNext = false;
  let span: { start: number; end: number } | undefined;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i] as number;
    if (isSpace(byte)) continue;
    if (byte === QUOTE) {
      const end = stringEnd(body, i);
      if (end < 0) return undefined;
      if (depth === 1) {
        if (expectKey) {
          modelNext = isModelKey(body, i, end);
          expectKey = false;
        } else if (modelNext) {
          span = { start: i, end };
          modelNext = false;
        }
      }
      i = end - 1;
      continue;
    }
    if (depth === 0 && byte !== OPEN_OBJECT) return undefined;
    if (depth === 1 && modelNext && byte !== COLON) {
      // The model field holds something other than a string.
      span = undefined;
      modelNext = false;
    }
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return span;
    } else if (byte === COMMA && depth === 1) {
      expectKey = true;
    }
  }
  return undefined;
}

/**
 * The body with its top-level `model` field set to `model`, every other byte as the client sent
 * it. Falls back to parsing and re-serialising only for a body the scanner cannot place.
 */
export function withModel(body: Buffer, model: string): Buffer {
  const span = modelValueSpan(body);
  const value = Buffer.from(JSON.stringify(model));
  if (span !== undefined) {
    return Buffer.concat([body.subarray(0, span.start), value, body.subarray(span.end)]);
  }
  const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...json, model }));
}
