/**
 * The small side channels of the queue path, beside jobs and result streams:
 * - cancels: a gateway whose client went away cancels its job. A `<p>:cancel:<jobId>` key (TTL)
 *   tells a worker that takes the job later to skip it; a pub/sub message on `<p>:cancels` tells
 *   the worker running it to abort the upstream call now.
 * - the request index `<p>:req:<requestId>`: who owns a streaming request (api key, user) and which
 *   attempt's result stream answers it, for GET /v1/requests/{id}/events. Same TTL as the stream.
 */
import type { Redis } from 'ioredis';
import { connectRedis, type RedisEndpoint } from '../queue/redis-connection.js';
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
  isCancelled(jobId: string): Promise<boolean>;
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

/** Distributed mode: keys and one pub/sub channel in Redis. */
export class RedisJobControl implements JobControl {
  private subscriber: Redis | undefined;
  private readonly listeners = new Set<(jobId: string) => void>();

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

  async isCancelled(jobId: string): Promise<boolean> {
    return (await this.guard(() => this.client.exists(this.keys.cancel(jobId)))) === 1;
  }

  async onCancel(listener: (jobId: string) => void): Promise<void> {
    this.listeners.add(listener);
    if (this.subscriber) return;
    // A subscribed connection can run nothing else; it resubscribes by itself after a reconnect.
    const subscriber = await connectRedis(this.url, 'blocking', { name: `${this.keys.prefix}-cancels` });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, jobId: string) => {
      for (const each of this.listeners) each(jobId);
    });
    await subscriber.subscribe(this.keys.cancelChannel);
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
