/**
 * The small side channels of the queue path, beside jobs and result streams:
 * - cancels: a gateway whose client went away cancels its job. A `<p>:cancel:<jobId>` key (TTL)
 *   tells a worker that takes the job later to skip it; a pub/sub message on `<p>:cancels` tells
 *   the worker running it to abort the upstream call now.
 * - the request index `<p>:req:<requestId>`: who owns a streaming request (api key, user) and which
 *   attempt's result stream answers it, for GET /v1/requests/{id}/events. Same TTL as the stream.
 */
import type { Redis } from 'ioredis';
import type { RedisEndpoint } from '../queue/redis-connection.js';
import type { RedisKeys } from '../queue/redis-keys.js';
import { isConnectionError } from '../queue/redis-result-stream.js';
import { QueueUnavailableError } from '../queue/queue-unavailable-error.js';

export interface RequestRecord {
  apiKeyId: string;
  userId: string;
  /** The result stream (job id) of the attempt that answers. */
  streamId: string;
}

export interface JobControl {
  /** Marks the job cancelled (for `ttlMs`) and tells the worker running it, if any. */
  cancel(jobId: string, ttlMs: number): Promise<void>;
  /**
   * Whether the job was cancelled. With `submittedAt` (the submitter's clock), a process that has
   * heard every cancel since well before then (onCancel, unbroken) answers from memory.
   */
  isCancelled(jobId: string, submittedAt?: number): Promise<boolean>;
  /** Calls `listener` with every job id cancelled from now on (a worker subscribes once). */
  onCancel(listener: (jobId: string) => void): Promise<void>;
  recordRequest(requestId: string, record: RequestRecord, ttlMs: number): Promise<void>;
  findRequest(requestId: string): Promise<RequestRecord | undefined>;
  close(): Promise<void>;
}

/** Request records kept in memory at most (~25 MB); older ones are forgotten first. */
const MAX_IN_PROCESS_REQUESTS = 100_000;

/** Embedded mode and tests: the same contract in this process's memory. */
export class InProcessJobControl implements JobControl {
  private readonly cancelled = new Map<string, number>();
  private readonly requests = new Map<string, { record: RequestRecord; expiresAt: number }>();
  private readonly listeners = new Set<(jobId: string) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  async cancel(jobId: string, ttlMs: number): Promise<void> {
    this.cancelled.set(jobId, this.now() + ttlMs);
    for (const listener of this.listeners) listener(jobId);
  }

  async isCancelled(jobId: string): Promise<boolean> {
    const until = this.cancelled.get(jobId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.cancelled.delete(jobId);
    return false;
  }

  async onCancel(listener: (jobId: string) => void): Promise<void> {
    this.listeners.add(listener);
  }

  async recordRequest(requestId: string, record: RequestRecord, ttlMs: number): Promise<void> {
    const now = this.now();
    this.requests.set(requestId, { record: { ...record }, expiresAt: now + ttlMs });
    // Records are found by id only: drop a few expired ones per write (oldest first, Map order),
    // and the oldest beyond a fixed count, so a busy embedded server stays bounded.
    let checked = 0;
    for (const [id, found] of this.requests) {
      if (++checked > 4 || (found.expiresAt > now && this.requests.size <= MAX_IN_PROCESS_REQUESTS)) break;
      this.requests.delete(id);
    }
  }

  async findRequest(requestId: string): Promise<RequestRecord | undefined> {
    const found = this.requests.get(requestId);
    if (!found) return undefined;
    if (found.expiresAt > this.now()) return { ...found.record };
    this.requests.delete(requestId);
    return undefined;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

/** Cancels heard on the channel are remembered this long (a job waits in its lane at most ~minutes). */
const HEARD_TTL_MS = 15 * 60_000;
/** At most this many heard cancels are remembered; the oldest are forgotten first. */
const MAX_HEARD = 10_000;
/** Clocks of gateways and workers may differ by this much: jobs submitted closer to a (re)subscribe are read. */
const CLOCK_MARGIN_MS = 5_000;

/** Distributed mode: keys and one pub/sub channel in Redis. */
export class RedisJobControl implements JobControl {
  private subscriber: Redis | undefined;
  private readonly listeners = new Set<(jobId: string) => void>();
  /**
   * Cancels heard on the channel (job id → until when), so a worker skips a job cancelled before it
   * took it without reading its key: one round trip less per job. Valid while the subscription has
   * been unbroken since the job was submitted (`listeningSince`); otherwise the key is read.
   */
  private readonly heard = new Map<string, number>();
  private listeningSince: number | undefined;

  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeys,
    private readonly url: RedisEndpoint,
  ) {}

  async cancel(jobId: string, ttlMs: number): Promise<void> {
    await this.guard(() =>
      this.client
        .multi()
        .set(this.keys.cancel(jobId), '1', 'PX', Math.max(1, Math.round(ttlMs)))
        .publish(this.keys.cancelChannel, jobId)
        .exec(),
    );
  }

  async isCancelled(jobId: string, submittedAt?: number): Promise<boolean> {
    const now = Date.now();
    const heardUntil = this.heard.get(jobId);
    if (heardUntil !== undefined && heardUntil > now) return true;
    const since = this.listeningSince;
    if (submittedAt !== undefined && since !== undefined && submittedAt >= since + CLOCK_MARGIN_MS)
      return false;
    return (await this.guard(() => this.client.exists(this.keys.cancel(jobId)))) === 1;
  }

  private hear(jobId: string): void {
    const now = Date.now();
    this.heard.delete(jobId);
    this.heard.set(jobId, now + HEARD_TTL_MS);
    // Oldest first (Map order): drop the expired ones and any beyond the bound.
    for (const [id, until] of this.heard) {
      if (until > now && this.heard.size <= MAX_HEARD) break;
      this.heard.delete(id);
    }
  }

  async onCancel(listener: (jobId: string) => void): Promise<void> {
    this.listeners.add(listener);
    if (this.subscriber) return;
    // A subscribed connection can run nothing else; it resubscribes by itself after a reconnect.
    // Loaded here: embedded and single-process `start` use InProcessJobControl and never load ioredis.
    const { connectRedis } = await import('../queue/redis-connection.js');
    const subscriber = await connectRedis(this.url, 'blocking', { name: `${this.keys.prefix}-cancels` });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, jobId: string) => {
      this.hear(jobId);
      for (const each of this.listeners) each(jobId);
    });
    // Cancels published while the connection is down are never heard: until it is back (ioredis
    // resubscribes right after 'ready'; the clock margin covers that), and for jobs submitted
    // before then, the keys are read.
    subscriber.on('close', () => (this.listeningSince = undefined));
    subscriber.on('ready', () => (this.listeningSince = Date.now()));
    await subscriber.subscribe(this.keys.cancelChannel);
    this.listeningSince = Date.now();
  }

  async recordRequest(requestId: string, record: RequestRecord, ttlMs: number): Promise<void> {
    const key = this.keys.request(requestId);
    await this.guard(() =>
      this.client
        .multi()
        .hset(key, 'apiKeyId', record.apiKeyId, 'userId', record.userId, 'streamId', record.streamId)
        .pexpire(key, Math.max(1, Math.round(ttlMs)))
        .exec(),
    );
  }

  async findRequest(requestId: string): Promise<RequestRecord | undefined> {
    const found = await this.guard(() => this.client.hgetall(this.keys.request(requestId)));
    const { apiKeyId, userId, streamId } = found;
    if (!apiKeyId || !userId || !streamId) return undefined;
    return { apiKeyId, userId, streamId };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw isConnectionError(error) ? new QueueUnavailableError(error) : error;
    }
  }
}
