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
 * caller asks for; for `nameOnly` events it reports the name alone: watching a pass-through stream
 * for usage must cost little next to relaying it.
 *
 * With a `wanted` set and LF line endings (what Anthropic sends) it takes a shortcut: each event's
 * `event:` line is matched in place against the wanted names, so unwanted and name-only events
 * cost a string comparison, and only the few events whose data the caller reads are parsed line by
 * line. CR line endings, comments and unusual spacing go through the line parser.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private shortcut: boolean;
  /** `event: <name>\n` for each wanted name, name-only ones first (they are the frequent ones). */
  private readonly heads: readonly Head[];

  constructor(
    private readonly wanted: ReadonlySet<string> | undefined,
    private readonly onEvent: (event: SseEvent) => void,
    private readonly nameOnly?: ReadonlySet<string>,
  ) {
    this.heads = wanted === undefined ? [] : headsFor(wanted, nameOnly);
    this.shortcut = wanted !== undefined && this.heads.every((head) => PLAIN_NAME.test(head.name));
  }

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (this.shortcut && text.indexOf('\r') === -1) this.pushLf(text);
    else {
      this.shortcut = false;
      this.pushText(text);
    }
  }

  private pushLf(text: string): void {
    const buffer = this.pending.length === 0 ? text : this.pending + text;
    let start = 0;
    let end = buffer.indexOf('\n\n', start);
    while (end !== -1) {
      this.eventAt(buffer, start, end);
      start = end + 2;
      end = buffer.indexOf('\n\n', start);
    }
    this.pending = start === 0 ? buffer : buffer.slice(start);
  }

  /** The event in text[from, to), LF line endings. */
  private eventAt(text: string, from: number, to: number): void {
    for (const head of this.heads) {
      if (!text.startsWith(head.line, from)) continue;
      if (!head.nameOnly) this.dataAt(text, head, from, to);
      else {
        const data = text.indexOf('\ndata:', from);
        if (data !== -1 && data < to) this.onEvent({ event: head.name, data: '' });
      }
      return;
    }
    if (text.startsWith('event: ', from)) {
      let lineEnd = text.indexOf('\n', from);
      if (lineEnd === -1 || lineEnd > to) lineEnd = to;
      const first = text.charCodeAt(from + 7);
      const last = text.charCodeAt(lineEnd - 1);
      // A plain name that is not wanted: nothing to do. Spacing around it is for the line parser.
      if (lineEnd > from + 7 && first !== SPACE && first !== TAB && last !== SPACE && last !== TAB) return;
    }
    this.parseBlock(text, from, to);
  }

  /**
   * A wanted event in text[from, to) that begins with its name line: one `data: ` line (what
   * Anthropic sends) is handed over as it stands, anything else goes through the line parser.
   */
  private dataAt(text: string, head: Head, from: number, to: number): void {
    const dataFrom = from + head.line.length;
    if (dataFrom < to && text.startsWith('data: ', dataFrom)) {
      const valueFrom = dataFrom + 6;
      // text[to] is the blank line's first LF, so a later newline is never missed.
      if (text.indexOf('\n', valueFrom) >= to) {
        this.onEvent({ event: head.name, data: text.slice(valueFrom, to) });
        return;
      }
    }
    this.parseBlock(text, from, to);
  }

  private pushText(text: string): void {
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
const TAB = 9;
const PLAIN_NAME = /^[\x21-\x7e]+$/;

type Head = { line: string; name: string; nameOnly: boolean };
/** Parsers are made per stream from the same few sets: their heads are worked out once. */
const HEADS = new WeakMap<ReadonlySet<string>, WeakMap<ReadonlySet<string> | typeof NO_SET, Head[]>>();
const NO_SET = new Set<string>();

function headsFor(wanted: ReadonlySet<string>, nameOnly: ReadonlySet<string> | undefined): Head[] {
  let byNameOnly = HEADS.get(wanted);
  if (!byNameOnly) HEADS.set(wanted, (byNameOnly = new WeakMap()));
  let heads = byNameOnly.get(nameOnly ?? NO_SET);
  if (!heads) {
    heads = [...wanted]
      .map((name) => ({ line: `event: ${name}\n`, name, nameOnly: nameOnly?.has(name) ?? false }))
      .sort((a, b) => Number(b.nameOnly) - Number(a.nameOnly));
    byNameOnly.set(nameOnly ?? NO_SET, heads);
  }
  return heads;
}
