import { StringDecoder } from 'node:string_decoder';

/** Encodes one server-sent event in the Anthropic wire format. */
export function encodeSseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export const PING_EVENT = encodeSseEvent('ping', { type: 'ping' });

export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Incremental SSE parser. It splits a byte stream into events and hands over only the events the
 * caller asks for. It walks the text with a cursor (no per-line strings), skips unwanted events
 * without reading their data, and for `nameOnly` events reports the name alone: watching a
 * pass-through stream for usage must cost little next to relaying it.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(
    private readonly wanted: ReadonlySet<string> | undefined,
    private readonly onEvent: (event: SseEvent) => void,
    private readonly nameOnly?: ReadonlySet<string>,
  ) {}

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const buffer = this.pending.length === 0 ? text : this.pending + text;
    let start = 0;
    let newline = buffer.indexOf('\n', start);
    while (newline !== -1) {
      const next = buffer.charCodeAt(newline + 1);
      if (Number.isNaN(next)) break; // the next character has not arrived yet
      if (next === LF) {
        this.parseBlock(buffer, start, newline);
        start = newline + 2;
      } else if (next === CR) {
        const after = buffer.charCodeAt(newline + 2);
        if (Number.isNaN(after)) break;
        if (after === LF) {
          this.parseBlock(buffer, start, newline);
          start = newline + 3;
        }
      }
      newline = buffer.indexOf('\n', Math.max(start, newline + 1));
    }
    this.pending = start === 0 ? buffer : buffer.slice(start);
  }

  /** Flushes a final event that was not followed by a blank line. */
  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest.trim() !== '') this.parseBlock(rest, 0, rest.length);
  }

  /** Parses the lines in text[from, to). */
  private parseBlock(text: string, from: number, to: number): void {
    let event = 'message';
    let data: string[] | undefined;
    let hasData = false;
    let skipData = false;
    let lineStart = from;
    while (lineStart < to) {
      let lineEnd = text.indexOf('\n', lineStart);
      if (lineEnd === -1 || lineEnd > to) lineEnd = to;
      const contentEnd = text.charCodeAt(lineEnd - 1) === CR && lineEnd > lineStart ? lineEnd - 1 : lineEnd;
      if (text.startsWith('event:', lineStart)) {
        event = text.slice(lineStart + 6, contentEnd).trim();
        if (this.wanted && !this.wanted.has(event)) return;
        skipData = this.nameOnly?.has(event) ?? false;
      } else if (text.startsWith('data:', lineStart)) {
        hasData = true;
        if (!skipData) {
          const valueStart = lineStart + (text.charCodeAt(lineStart + 5) === SPACE ? 6 : 5);
          (data ??= []).push(text.slice(valueStart, contentEnd));
        }
      }
      lineStart = lineEnd + 1;
    }
    if (!hasData) return;
    if (this.wanted && !this.wanted.has(event)) return;
    const skip = this.nameOnly?.has(event) ?? false;
    this.onEvent({
      event,
      data: skip || data === undefined ? '' : data.length === 1 ? (data[0] ?? '') : data.join('\n'),
    });
  }
}

const LF = 10;
const CR = 13;
const SPACE = 32;
