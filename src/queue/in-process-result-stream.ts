import {
  ResultStreamConflictError,
  ResultStreamTruncatedError,
  TERMINAL_KINDS,
  type ResultEntry,
  type ResultRead,
  type ResultStream,
  type ResultStreamLimits,
  type StoredResultEntry,
} from './result-stream.js';

/** What an entry costs beyond its bytes (the entry, its Buffer view, its array slot), roughly. */
const ENTRY_OVERHEAD = 128;

interface Stream {
  entries: StoredResultEntry[];
  lastSeq: number;
  expiresAt: number;
  bytes: number;
}

/**
 * Result streams in this process's memory (embedded mode): same numbering, bounds and expiry as
 * Redis. Unlike Redis, the process's heap is also the server's: with `maxBytes`, the streams
 * written longest ago are dropped early once their entries together exceed it.
 */
export class InProcessResultStream implements ResultStream {
  private readonly streams = new Map<string, Stream>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private bytes = 0;

  constructor(
    private readonly limits: ResultStreamLimits & { maxBytes?: number },
    private readonly now: () => number = Date.now,
  ) {}

  async append(streamId: string, firstSeq: number, entries: readonly ResultEntry[]): Promise<void> {
    const now = this.now();
    const stream = this.live(streamId, now) ?? { entries: [], lastSeq: 0, expiresAt: 0, bytes: 0 };
    if (firstSeq <= stream.lastSeq) throw new ResultStreamConflictError(streamId);
    let added = 0;
    for (let index = 0; index < entries.length; index++) {
      const { kind, data } = entries[index]!;
      stream.entries.push({ kind, data, seq: firstSeq + index });
      added += data.length + ENTRY_OVERHEAD;
    }
    stream.lastSeq = firstSeq + entries.length - 1;
    if (stream.entries.length > this.limits.maxEntries) {
      for (const dropped of stream.entries.splice(0, stream.entries.length - this.limits.maxEntries))
        added -= dropped.data.length + ENTRY_OVERHEAD;
    }
    stream.bytes += added;
    this.bytes += added;
    stream.expiresAt = now + this.limits.ttlMs;
    this.streams.set(streamId, stream);
    this.sweep(now);
    this.evict(streamId);
    for (const wake of this.listeners.get(streamId) ?? []) wake();
  }

  async read(streamId: string, afterSeq: number, options: { count?: number; blockMs?: number } = {}) {
    const count = options.count ?? 1000;
    const first = this.readNow(streamId, afterSeq, count);
    if (first.entries.length > 0 || !options.blockMs) return first;
    await this.waitForAppend(streamId, options.blockMs, undefined);
    return this.readNow(streamId, afterSeq, count);
  }

  async *follow(streamId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<StoredResultEntry> {
    let position = afterSeq;
    for (;;) {
      signal.throwIfAborted();
      const { entries, truncated } = this.readNow(streamId, position, 1000);
      if (truncated) throw new ResultStreamTruncatedError(streamId);
      for (const entry of entries) {
        yield entry;
        position = entry.seq;
        if (TERMINAL_KINDS.has(entry.kind)) return;
      }
      if (entries.length === 0) await this.waitForAppend(streamId, 60_000, signal);
    }
  }

  async ttl(streamId: string): Promise<number | undefined> {
    const now = this.now();
    const stream = this.live(streamId, now);
    return stream && stream.expiresAt - now;
  }

  async delete(streamId: string): Promise<void> {
    this.drop(streamId);
  }

  async close(): Promise<void> {
    this.streams.clear();
    this.bytes = 0;
  }

  /** Bytes of entries held, with a fixed overhead per entry (what `maxBytes` bounds). */
  get heldBytes(): number {
    return this.bytes;
  }

  private drop(streamId: string): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    this.bytes -= stream.bytes;
    this.streams.delete(streamId);
  }

  /** Over budget: drops the streams created longest ago (Map order), never the one just written. */
  private evict(keep: string): void {
    const max = this.limits.maxBytes;
    if (max === undefined || this.bytes <= max) return;
    for (const id of this.streams.keys()) {
      if (this.bytes <= max) return;
      if (id !== keep) this.drop(id);
    }
  }

  private readNow(streamId: string, afterSeq: number, count: number): ResultRead {
    const stream = this.live(streamId, this.now());
    if (!stream) return { entries: [], truncated: false };
    const entries = stream.entries.filter((entry) => entry.seq > afterSeq).slice(0, count);
    const truncated = entries.length > 0 && entries[0]!.seq > afterSeq + 1;
    return { entries, truncated };
  }

  private live(streamId: string, now: number): Stream | undefined {
    const stream = this.streams.get(streamId);
    if (stream && stream.expiresAt <= now) {
      this.drop(streamId);
      return undefined;
    }
    return stream;
  }

  /** Drops a few expired streams per append (bounded work); the rest expire when next touched. */
  private sweep(now: number): void {
    let checked = 0;
    for (const [id, stream] of this.streams) {
      if (++checked > 16) break;
      if (stream.expiresAt <= now) this.drop(id);
    }
  }

  private waitForAppend(streamId: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      let listeners = this.listeners.get(streamId);
      if (!listeners) this.listeners.set(streamId, (listeners = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        listeners.delete(wake);
        if (listeners.size === 0) this.listeners.delete(streamId);
      };
      const wake = () => {
        done();
        resolve();
      };
      const onAbort = () => {
        done();
        reject(signal?.reason);
      };
      const timer = setTimeout(wake, timeoutMs);
      listeners.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
