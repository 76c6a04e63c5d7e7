import { Cancellation } from '../cancel-signal.js';
import { ApiError, cancelledByAdmin, SwitchyardError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { PING_EVENT } from '../protocols/anthropic/sse.js';
import { newCallSummary, type CallSummary, type MessagesCall, type ResponseSink } from './call.js';
import type { CallBoard } from './call-board.js';
import { ClientClosedError } from './client-closed.js';
import { dispatch, type DispatchOptions } from './dispatch.js';
import { addHeaders, relay, sseHeaders, writeStreamError } from './relay.js';
import type { Outcome } from './scheduler/outcome.js';
import type { Scheduler } from './scheduler/scheduler.js';
import type { Admission, Ticket } from './limits/admission.js';
import type { UsageLedger } from './usage/ledger.js';
import { InternedNames } from './usage/interned-names.js';
import { costUsd } from './usage/prices.js';
import type { Catalogue } from './catalogue/catalogue.js';
import { resolveCallModel, type FallbackAllowed } from './catalogue/model-route.js';
import { shippedCatalogue } from './catalogue/shipped.js';

export interface PipelineOptions extends DispatchOptions {
  pingAfterMs: number;
  pingIntervalMs: number;
}

export interface PipelineDeps {
  scheduler: Scheduler;
  /** Per-key, per-user and per-address limits; absent: none. */
  admission?: Admission;
  ledger: UsageLedger;
  metrics: Metrics;
  logger: Logger;
  options: PipelineOptions;
  /** Aliases, fallback chains and prices; absent: the shipped catalogue. */
  catalogue?: Catalogue;
  /** Which fallback models a key may be served by; absent: every model in the chain. */
  fallbackAllowed?: FallbackAllowed;
  /** The calls in progress, for the admin queue page and its cancel (call-board.ts); absent: none. */
  board?: CallBoard;
}

/**
 * The request's path, read top to bottom: schedule and dispatch (with failover) → relay the
 * answer → record usage and metrics. Authentication and parsing happened in the HTTP layer.
 * Errors before the first byte are thrown for the server's error handler to answer; after it,
 * they become SSE error events.
 */
export class MessagesPipeline {
  private readonly names = new InternedNames();

  constructor(private readonly deps: PipelineDeps) {}

  async handle(call: MessagesCall, sink: ResponseSink): Promise<CallSummary> {
    const requestedModel = resolveCallModel(call, this.deps.catalogue ?? shippedCatalogue());
    const summary = newCallSummary(call.request.model, requestedModel);
    let ticket: Ticket | undefined;
    try {
      const admitted = this.deps.admission?.admit(call);
      ticket = admitted instanceof Promise ? await admitted : admitted;
    } catch (error) {
      // Refused before anything went upstream: metrics count it, the ledger does not (a flood of
      // refused requests must not become a flood of writes).
      try {
        this.fail(error, call, sink, summary);
      } finally {
        summary.latencyMs = performance.now() - call.startedAt;
        this.record(call, summary, false);
      }
      return summary;
    }
    // Carried by the call, added where each answer's headers are built: no wrapper per request.
    if (ticket?.headers !== undefined) call.responseHeaders = ticket.headers;
    const cancellation = new Cancellation();
    sink.onClose(() => cancellation.abort(new ClientClosedError()));
    const onBoard = this.deps.board?.add(call, summary, cancellation);
    const pings =
      call.request.stream && call.operation === 'messages' ? this.startPings(sink, call) : undefined;
    try {
      const { lease, response } = await dispatch(call, cancellation.signal, summary, this.deps);
      summary.upstreamRequestId = response.headers['request-id'];
      clearTimers(pings);
      let outcome: Outcome = { kind: 'cancelled' };
      try {
        outcome = await relay(response, call, sink, summary);
      } finally {
        lease.release(outcome);
      }
      if (outcome.kind === 'cancelled') {
        // An admin's cancel ended the answer: the client, still there, is told so.
        if (cancelledByAdmin(cancellation.reason) && !sink.closed) throw cancellation.reason;
        summary.status = 499;
      }
    } catch (error) {
      clearTimers(pings);
      this.fail(cancelledByAdmin(cancellation.reason) ? cancellation.reason : error, call, sink, summary);
    } finally {
      if (onBoard) this.deps.board?.remove(onBoard);
      summary.latencyMs = performance.now() - call.startedAt;
      if (sink.closed) summary.status = 499;
      const cost = this.record(call, summary);
      if (ticket !== undefined) ticket.settle(countedTokens(summary), cost);
    }
    return summary;
  }

  /** Sets the summary for a failure; rethrows it when the client has not been answered yet. */
  private fail(error: unknown, call: MessagesCall, sink: ResponseSink, summary: CallSummary): void {
    if (error instanceof ClientClosedError || sink.closed) {
      summary.status = 499;
      summary.errorType = 'client_closed';
      return;
    }
    const known = error instanceof SwitchyardError ? error : new ApiError(undefined, error);
    if (!(error instanceof SwitchyardError))
      this.deps.logger.error({ err: error, requestId: call.requestId }, 'pipeline failure');
    summary.status = known.status;
    summary.errorType = known.type;
    if (!sink.headersSent) throw known;
    writeStreamError(sink, known.type, known.message, call.requestId);
  }

  private startPings(sink: ResponseSink, call: MessagesCall) {
    const timers: { first?: NodeJS.Timeout; every?: NodeJS.Timeout } = {};
    timers.first = setTimeout(() => {
      if (sink.closed) return;
      // These are the response's only headers: the request id must be among them.
      if (!sink.headersSent) {
        const headers = sseHeaders(call.requestId);
        if (call.responseHeaders !== undefined) addHeaders(headers, call.responseHeaders);
        sink.start(200, headers);
      }
      sink.write(PING_EVENT);
      timers.every = setInterval(() => {
        if (!sink.closed) sink.write(PING_EVENT);
      }, this.deps.options.pingIntervalMs);
    }, this.deps.options.pingAfterMs);
    return timers;
  }

  /** Records the request; returns its cost in USD. */
  private record(call: MessagesCall, summary: CallSummary, ledger = true): number {
    const { usage } = summary;
    const catalogue = this.deps.catalogue ?? shippedCatalogue();
    const accepted = summary.status < 400 || catalogue.has(summary.model);
    this.deps.metrics.observeRequest({
      route: call.route ?? call.operation,
      // Unknown model names from failed requests must not grow the label set without bound.
      model: accepted ? summary.model : 'other',
      account: summary.account?.name ?? 'none',
      status: summary.status,
      stream: call.request.stream === true,
      latencySeconds: summary.latencyMs / 1000,
      ttftSeconds: summary.ttftMs === undefined ? undefined : summary.ttftMs / 1000,
      errorType: summary.errorType,
      tokens: {
        input: usage.inputTokens,
        output: usage.outputTokens,
        cacheCreation: usage.cacheCreationInputTokens,
        cacheRead: usage.cacheReadInputTokens,
      },
    });
    if (call.operation !== 'messages' || !ledger) return 0;
    const cost = costUsd(catalogue.priceOf(summary.model), usage);
    this.deps.ledger.record({
      requestId: call.requestId,
      apiKeyId: call.principal.apiKeyId,
      userId: call.principal.userId,
      accountId: summary.account?.id ?? null,
      model: this.names.of(summary.model.slice(0, 256)),
      requestedModel:
        summary.requestedModel === undefined ? null : this.names.of(summary.requestedModel.slice(0, 256)),
      stream: call.request.stream === true,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cacheCreationInputTokens: usage.cacheCreationInputTokens,
      cacheReadInputTokens: usage.cacheReadInputTokens,
      status: summary.status,
      errorType: summary.errorType ?? null,
      latencyMs: Math.round(summary.latencyMs),
      ttftMs: summary.ttftMs === undefined ? null : Math.round(summary.ttftMs),
      costUsd: cost,
      createdAt: new Date(),
    });
    return cost;
  }
}

/** What counts against token limits: everything but cache reads, which are nearly free upstream too. */
function countedTokens({ usage }: CallSummary): number {
  return usage.inputTokens + usage.cacheCreationInputTokens + usage.outputTokens;
}

function clearTimers(timers: { first?: NodeJS.Timeout; every?: NodeJS.Timeout } | undefined): void {
  if (!timers) return;
  clearTimeout(timers.first);
  clearInterval(timers.every);
}
