/**
 * Copies an SSE answer that this process relays into a result stream as it passes, in the layout
 * a worker writes (result-wire.ts): `head` (seq 1), one whole event per `data` entry (seq 2, 3…),
 * then `end` or `error`. The client's bytes get each event's seq as its `id:` line, so
 * GET /v1/requests/{id}/events can resume after any id the client saw.
 *
 * The copy is off the client's path: entries queue in memory and at most one append per stream is
 * in flight; the next one carries everything that arrived meanwhile (one round trip per chunk at
 * most, fewer under load), and appends stay in order, so a failed one cannot leave a gap that a
 * later one papers over: after a failure the copy stops and the answer simply is not resumable.
 */
import type { ResultEntry, ResultStream } from '../queue/result-stream.js';
import { encodeJson, type ErrorPayload } from './result-wire.js';

const LF = 10;
const CR = 13;
const END_ENTRY: ResultEntry = { kind: 'end', data: Buffer.from('{}') };

// Nearly every answer has the same head: encode it once, not per stream.
const heads = new Map<string, Buffer>();
function headOf(status: number, contentType: string): Buffer {
  const key = `${status} ${contentType}`;
  let head = heads.get(key);
  if (!head) {
    head = encodeJson({ status, headers: { 'content-type': contentType } });
    if (heads.size < 16) heads.set(key, head);
  }
  return head;
}

export class ResultTee {
  private seq = 0;
  private flushedSeq = 0;
  private queued: ResultEntry[] = [];
  private inFlight = false;
  private broken = false;
  private ended = false;
  private pending: Buffer | undefined;

  constructor(
    private readonly results: ResultStream,
    readonly streamId: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  head(status: number, contentType: string): void {
    this.queue({ kind: 'head', data: headOf(status, contentType) });
    this.flush();
  }

  /**
   * The client's bytes for `chunk`: its whole events, each after its `id:` line, in one buffer (one
   * socket write, as without the copy). An event cut by the chunk's end waits for the next chunk.
   */
  events(chunk: Buffer): Buffer | undefined {
    let data = chunk;
    if (this.pending) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    const ends: number[] = [];
    for (let at = data.indexOf(LF); at !== -1;) {
      // An event ends at a blank line: "\n\n", or "\r\n\r\n" (seen from its first "\n").
      const end = data[at + 1] === LF ? at + 2 : data[at + 1] === CR && data[at + 2] === LF ? at + 3 : -1;
      if (end !== -1) ends.push(end);
      at = data.indexOf(LF, end === -1 ? at + 1 : end);
    }
    const consumed = ends.length === 0 ? 0 : ends[ends.length - 1]!;
    if (consumed < data.length) this.pending = Buffer.from(data.subarray(consumed));
    if (ends.length === 0) return undefined;
    const ids = new Array<string>(ends.length);
    let size = consumed;
    for (let i = 0; i < ends.length; i++) {
      ids[i] = `id: ${this.seq + 1 + i}\n`;
      size += ids[i]!.length;
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    let from = 0;
    for (let i = 0; i < ends.length; i++) {
      at += out.write(ids[i]!, at, 'latin1');
      const length = data.copy(out, at, from, ends[i]);
      this.queue({ kind: 'data', data: out.subarray(at, at + length) });
      at += length;
      from = ends[i]!;
    }
    this.flush();
    return out;
  }

  /** Bytes of an unfinished last event (an answer cut short), kept as an entry of its own. */
  rest(): Buffer | undefined {
    const rest = this.pending;
    this.pending = undefined;
    if (rest) this.queue({ kind: 'data', data: rest });
    return rest;
  }

  /** The last entry: the answer ended, or failed with `error`. Later calls do nothing. */
  end(error?: ErrorPayload): void {
    if (this.ended) return;
    this.ended = true;
    this.queue(error ? { kind: 'error', data: encodeJson(error) } : END_ENTRY);
    this.flush();
  }

  /** Entries numbered so far (head included). */
  get written(): number {
    return this.seq;
  }

  private queue(entry: ResultEntry): void {
    this.seq += 1;
    if (!this.broken) this.queued.push(entry);
  }

  private flush(): void {
    if (this.inFlight || this.broken || this.queued.length === 0) return;
    const entries = this.queued;
    const firstSeq = this.flushedSeq + 1;
    this.queued = [];
    this.flushedSeq += entries.length;
    this.inFlight = true;
    this.results.append(this.streamId, firstSeq, entries).then(
      () => {
        this.inFlight = false;
        this.flush();
      },
      (error: unknown) => {
        this.inFlight = false;
        this.broken = true;
        this.queued = [];
        this.onError(error);
      },
    );
  }
}
