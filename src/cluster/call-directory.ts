/**
 * The calls a gateway is serving, by request id. An Upstream sees only the request (body, model,
 * timeouts); a queued attempt also needs who asked (to record the request's owner for resuming)
 * and the client's deadline (the job's deadline), and a fresh attempt number per request for its
 * job id. The pipeline registers each call for its lifetime (TrackingPipeline).
 */
import type { MessagesCall } from '../gateway/call.js';
import { MessagesPipeline, type PipelineDeps } from '../gateway/pipeline.js';
import type { ResponseSink, CallSummary } from '../gateway/call.js';

interface Tracked {
  call: MessagesCall;
  attempts: number;
}

export class CallDirectory {
  private readonly calls = new Map<string, Tracked>();
  /** Attempt counters of requests served without a registered call (tests, other routes). */
  private readonly orphans = new Map<string, number>();
  private readonly idleWaiters = new Set<() => void>();

  add(call: MessagesCall): void {
    this.calls.set(call.requestId, { call, attempts: 0 });
  }

  remove(requestId: string): void {
    this.calls.delete(requestId);
    this.orphans.delete(requestId);
    if (this.calls.size === 0) for (const wake of this.idleWaiters) wake();
  }

  /**
   * Resolves once no call is left (each has recorded its usage) or after `timeoutMs`, whichever
   * comes first; true if none is left. For shutdown: a streaming answer from a worker is followed
   * to its end even after its client left, so calls can outlive every HTTP connection.
   */
  settled(timeoutMs: number): Promise<boolean> {
    if (this.calls.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idleWaiters.delete(done);
        resolve(this.calls.size === 0);
      };
      const timer = setTimeout(done, timeoutMs);
      this.idleWaiters.add(done);
    });
  }

  get(requestId: string): MessagesCall | undefined {
    return this.calls.get(requestId)?.call;
  }

  /** 1, 2, 3… per request: queued attempts of one request get distinct job ids. */
  nextAttempt(requestId: string): number {
    const tracked = this.calls.get(requestId);
    if (tracked) return ++tracked.attempts;
    const next = (this.orphans.get(requestId) ?? 0) + 1;
    this.orphans.set(requestId, next);
    // Without a call to end it, forget the counter after a while (bounded memory).
    if (next === 1) setTimeout(() => this.orphans.delete(requestId), 10 * 60_000).unref();
    return next;
  }

  get size(): number {
    return this.calls.size;
  }
}

/** The pipeline of a distributed gateway: the same one, with each call registered while it runs. */
export class TrackingPipeline extends MessagesPipeline {
  constructor(
    deps: PipelineDeps,
    private readonly calls: CallDirectory,
  ) {
    super(deps);
  }

  override async handle(call: MessagesCall, sink: ResponseSink): Promise<CallSummary> {
    this.calls.add(call);
    try {
      return await super.handle(call, sink);
    } finally {
      this.calls.remove(call.requestId);
    }
  }
}
