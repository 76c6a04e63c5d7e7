import type { Redis } from 'ioredis';
import {
  ResultStreamTruncatedError,
  TERMINAL_KINDS,
  type ResultEntryKind,
  type StoredResultEntry,
} from './result-stream.js';

/** How long one XREAD blocks; a new follower interrupts it with CLIENT UNBLOCK. */
const BLOCK_MS = 2_000;
const READ_COUNT = 500;
const UNBLOCK_TRIES = 20;
const KINDS: ReadonlySet<string> = new Set<ResultEntryKind>(['head', 'data', 'end', 'error']);

export type RawStreamEntry = [Buffer, Buffer[]];

interface Follower {
  key: string;
  streamId: string;
  /** The last seq handed to this follower (buffered or yielded). */
  position: number;
  buffered: StoredResultEntry[];
  error: Error | undefined;
  wake: (() => void) | undefined;
}

/**
 * Live reads of many result streams over ONE blocking connection: a loop XREADs every followed
 * stream at once and hands entries to their followers. A gateway serving a thousand streams
 * holds one blocking connection, not a thousand. A new follower interrupts the current XREAD
 * (CLIENT UNBLOCK from the command connection) so it does not wait for the block to time out.
 */
export class RedisStreamHub {
  private readonly followers = new Map<string, Set<Follower>>();
  private blockingId: number | undefined;
  private generation = 0;
  private blocked = false;
  private unblockedGeneration = -1;
  private idle: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly command: Redis,
    private readonly blocking: Redis,
  ) {
    // A reconnected connection has a new client id; fetch it before the next XREAD.
    blocking.on('ready', () => {
      this.blockingId = undefined;
    });
  }

  async *follow(
    key: string,
    streamId: string,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncGenerator<StoredResultEntry> {
    signal.throwIfAborted();
    const follower = this.add(key, streamId, afterSeq);
    try {
      for (;;) {
        for (const entry of await this.next(follower, signal)) {
          yield entry;
          if (TERMINAL_KINDS.has(entry.kind)) return;
        }
      }
    } finally {
      this.remove(follower);
    }
  }

  /** The next entries after `afterSeq`, waiting up to `blockMs`; [] when none came. */
  async readOnce(key: string, afterSeq: number, blockMs: number): Promise<StoredResultEntry[]> {
    const follower = this.add(key, key, afterSeq);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), blockMs);
    try {
      return await this.next(follower, timeout.signal);
    } catch (error) {
      if (timeout.signal.aborted) return [];
      throw error;
    } finally {
      clearTimeout(timer);
      this.remove(follower);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.idle?.();
    for (const set of this.followers.values())
      for (const follower of set) this.fail(follower, new Error('result stream closed'));
    await this.unblock(this.generation);
    await this.loop;
  }

  private add(key: string, streamId: string, afterSeq: number): Follower {
    const follower: Follower = {
      key,
      streamId,
      position: afterSeq,
      buffered: [],
      error: undefined,
      wake: undefined,
    };
    let set = this.followers.get(key);
    if (!set) this.followers.set(key, (set = new Set()));
    set.add(follower);
    this.loop ??= this.run();
    if (this.idle) this.idle();
    else if (this.blocked) void this.unblock(this.generation);
    return follower;
  }

  private remove(follower: Follower): void {
    const set = this.followers.get(follower.key);
    set?.delete(follower);
    if (set?.size === 0) this.followers.delete(follower.key);
  }

  private next(follower: Follower, signal: AbortSignal): Promise<StoredResultEntry[]> {
    return new Promise((resolve, reject) => {
      const settle = () => {
        if (follower.buffered.length > 0) {
          const entries = follower.buffered;
          follower.buffered = [];
          follower.wake = undefined;
          signal.removeEventListener('abort', onAbort);
          resolve(entries);
        } else if (follower.error) {
          follower.wake = undefined;
          signal.removeEventListener('abort', onAbort);
          reject(follower.error);
        } else follower.wake = settle;
      };
      const onAbort = () => {
        follower.wake = undefined;
        reject(signal.reason);
      };
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      settle();
    });
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      if (this.followers.size === 0) {
        await new Promise<void>((resolve) => (this.idle = resolve));
        this.idle = undefined;
        continue;
      }
      try {
        this.blockingId ??= Number(await this.blocking.client('ID'));
        const keys = [...this.followers.keys()];
        const ids = keys.map((key) => `${this.lowestPosition(key)}-0`);
        this.generation += 1;
        this.blocked = true;
        const reply = (await this.blocking.xreadBuffer(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...keys,
          ...ids,
        )) as [Buffer, RawStreamEntry[]][] | null;
        this.blocked = false;
        const readFrom = new Map(keys.map((key, i) => [key, Number(ids[i]!.slice(0, -2))]));
        for (const [key, raw] of reply ?? []) {
          const name = key.toString();
          this.deliver(name, parseEntries(raw), readFrom.get(name) ?? 0);
        }
      } catch {
        this.blocked = false;
        // The blocking connection retries by itself; pause so a dead server is not spun on.
        if (!this.closed) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private lowestPosition(key: string): number {
    let lowest = Infinity;
    for (const follower of this.followers.get(key) ?? []) lowest = Math.min(lowest, follower.position);
    return lowest === Infinity ? 0 : lowest;
  }

  /** Hands entries read after seq `readFrom` to the followers of `key`. */
  private deliver(key: string, entries: StoredResultEntry[], readFrom: number): void {
    for (const follower of this.followers.get(key) ?? []) {
      const fresh = entries.filter((entry) => entry.seq > follower.position);
      if (fresh.length === 0) continue;
      if (fresh[0]!.seq > follower.position + 1) {
        // A gap is lost data only if this read started at or before the follower's position. A
        // follower that joined behind another while a read was in flight (a resume while the
        // gateway still follows the same answer) gets its entries from the next read instead.
        if (readFrom <= follower.position)
          this.fail(follower, new ResultStreamTruncatedError(follower.streamId));
        continue;
      }
      follower.buffered.push(...fresh);
      follower.position = fresh[fresh.length - 1]!.seq;
      // Done with now, not when its reader gets round to it: otherwise the loop XREADs this stream
      // once more, blocks on it, and the next follower has to CLIENT UNBLOCK it (two commands and a
      // round trip on every request).
      if (TERMINAL_KINDS.has(fresh[fresh.length - 1]!.kind)) this.remove(follower);
      follower.wake?.();
    }
  }

  private fail(follower: Follower, error: Error): void {
    follower.error ??= error;
    follower.wake?.();
  }

  /** Interrupts the XREAD of `generation`, retrying while it has not reached the server yet. */
  private async unblock(generation: number): Promise<void> {
    if (this.unblockedGeneration === generation) return;
    this.unblockedGeneration = generation;
    for (let tries = 0; tries < UNBLOCK_TRIES; tries++) {
      if (!this.blocked || this.generation !== generation || this.blockingId === undefined) return;
      try {
        if (Number(await this.command.client('UNBLOCK', this.blockingId)) === 1) return;
      } catch {
        return; // Redis is away; the XREAD ends by itself within BLOCK_MS.
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** XRANGE/XREAD entries with ids `<seq>-0` and fields k (kind) and d (bytes). */
export function parseEntries(raw: RawStreamEntry[]): StoredResultEntry[] {
  const entries: StoredResultEntry[] = [];
  for (const [id, fields] of raw) {
    let kind: string | undefined;
    let data: Buffer | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i]!.toString();
      if (name === 'k') kind = fields[i + 1]!.toString();
      else if (name === 'd') data = fields[i + 1];
    }
    const seq = Number.parseInt(id.toString(), 10);
    if (kind === undefined || !KINDS.has(kind) || data === undefined || !Number.isSafeInteger(seq)) continue;
    entries.push({ kind: kind as ResultEntryKind, data, seq });
  }
  return entries;
}
