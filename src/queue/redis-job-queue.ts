import { isUtf8 } from 'node:buffer';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobSpecSchema, type JobSpec } from './job.js';
import type { ConsumeOptions, JobConsumer, JobHandler, JobQueue, ListedJob } from './job-queue.js';
import { QueueUnavailableError } from './queue-unavailable-error.js';
import { createRedis, type RedisEndpoint } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';
import { isConnectionError } from './redis-result-stream.js';

/** How soon a consumer fetches again after a connection error (see the Worker options below). */
const RUN_RETRY_DELAY_MS = 1_000;
/** A body outlives its request's deadline by this much, for a delivery that starts just in time. */
const BODY_GRACE_MS = 60_000;
/**
 * Bodies up to this size travel inside the job, so the worker gets them with the job itself (one
 * round trip less on every queued request); larger ones, or bytes that are not UTF-8, in a key
 * of their own beside it.
 */
const INLINE_BODY_MAX_BYTES = 256 * 1024;

/** What a lane's job carries: the spec and, when small, the body (dropped once the job ran). */
type JobData = JobSpec & { body?: string };

export interface RedisJobQueueOptions {
  /** Where consumers connect: a URL, or Sentinel (redis-connection.ts). */
  url: RedisEndpoint;
  keys: RedisKeys;
  /** The request-path connection (offline queue off). Owned by the caller, not closed here. */
  command: Redis;
  /** How long finished job ids are remembered: a duplicate submit within it is not run again. */
  retentionMs: number;
  /** BullMQ's lock on a running job (30 s by default); a dead worker's jobs return after it. */
  lockDurationMs?: number;
  /** How often consumers look for jobs whose worker died (30 s by default). */
  stalledIntervalMs?: number;
}

/**
 * The job queue of distributed mode: one BullMQ queue per lane, a small body inside its job, a
 * large one in its own Redis key.
 * Jobs are never retried after a handler error (the gateway fails over itself); a job whose
 * worker died is delivered once more (maxStalledCount 1).
 */
export class RedisJobQueue implements JobQueue {
  private readonly producers = new Map<string, Queue<JobData>>();
  private readonly consumers = new Set<RedisConsumer>();

  constructor(private readonly options: RedisJobQueueOptions) {}

  async submit(spec: JobSpec, body: Buffer): Promise<void> {
    const retentionSeconds = Math.ceil(this.options.retentionMs / 1000);
    const inline = body.length <= INLINE_BODY_MAX_BYTES && isUtf8(body);
    try {
      // Same connection, SET first: Redis runs it before the job can be taken. One round trip.
      const stored = inline
        ? undefined
        : this.options.command.set(
            this.options.keys.body(spec.jobId),
            body,
            'PX',
            Math.max(spec.deadline - Date.now(), 0) + BODY_GRACE_MS,
          );
      const data: JobData = inline ? { ...spec, body: body.toString('utf8') } : spec;
      const added = this.producer(spec.lane).add('attempt', data, {
        jobId: spec.jobId,
        attempts: 1,
        removeOnComplete: { age: retentionSeconds },
        removeOnFail: { age: retentionSeconds },
      });
      await Promise.all([stored, added]);
    } catch (error) {
      throw isConnectionError(error) ? new QueueUnavailableError(error) : error;
    }
  }

  consume(lanes: readonly string[], handler: JobHandler, options: ConsumeOptions): JobConsumer {
    const consumer = new RedisConsumer(lanes, handler, options, this.options);
    this.consumers.add(consumer);
    return {
      close: async (closeOptions) => {
        this.consumers.delete(consumer);
        await consumer.close(closeOptions?.force === true);
      },
      pause: () => consumer.pause(),
      resume: () => consumer.resume(),
    };
  }

  async waiting(lane: string): Promise<number> {
    return this.producer(lane).getWaitingCount();
  }

  async list(lanes: readonly string[], limit: number): Promise<ListedJob[]> {
    const listed: ListedJob[] = [];
    const add = (jobs: Job<JobData>[], state: ListedJob['state']) => {
      for (const job of jobs) {
        const parsed = jobSpecSchema.safeParse(job.data);
        if (!parsed.success) continue;
        const worker = state === 'active' ? (job.processedBy ?? null) : null;
        listed.push({ spec: parsed.data, state, worker, submittedAt: job.timestamp });
      }
    };
    try {
      for (const lane of lanes) {
        const queue = this.producer(lane);
        const [waiting, active] = await Promise.all([
          queue.getJobs(['waiting', 'prioritized'], 0, limit - 1, true),
          queue.getJobs(['active'], 0, limit - 1, true),
        ]);
        add(waiting, 'waiting');
        add(active, 'active');
      }
    } catch (error) {
      throw isConnectionError(error) ? new QueueUnavailableError(error) : error;
    }
    return listed.sort((a, b) => a.submittedAt - b.submittedAt);
  }

