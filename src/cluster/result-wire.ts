/**
 * What a worker writes into a result stream, and how a gateway reads it back:
 * - `head`: JSON {status, headers} of the upstream's answer;
 * - `data`: raw bytes of the answer. For an SSE answer, exactly one whole event per entry, so the
 *   entry's seq can be that event's SSE `id:` and a client resuming after id n gets every later
 *   event once (see withEventId). Other answers: chunks as they came;
 * - `end`: JSON {} (the gateway reads usage from the bytes themselves, as in embedded mode);
 * - `error`: JSON {failure, message}, a transport failure (UpstreamTransportError) of the attempt.
 */
import { z } from 'zod';
import type { TransportFailure } from '../upstreams/errors.js';
import type { UpstreamHeaders } from '../upstreams/types.js';

export interface HeadPayload {
  status: number;
  headers: UpstreamHeaders;
}

export interface ErrorPayload {
  failure: TransportFailure;
  message: string;
}

const headSchema = z.object({ status: z.number().int(), headers: z.record(z.string(), z.string()) });
const errorSchema = z.object({
  failure: z.enum(['connect', 'first_byte_timeout', 'idle_timeout', 'reset', 'aborted']),
  message: z.string(),
});

export const encodeJson = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

export function decodeHead(data: Buffer): HeadPayload | undefined {
  const parsed = headSchema.safeParse(parseJson(data));
  return parsed.success ? parsed.data : undefined;
}

export function decodeError(data: Buffer): ErrorPayload {
  const parsed = errorSchema.safeParse(parseJson(data));
  return parsed.success
    ? parsed.data
    : { failure: 'reset', message: 'The worker reported an unreadable error.' };
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function isEventStream(headers: UpstreamHeaders): boolean {
  return (headers['content-type'] ?? '').startsWith('text/event-stream');
}

/** An SSE event with its `id:` line first: the client's Last-Event-ID becomes `seq`. */
export function withEventId(seq: number, event: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`id: ${seq}\n`), event]);
}

const LF2 = Buffer.from('\n\n');
const CRLF2 = Buffer.from('\r\n\r\n');

/** Cuts an SSE byte stream into whole events (each with its blank-line terminator). */
export class SseEventSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const events: Buffer[] = [];
    let start = 0;
    for (;;) {
      const lf = data.indexOf(LF2, start);
      const crlf = data.indexOf(CRLF2, start);
      let end: number;
      if (lf === -1 && crlf === -1) break;
      if (crlf !== -1 && (lf === -1 || crlf < lf)) end = crlf + CRLF2.length;
      else end = lf + LF2.length;
      events.push(data.subarray(start, end));
      start = end;
    }
    this.pending = start === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(start));
    return events;
  }

  /** Bytes after the last whole event (an answer cut short), if any. */
  rest(): Buffer | undefined {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest.length > 0 ? rest : undefined;
  }
}
