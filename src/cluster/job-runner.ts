/**
 * A worker's job handler: runs one queued attempt against the account's real upstream adapter (the
 * same kinds embedded mode uses) and writes the answer into the attempt's result stream: `head`,
 * then `data` entries in batches (one append per event-loop turn), then `end` or `error`
 * (result-wire.ts). It records no usage: the gateway that relays the answer does, once per request.
 */
import type { Logger } from '../observability/logger.js';
import { canFailOver, outcomeOfStatus } from '../gateway/scheduler/outcome.js';
import type { JobHandler, QueuedJob } from '../queue/job-queue.js';
import {
  ResultStreamConflictError,
  ResultWriter,
  TERMINAL_KINDS,
  type ResultEntry,
  type ResultStream,
} from '../queue/result-stream.js';
import { UpstreamTransportError, type TransportFailure } from '../upstreams/errors.js';
import type { Upstream } from '../upstreams/types.js';
import type { JobControl } from './job-control.js';
import { encodeJson, isEventStream, SseEventSplitter } from './result-wire.js';

export interface JobRunnerDeps {
  results: ResultStream;
  control: JobControl;
  /** The upstream of an account this worker holds, by id. */
  upstreamOf: (accountId: string) => Upstream | undefined;
  logger: Logger;
}

/** Entries per append at most: a burst of events is written in a few round trips, not one each. */
const MAX_BATCH = 256;

/**
 * How a job ended: answered (an answer, of any status, written to its end), failed (an `error`
 * entry: deadline, expired body, transport failure), abandoned (the worker closed by force;
 * another delivery answers), redelivered (a second delivery that found the first one's answer),
 * error (the handler threw).
 */
export type JobResult = 'answered' | 'failed' | 'abandoned' | 'redelivered' | 'error';

interface JobDone {
  result: JobResult;
  /** The upstream's status, once its head was written. */
  status: number | undefined;
}