  async remove(lane: string, jobId: string): Promise<boolean> {
    try {
      const job = await this.producer(lane).getJob(jobId);
      if (!job) return false;
      const state = await job.getState();
      if (state !== 'waiting' && state !== 'prioritized') return false;
      try {
        await job.remove();
      } catch (error) {
        if (isConnectionError(error)) throw error;
        return false; // taken by a worker meanwhile: a running job is locked
      }
      await this.options.command.del(this.options.keys.body(jobId));
      return true;
    } catch (error) {
      throw isConnectionError(error) ? new QueueUnavailableError(error) : error;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.close(false)));
    this.consumers.clear();
    await Promise.all([...this.producers.values()].map((queue) => queue.close()));
    this.producers.clear();
  }

  private producer(lane: string): Queue<JobData> {
    let queue = this.producers.get(lane);
    if (!queue) {
      queue = new Queue<JobData>(lane, {
        connection: this.options.command,
        prefix: this.options.keys.bullPrefix,
        // The request path never waits for a connection: it fails and the client hears 503.
        skipWaitingForReady: true,
      });
      queue.on('error', () => {});
      this.producers.set(lane, queue);
    }
    return queue;
  }
}

class RedisConsumer {
  private readonly template: Redis;
  private readonly workers: Worker<JobData>[];
  private readonly running = new Set<AbortController>();
  private closing: Promise<void> | undefined;
  private abandoning: Promise<void> | undefined;
  /** Pauses and resumes in order: BullMQ reconnects a worker's blocking client at the end of a pause. */
  private transition: Promise<void> = Promise.resolve();

  constructor(
    lanes: readonly string[],
    private readonly handler: JobHandler,
    private readonly options: ConsumeOptions,
    private readonly queue: RedisJobQueueOptions,
  ) {
    // BullMQ duplicates this client for each worker's connections: they inherit its blocking setup.
    // It also serves the consumer's own reads (bodies), connecting on first use.
    this.template = createRedis(queue.url, 'blocking', { name: `${queue.keys.prefix}-worker` });
    this.workers = lanes.map((lane) => {
      const worker = new Worker<JobData>(lane, (job, _token, signal) => this.process(job, signal), {
        connection: this.template,
        prefix: queue.keys.bullPrefix,
        concurrency: options.concurrency,
        maxStalledCount: 1,
        // A fetch cut by a lost connection (a Redis restart, a Sentinel failover) is retried after
        // this long; BullMQ's 15 s default would leave the lane unserved that long after Redis is back.
        runRetryDelay: RUN_RETRY_DELAY_MS,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(queue.lockDurationMs === undefined ? {} : { lockDuration: queue.lockDurationMs }),
        ...(queue.stalledIntervalMs === undefined ? {} : { stalledInterval: queue.stalledIntervalMs }),
      });
      // Connection errors are retried by the blocking connection; nothing to do per event.
      worker.on('error', () => {});
      return worker;
    });
  }

  /** Stops fetching jobs; resolves once the running ones have finished. */
  pause(): Promise<void> {
    return this.inTurn(() => Promise.all(this.workers.map((worker) => worker.pause())));
  }

  resume(): Promise<void> {
    return this.inTurn(() => Promise.all(this.workers.map((worker) => worker.resume())));
  }

  private inTurn(work: () => Promise<unknown>): Promise<void> {
    const next = this.transition.then(work).then(() => undefined);
    this.transition = next.catch(() => undefined);
    return next;
  }

  /** Graceful, or by force; a force close also cuts short a graceful close in progress. */
  async close(force: boolean): Promise<void> {
    if (force) this.abandoning ??= this.abandon();
    this.closing ??= (async () => {
      await Promise.all(this.workers.map((worker) => worker.close(force)));
      this.template.disconnect();
    })();
    await Promise.all([this.abandoning, this.closing]);
  }

  /**
   * Cuts the connections first, so BullMQ can neither finish the running jobs nor renew their
   * locks; then stops the handlers. The locks expire and another worker takes the jobs, as if this
   * process had died.
   */
  private async abandon(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.disconnect().catch(() => {})));
    for (const controller of this.running) controller.abort(new Error('consumer closed by force'));
  }

  private async process(job: Job<JobData>, signal: AbortSignal | undefined): Promise<void> {
    const parsed = jobSpecSchema.safeParse(job.data);
    if (!parsed.success) {
      // What identifies the job, never its body.
      const { body: _body, ...payload } = job.data;
      this.options.onError?.(new Error(`job ${job.id ?? '?'} has an invalid payload`), payload);
      return;
    }
    const spec = parsed.data;
    const inline = typeof job.data.body === 'string' ? Buffer.from(job.data.body, 'utf8') : undefined;
    const controller = new AbortController();
    this.running.add(controller);
    const combined = signal ? AbortSignal.any([controller.signal, signal]) : controller.signal;
    try {
      // Worker-side reads wait through a Redis restart (blocking role) instead of failing the job.
      const body = inline ?? (await this.template.getBuffer(this.queue.keys.body(spec.jobId)));
      const queued = {
        spec,
        body: body ?? undefined,
        delivery: job.attemptsStarted,
        submittedAt: job.timestamp,
      };
      await this.handler(queued, combined);
    } catch (error) {
      if (!controller.signal.aborted) this.options.onError?.(error, spec);
    } finally {
      this.running.delete(controller);
    }
    // An abandoned job keeps its body: its next delivery needs it. A finished one drops it, so the
    // record BullMQ keeps for the retention window holds only the spec.
    if (controller.signal.aborted) return;
    const dropped = inline ? job.updateData(spec) : this.template.del(this.queue.keys.body(spec.jobId));
    await dropped.catch(() => {});
  }
}
