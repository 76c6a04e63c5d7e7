/**
 * The gateway's side of the queue path: an Upstream whose send() hands the attempt to a worker
 * (a job on the account's lane, the body beside it) and turns the attempt's result stream back
 * into an UpstreamResponse: `head` → status and headers, `data` → body chunks, `end` → the end of
 * the body, `error` → UpstreamTransportError (before the head: send() rejects; after: the body
 * throws), exactly as the adapter would have behaved in this process. The pipeline, failover and
 * the relay cannot tell the difference, except that SSE events carry `id:` lines (the entries'
 * seq numbers) so a client can resume with GET /v1/requests/{id}/events.
 *
 * When the client goes away (or a timeout fires here), the job is cancelled: a worker that has
 * not taken it yet skips it, the worker running it aborts the upstream call (job-control.ts).
 */
import type { CallDirectory } from '../../cluster/call-directory.js';
import type { JobControl } from '../../cluster/job-control.js';
import { decodeError, decodeHead, isEventStream, withEventId } from '../../cluster/result-wire.js';
import { cancelledByAdmin } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { jobIdOf, type JobSpec } from '../../queue/job.js';
import type { JobQueue } from '../../queue/job-queue.js';
import {
  ResultStreamTruncatedError,
  type ResultStream,
  type StoredResultEntry,
} from '../../queue/result-stream.js';
import { UpstreamTransportError, type TransportFailure } from '../errors.js';
import type {
  AccountKind,
  Upstream,
  UpstreamModel,
  UpstreamRequest,
  UpstreamRequestShape,
  UpstreamResponse,
  UpstreamTestResult,
} from '../types.js';

export interface QueuedUpstreamDeps {
  jobs: JobQueue;
  results: ResultStream;
  control: JobControl;
  calls: CallDirectory;
  /** The result streams' TTL: how long a finished answer can still be resumed. */
  resultTtlMs: number;
  logger: Logger;
}

/** A request that reached us without a registered call still gets a bounded job deadline. */
const UNTRACKED_DEADLINE_MS = 10 * 60_000;
/** The worker enforces the idle timeout itself; ours only catches a worker that went silent. */
const IDLE_GRACE_MS = 1_000;

export class QueuedUpstream implements Upstream {
  readonly kind: AccountKind;
  readonly unsupported?: (request: UpstreamRequestShape) => string | undefined;

  /**
   * @param local the account's own adapter, built without its credential: only asked whether it
   *   can serve a request (`unsupported`), never sent anything.
   */
  constructor(
    private readonly accountId: string,
    private readonly lane: string,
    private readonly local: Upstream,
    private readonly deps: QueuedUpstreamDeps,
  ) {
    this.kind = local.kind;
    if (local.unsupported) this.unsupported = (request) => local.unsupported!(request);
  }

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    if (request.signal.aborted) throw aborted();
    const { calls, control, jobs } = this.deps;
    const call = calls.get(request.requestId);
    const jobId = jobIdOf(request.requestId, calls.nextAttempt(request.requestId));
    const now = Date.now();
    const deadline = call?.deadline ?? now + UNTRACKED_DEADLINE_MS;
    const spec: JobSpec = {
      jobId,
      requestId: request.requestId,
      attempt: Number(jobId.slice(jobId.lastIndexOf('.') + 1)),
      lane: this.lane,
      accountId: this.accountId,
      operation: request.operation,
      stream: request.stream,
      model: request.model,
      ...(request.anthropicVersion === undefined ? {} : { anthropicVersion: request.anthropicVersion }),
      ...(request.anthropicBeta === undefined ? {} : { anthropicBeta: request.anthropicBeta }),
      deadline: Math.max(deadline, now + 1),
      firstByteTimeoutMs: Math.max(1, request.firstByteTimeoutMs),
      idleTimeoutMs: Math.max(1, request.idleTimeoutMs),
    };
    const attempt = new AttemptFollower(jobId, spec.deadline, this.deps, request.signal);
    try {
      await Promise.all([
        jobs.submit(spec, request.body),
        request.stream && call
          ? control.recordRequest(
              request.requestId,
              { apiKeyId: call.principal.apiKeyId, userId: call.principal.userId, streamId: jobId },
              this.deps.resultTtlMs + Math.max(0, spec.deadline - now),
            )
          : undefined,
      ]);
    } catch (error) {
      attempt.finish(true);
      throw error;
    }
    let first: StoredResultEntry;
    try {
      first = await attempt.next(request.firstByteTimeoutMs, 'first_byte_timeout');
    } catch (error) {
      attempt.finish(true);
      throw error;
    }
    if (first.kind === 'error') {
      attempt.finish(false);
      const { failure, message } = decodeError(first.data);
      throw new UpstreamTransportError(failure, message);
    }
    const head = first.kind === 'head' ? decodeHead(first.data) : undefined;
    if (!head) {
      attempt.finish(true);
      throw new UpstreamTransportError('reset', 'The worker wrote an unreadable answer.');
    }
    const sse = isEventStream(head.headers);
    // A streaming answer outlives its client: the worker finishes it so the client can resume it
    // (GET /v1/requests/{id}/events), and following it to the end here keeps the lease and meters
    // the whole answer for the ledger. Only the timeouts still give it up.
    const detached = sse && request.stream;
    if (detached) attempt.detachFromClient();
    const idleMs = request.idleTimeoutMs + IDLE_GRACE_MS;
    async function* body(): AsyncGenerator<Buffer> {
      let ended = false;
      try {
        for (;;) {
          const entry = await attempt.next(idleMs, 'idle_timeout');
          if (entry.kind === 'data') yield sse ? withEventId(entry.seq, entry.data) : entry.data;
          else if (entry.kind === 'end') {
            ended = true;
            return;
          } else if (entry.kind === 'error') {
            ended = true;
            const { failure, message } = decodeError(entry.data);
            throw new UpstreamTransportError(failure, message);
          }
        }
      } finally {
        // A detached answer is never cancelled from here: even if this gateway stops following
        // it (its client is gone and the relay gave up), the worker finishes it for a resume.
        attempt.finish(!ended && !detached);
      }
    }
    return { status: head.status, headers: head.headers, body: body() };
  }

  async listModels(): Promise<UpstreamModel[] | undefined> {
    // The mock kind knows its models without a credential; the others would need one.
    return this.local.kind === 'mock' ? this.local.listModels(AbortSignal.timeout(1_000)) : undefined;
  }

  async test(): Promise<UpstreamTestResult> {
    return {
      ok: true,
      status: null,
      detail: 'This account is served by workers; test it on a worker host.',
      latencyMs: 0,
    };
  }

  async close(): Promise<void> {
    await this.local.close();
  }
}

