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
 * caller asks for (the rest are skipped without building strings for their data), so watching a
 * pass-through stream for usage costs little.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(
    private readonly wanted: ReadonlySet<string> | undefined,
    private readonly onEvent: (event: SseEvent) => void,
  ) {}

  push(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let boundary = this.findBoundary();
    while (boundary !== -1) {
      const block = this.pending.slice(0, boundary);
      const separatorLength = this.pending.startsWith('\r\n\r\n', boundary) ? 4 : 2;
      this.pending = this.pending.slice(boundary + separatorLength);
      this.parseBlock(block);
      boundary = this.findBoundary();
    }
  }

  /** Flushes a final event that was not followed by a blank line. */
  end(): void {
    this.pending += this.decoder.end();
    if (this.pending.trim() !== '') this.parseBlock(this.pending);
    this.pending = '';
  }

  private findBoundary(): number {
    const lf = this.pending.indexOf('\n\n');
    const crlf = this.pending.indexOf('\r\n\r\n');
    if (lf === -1) return crlf;
    if (crlf === -1) return lf;
    return Math.min(lf, crlf);
  }

  private parseBlock(block: string): void {
    let event = 'message';
    let data: string[] | undefined;
    for (const rawLine of block.split('\n')) {
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      if (line.startsWith('event:')) {
        event = line.slice(6).trim();
        if (this.wanted && !this.wanted.has(event)) return;
      } else if (line.startsWith('data:')) {
        (data ??= []).push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
    }
    if (data === undefined) return;
    if (this.wanted && !this.wanted.has(event)) return;
    this.onEvent({ event, data: data.join('\n') });
  }
}