export class JobRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly counts: Record<JobResult, number> = {
    answered: 0,
    failed: 0,
    abandoned: 0,
    redelivered: 0,
    error: 0,
  };
  private subscribed: Promise<void> | undefined;

  constructor(private readonly deps: JobRunnerDeps) {}

  /** Subscribes to cancels (once) so running jobs stop when their gateway gives up. */
  async start(): Promise<void> {
    this.subscribed ??= this.deps.control.onCancel((jobId) => {
      this.running.get(jobId)?.abort(new UpstreamTransportError('aborted', 'The gateway cancelled the job.'));
    });
    await this.subscribed;
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Jobs finished by result, since start (for the worker's metrics). */
  get results(): Readonly<Record<JobResult, number>> {
    return this.counts;
  }

  readonly handle: JobHandler = async (job, signal) => {
    const startedAt = performance.now();
    const done: JobDone = { result: 'error', status: undefined };
    try {
      await this.run(job, signal, done);
    } finally {
      this.counts[done.result] += 1;
      // The request id joins this line to the gateway's access line and to the ledger's row.
      const { spec } = job;
      this.deps.logger.info(
        {
          requestId: spec.requestId,
          jobId: spec.jobId,
          accountId: spec.accountId,
          delivery: job.delivery,
          result: done.result,
          status: done.status,
          ms: Math.round(performance.now() - startedAt),
        },
        'job finished',
      );
    }
  };

  private async run(job: QueuedJob, signal: AbortSignal, done: JobDone): Promise<void> {
    const { spec } = job;
    const writer = new BatchedWriter(new ResultWriter(this.deps.results, spec.jobId));
    if (job.delivery > 1 && (await this.continueRedelivery(job))) {
      done.result = 'redelivered';
      return;
    }
    const fail = async (failure: TransportFailure, message: string) => {
      done.result = 'failed';
      writer.push({ kind: 'error', data: encodeJson({ failure, message }) });
      await writer.drain();
    };
    const remaining = spec.deadline - Date.now();
    if (remaining <= 0) return fail('first_byte_timeout', 'The job waited in its lane past its deadline.');
    if (job.body === undefined)
      return fail('connect', 'The request body expired before a worker took the job.');
    const upstream = this.deps.upstreamOf(spec.accountId);
    if (!upstream) return fail('connect', `This worker does not hold account ${spec.accountId}.`);

    const controller = new AbortController();
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, remaining);
    const onForce = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onForce, { once: true });
    this.running.set(spec.jobId, controller);
    // A job cancelled while it waited in its lane: checked beside the call, not before it (one
    // round trip less on every job); a cancel arriving later comes by pub/sub (start()).
    this.deps.control.isCancelled(spec.jobId, job.submittedAt).then(
      (cancelled) => {
        if (cancelled) controller.abort(new UpstreamTransportError('aborted', 'The job was cancelled.'));
      },
      () => undefined,
    );
    let headWritten = false;
    try {
      const response = await upstream.send({
        operation: spec.operation,
        body: job.body,
        stream: spec.stream,
        model: spec.model,
        anthropicVersion: spec.anthropicVersion,
        anthropicBeta: spec.anthropicBeta,
        requestId: spec.requestId,
        firstByteTimeoutMs: Math.min(spec.firstByteTimeoutMs, remaining),
        idleTimeoutMs: spec.idleTimeoutMs,
        signal: controller.signal,
      });
      writer.push({ kind: 'head', data: encodeJson({ status: response.status, headers: response.headers }) });
      headWritten = true;
      done.status = response.status;
      const outcome = outcomeOfStatus(response.status, response.headers, Date.now());
      if (canFailOver(outcome)) {
        // The gateway fails over on the status alone: the error body is not needed.
        await discard(response.body);
      } else if (isEventStream(response.headers)) {
        const splitter = new SseEventSplitter();
        for await (const chunk of response.body) {
          for (const event of splitter.push(chunk)) await writer.push({ kind: 'data', data: event });
        }
        const rest = splitter.rest();
        if (rest) writer.push({ kind: 'data', data: rest });
      } else {
        for await (const chunk of response.body) await writer.push({ kind: 'data', data: chunk });
      }
      writer.push({ kind: 'end', data: encodeJson({}) });
      await writer.drain();
      done.result = 'answered';
    } catch (error) {
      if (signal.aborted) {
        done.result = 'abandoned'; // another delivery will answer: write nothing
        return;
      }
      if (error instanceof ResultStreamConflictError) throw error;
      let failure: TransportFailure = 'connect';
      let message = 'The worker could not run the attempt.';
      if (timedOut) {
        failure = headWritten ? 'idle_timeout' : 'first_byte_timeout';
        message = 'The request reached its deadline on the worker.';
      } else if (error instanceof UpstreamTransportError) {
        failure = error.failure;
        message = error.message;
      } else {
        this.deps.logger.error({ err: error, requestId: spec.requestId, jobId: spec.jobId }, 'job failed');
      }
      await fail(failure, message);
    } finally {
      clearTimeout(deadline);
      signal.removeEventListener('abort', onForce);
      this.running.delete(spec.jobId);
    }
  }

  /**
   * A second delivery (the first worker died or was closed by force). If the first one wrote
   * nothing, the attempt runs normally (returns false). If it wrote part of an answer, that answer
   * cannot be continued: one `error` entry ends it, unless it already ended.
   */
  private async continueRedelivery(job: QueuedJob): Promise<boolean> {
    const { entries } = await this.deps.results.read(job.spec.jobId, 0, { count: 100_000 });
    const last = entries.at(-1);
    if (!last) return false;
    if (TERMINAL_KINDS.has(last.kind)) return true;
    const data = encodeJson({ failure: 'reset', message: 'The worker was lost mid-stream.' });
    await this.deps.results.append(job.spec.jobId, last.seq + 1, [{ kind: 'error', data }]).catch((error) => {
      if (!(error instanceof ResultStreamConflictError)) throw error;
    });
    return true;
  }
}

/**
 * Appends entries in batches: entries pushed during one event-loop turn go out in one append.
 * push() returns a promise only when the backlog is large (backpressure); errors surface on the
 * next push or drain.
 */
class BatchedWriter {
  private pending: ResultEntry[] = [];
  private flushing: Promise<void> | undefined;
  private failed: unknown;

  constructor(private readonly writer: ResultWriter) {}

  push(entry: ResultEntry): Promise<void> | undefined {
    if (this.failed !== undefined) throw this.failed;
    this.pending.push(entry);
    this.flushing ??= this.flush();
    return this.pending.length >= MAX_BATCH ? this.flushing : undefined;
  }

  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.failed !== undefined) throw this.failed;
  }

  private async flush(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        await this.writer.append(...batch);
      }
    } catch (error) {
      this.failed = error;
      this.pending = [];
    } finally {
      this.flushing = undefined;
    }
  }
}

async function discard(body: AsyncIterable<Buffer>): Promise<void> {
  try {
    for await (const _ of body);
  } catch {
    // The status already said what happened.
  }
}
