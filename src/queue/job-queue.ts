/**
 * Where a gateway hands an upstream attempt to a worker. Two implementations pass one contract
 * suite (test/queue/job-queue.contract.test.ts): in this process (embedded mode) and BullMQ on
 * Redis (distributed mode). Delivery is at least once: a job whose worker dies is delivered again,
 * so handlers must be idempotent (the result stream refuses a second writer; see ResultWriter).
 */
import type { JobSpec } from './job.js';

export interface QueuedJob {
  spec: JobSpec;
  /** The request body, or undefined when it expired before a worker took the job. */
  body: Buffer | undefined;
  /** 1 on the first delivery, 2 after the job's first worker died or was closed by force. */
  delivery: number;
  /** When it was submitted, ms since epoch, on the submitter's clock. */
  submittedAt: number;
}

/** Runs one job. The signal aborts when the consumer is closed by force. */
export type JobHandler = (job: QueuedJob, signal: AbortSignal) => Promise<void>;

export interface ConsumeOptions {
  /** Jobs this consumer runs at once, per lane. */
  concurrency: number;
  /**
   * Who runs the jobs (the worker's registry id): recorded on each job it takes (BullMQ's
   * `processedBy`), so an operator, or a fault test, can tell which worker holds a job.
   */
  name?: string;
  /** Called with errors the handler threw (the job then counts as done: it is not retried). */
  onError?: (error: unknown, spec: JobSpec) => void;
}

export interface JobConsumer {
  /**
   * Stops taking jobs. Graceful (default): waits for running handlers. With `force`, abandons
   * them; the queue delivers them again (Redis: once their lock expires).
   */
  close(options?: { force?: boolean }): Promise<void>;
  /**
   * Stops taking jobs (an admin drained the worker); resolves once the running ones have finished,
   * which are never cut short. Jobs left waiting stay on their lanes for other consumers.
   */
  pause(): Promise<void>;
  /** Takes jobs again after pause(). */
  resume(): Promise<void>;
}

/** A job as the admin queue page lists it. */
export interface ListedJob {
  spec: JobSpec;
  /** `waiting`: on its lane, no consumer took it yet; `active`: a consumer runs it. */
  state: 'waiting' | 'active';
  /** The consumer running it (the worker's registry id, ConsumeOptions.name); null while waiting. */
  worker: string | null;
  /** When it was submitted, ms since epoch. */
  submittedAt: number;
}

export interface JobQueue {
  /**
   * Enqueues the job on its lane with its body. Idempotent by `jobId` while the job is remembered
   * (the retention window): a duplicate is accepted and not run again. Rejects with
   * QueueUnavailableError at once when the queue cannot be reached.
   */
  submit(spec: JobSpec, body: Buffer): Promise<void>;
  /** Runs the handler for jobs on these lanes until the consumer is closed. */
  consume(lanes: readonly string[], handler: JobHandler, options: ConsumeOptions): JobConsumer;
  /** Jobs waiting on a lane (not yet taken by a worker). */
  waiting(lane: string): Promise<number>;
  /** Jobs waiting on or running from these lanes, oldest first; at most `limit` of each state per lane. */
  list(lanes: readonly string[], limit: number): Promise<ListedJob[]>;
  /** Takes a job no consumer took yet off its lane, with its body; false when it runs, ended or is unknown. */
  remove(lane: string, jobId: string): Promise<boolean>;
  /** Closes every consumer gracefully and releases connections. */
  close(): Promise<void>;
}