/** Follows one attempt's result stream, with timeouts, and cancels the job when it is given up. */
class AttemptFollower {
  private readonly controller = new AbortController();
  private readonly iterator: AsyncIterator<StoredResultEntry>;
  private timedOut: TransportFailure | undefined;
  private done = false;
  private clientGone = false;
  private readonly onAbort = () => {
    this.clientGone = true;
    this.controller.abort();
    this.cancel();
  };

  constructor(
    private readonly jobId: string,
    private readonly deadline: number,
    private readonly deps: QueuedUpstreamDeps,
    private readonly signal: UpstreamRequest['signal'],
  ) {
    this.iterator = deps.results.follow(jobId, 0, this.controller.signal)[Symbol.asyncIterator]();
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  async next(timeoutMs: number, failure: TransportFailure): Promise<StoredResultEntry> {
    const timer = setTimeout(() => {
      this.timedOut = failure;
      this.controller.abort();
    }, timeoutMs);
    try {
      const result = await this.iterator.next();
      if (result.done) throw new UpstreamTransportError('reset', 'The answer ended without its end mark.');
      return result.value;
    } catch (error) {
      if (error instanceof UpstreamTransportError) throw error;
      if (this.clientGone) throw aborted();
      if (this.timedOut) {
        this.finish(true);
        throw new UpstreamTransportError(
          this.timedOut,
          this.timedOut === 'first_byte_timeout'
            ? `No worker started answering within ${timeoutMs} ms.`
            : `The worker sent nothing for ${timeoutMs} ms.`,
        );
      }
      if (error instanceof ResultStreamTruncatedError) {
        throw new UpstreamTransportError('reset', 'The answer outgrew its result stream.', { cause: error });
      }
      throw new UpstreamTransportError('reset', 'Lost the answer stream.', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  detachFromClient(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.signal.addEventListener('abort', this.onAdminCancel, { once: true });
  }

  /** A detached answer outlives its client, not an admin's cancel (the queue page). */
  private readonly onAdminCancel = () => {
    if (cancelledByAdmin(this.signal.reason)) this.onAbort();
  };

  /** Stops following; with `cancel`, also tells the worker to stop (the answer is not wanted). */
  finish(cancel: boolean): void {
    if (this.done) return;
    this.done = true;
    this.signal.removeEventListener('abort', this.onAbort);
    this.signal.removeEventListener('abort', this.onAdminCancel);
    if (!this.controller.signal.aborted) this.controller.abort();
    void this.iterator.return?.().catch(() => undefined);
    if (cancel) this.cancel();
  }

  private cancelled = false;
  private cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const ttlMs = Math.max(0, this.deadline - Date.now()) + 60_000;
    this.deps.control.cancel(this.jobId, ttlMs).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, jobId: this.jobId }, 'could not cancel a queued attempt');
    });
  }
}

function aborted(): UpstreamTransportError {
  return new UpstreamTransportError('aborted', 'The client went away.');
}
