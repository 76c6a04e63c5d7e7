import type { JobSpec } from './job.js';
import type { ConsumeOptions, JobConsumer, JobHandler, JobQueue, ListedJob, QueuedJob } from './job-queue.js';

/** Like BullMQ's maxStalledCount of 1: a job is delivered at most twice. */
const MAX_DELIVERIES = 2;

interface Pending {
  spec: JobSpec;
  body: Buffer;
  delivery: number;
  submittedAt: number;
}

interface Consumer {
  lanes: ReadonlySet<string>;
  handler: JobHandler;
  options: ConsumeOptions;
  running: Map<Pending, AbortController>;
  runs: Set<Promise<void>>;
  closed: boolean;
  /** Takes no jobs while set (drained); running ones go on. */
  paused: boolean;
}

export interface InProcessJobQueueOptions {
  /** How long a job id is remembered, so a duplicate submit is not run again. */
  retentionMs: number;
  now?: () => number;
}

/**
 * The job queue of embedded mode: FIFO lanes in this process. It keeps BullMQ's semantics where the
 * contract suite checks them: idempotent submit, at most two deliveries, graceful close.
 */
export class InProcessJobQueue implements JobQueue {
  private readonly lanes = new Map<string, Pending[]>();
  private readonly seen = new Map<string, number>();
  private readonly consumers = new Set<Consumer>();
  private readonly now: () => number;

  constructor(private readonly options: InProcessJobQueueOptions) {
    this.now = options.now ?? Date.now;
  }

  async submit(spec: JobSpec, body: Buffer): Promise<void> {
    const now = this.now();
    this.forgetExpired(now);
    if (this.seen.has(spec.jobId)) return;
    this.seen.set(spec.jobId, now + this.options.retentionMs);
    this.enqueue({ spec, body, delivery: 1, submittedAt: now }, false);
  }

  consume(lanes: readonly string[], handler: JobHandler, options: ConsumeOptions): JobConsumer {
    const consumer: Consumer = {
      lanes: new Set(lanes),
      handler,
      options,
      running: new Map(),
      runs: new Set(),
      closed: false,
      paused: false,
    };
    this.consumers.add(consumer);
    queueMicrotask(() => this.dispatch());
    return {
      close: (closeOptions) => this.closeConsumer(consumer, closeOptions?.force === true),
      pause: async () => {
        consumer.paused = true;
        while (consumer.runs.size > 0) await Promise.allSettled([...consumer.runs]);
      },
      resume: async () => {
        consumer.paused = false;
        this.dispatch();
      },
    };
  }

  async waiting(lane: string): Promise<number> {
    return this.lanes.get(lane)?.length ?? 0;
  }

  async list(lanes: readonly string[], limit: number): Promise<ListedJob[]> {
    const wanted = new Set(lanes);
    const listed: ListedJob[] = [];
    for (const consumer of this.consumers) {
      let taken = 0;
      for (const job of consumer.running.keys()) {
        if (!wanted.has(job.spec.lane) || taken++ >= limit) continue;
        listed.push({
          spec: job.spec,
          state: 'active',
          worker: consumer.options.name ?? null,
          submittedAt: job.submittedAt,
        });
      }
    }
    for (const lane of wanted) {
      for (const job of (this.lanes.get(lane) ?? []).slice(0, limit)) {
        listed.push({ spec: job.spec, state: 'waiting', worker: null, submittedAt: job.submittedAt });
      }
    }
    return listed.sort((a, b) => a.submittedAt - b.submittedAt);
  }

  async remove(lane: string, jobId: string): Promise<boolean> {
    const pending = this.lanes.get(lane);
    const at = pending?.findIndex((job) => job.spec.jobId === jobId) ?? -1;
    if (!pending || at === -1) return false;
    pending.splice(at, 1);
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => this.closeConsumer(consumer, false)));
    this.lanes.clear();
  }

  private enqueue(job: Pending, front: boolean): void {
    let lane = this.lanes.get(job.spec.lane);
    if (!lane) this.lanes.set(job.spec.lane, (lane = []));
    if (front) lane.unshift(job);
    else lane.push(job);
    this.dispatch();
  }

  /** Hands waiting jobs to consumers with a free slot on their lane. */
  private dispatch(): void {
    for (const consumer of this.consumers) {
      if (consumer.closed || consumer.paused) continue;
      for (const laneName of consumer.lanes) {
        const lane = this.lanes.get(laneName);
        while (lane && lane.length > 0 && this.runningOn(consumer, laneName) < consumer.options.concurrency) {
          this.run(consumer, lane.shift()!);
        }
      }
    }
  }

  private runningOn(consumer: Consumer, lane: string): number {
    let count = 0;
    for (const job of consumer.running.keys()) if (job.spec.lane === lane) count += 1;
    return count;
  }

  private run(consumer: Consumer, job: Pending): void {
    const controller = new AbortController();
    consumer.running.set(job, controller);
    const queued: QueuedJob = {
      spec: job.spec,
      body: job.body,
      delivery: job.delivery,
      submittedAt: job.submittedAt,
    };
    const run = (async () => {
      // Like a worker taking a job from Redis: never inside the submitter's call stack.
      await Promise.resolve();
      try {
        await consumer.handler(queued, controller.signal);
      } catch (error) {
        if (!controller.signal.aborted) consumer.options.onError?.(error, job.spec);
      } finally {
        consumer.running.delete(job);
        if (!controller.signal.aborted) this.dispatch();
      }
    })().finally(() => consumer.runs.delete(run));
    consumer.runs.add(run);
  }

  private async closeConsumer(consumer: Consumer, force: boolean): Promise<void> {
    consumer.closed = true;
    this.consumers.delete(consumer);
    if (force) {
      // A consumer closed by force is a worker that died: its jobs go to someone else.
      for (const [job, controller] of consumer.running) {
        controller.abort(new Error('consumer closed by force'));
        if (job.delivery < MAX_DELIVERIES) this.enqueue({ ...job, delivery: job.delivery + 1 }, true);
      }
      consumer.running.clear();
      return; // Like a dead process, it does not wait for its handlers.
    }
    await Promise.allSettled([...consumer.runs]);
  }

  private forgetExpired(now: number): void {
    for (const [id, expiresAt] of this.seen) {
      if (expiresAt > now) break;
      this.seen.delete(id);
    }
  }
}
