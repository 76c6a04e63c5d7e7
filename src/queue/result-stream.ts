/**
 * The per-attempt event stream a worker writes and a gateway reads: the upstream's status line,
 * the answer's bytes, and how it ended. Entries are numbered 1, 2, 3… by their writer; the number
 * is the SSE event id a client resumes from, so a resumed read never repeats or skips an entry.
 * Bounded: at most `maxEntries` entries (the oldest are trimmed) and a TTL refreshed on every append.
 */
export type ResultEntryKind = 'head' | 'data' | 'end' | 'error';

export interface ResultEntry {
  kind: ResultEntryKind;
  data: Buffer;
}

export interface StoredResultEntry extends ResultEntry {
  /** 1-based position in the stream, as written. */
  seq: number;
}

export interface ResultRead {
  entries: StoredResultEntry[];
  /** Entries after the requested position were trimmed away (the stream outgrew maxEntries). */
  truncated: boolean;
}

export interface ResultStreamLimits {
  maxEntries: number;
  ttlMs: number;
}

export interface ResultStream {
  /**
   * Appends entries numbered `firstSeq`, `firstSeq + 1`…, atomically, and refreshes the TTL.
   * Throws ResultStreamConflictError when the stream already holds `firstSeq` or later (another
   * delivery of the same job wrote it first).
   */
  append(streamId: string, firstSeq: number, entries: readonly ResultEntry[]): Promise<void>;
  /** Entries after `afterSeq` (0: from the start), up to `count`, waiting up to `blockMs` for one. */
  read(
    streamId: string,
    afterSeq: number,
    options?: { count?: number; blockMs?: number },
  ): Promise<ResultRead>;
  /**
   * Entries after `afterSeq` as they arrive, until an `end` or `error` entry (included) or until
   * the signal aborts (the iteration then throws the signal's reason).
   */
  follow(streamId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<StoredResultEntry>;
  /** Milliseconds the stream has left, or undefined when it does not exist. */
  ttl(streamId: string): Promise<number | undefined>;
  delete(streamId: string): Promise<void>;
  close(): Promise<void>;
}

export class ResultStreamConflictError extends Error {
  constructor(readonly streamId: string) {
    super(`Result stream ${streamId} was already written by another delivery of its job.`);
    this.name = 'ResultStreamConflictError';
  }
}

export class ResultStreamTruncatedError extends Error {
  constructor(readonly streamId: string) {
    super(`Result stream ${streamId} was trimmed past the position being read.`);
    this.name = 'ResultStreamTruncatedError';
  }
}

export const TERMINAL_KINDS: ReadonlySet<ResultEntryKind> = new Set(['end', 'error']);

/** Numbers one writer's entries. A second delivery of a job gets a conflict on its first append. */
export class ResultWriter {
  private nextSeq = 1;

  constructor(
    private readonly stream: ResultStream,
    readonly streamId: string,
  ) {}

  async append(...entries: ResultEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.stream.append(this.streamId, this.nextSeq, entries);
    this.nextSeq += entries.length;
  }

  get written(): number {
    return this.nextSeq - 1;
  }
}
