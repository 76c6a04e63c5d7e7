import { OverloadedError, RateLimitError, SwitchyardError, TimeoutError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { QueueUnavailableError } from '../queue/queue-unavailable-error.js';
import { UpstreamTransportError } from '../upstreams/errors.js';
import type { UpstreamResponse } from '../upstreams/types.js';
import type { CallSummary, MessagesCall } from './call.js';
import { ClientClosedError } from './client-closed.js';
import { conversationKey } from './conversation-key.js';
import { canFailOver, outcomeOfStatus, outcomeOfTransport, type Outcome } from './scheduler/outcome.js';
import type { Lease, Scheduler } from './scheduler/scheduler.js';
import type { CancelSignal } from '../cancel-signal.js';
import type { Catalogue } from './catalogue/catalogue.js';
import { FallbackChain, type FallbackAllowed } from './catalogue/model-route.js';

const NONE_TRIED: ReadonlySet<string> = new Set();

export interface DispatchOptions {
  maxAttempts: number;
  streamFirstByteTimeoutMs: number;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface Dispatched {
  lease: Lease;
  response: UpstreamResponse;
}

interface Failure {
  outcome: Outcome;
  status?: number;
  transport?: UpstreamTransportError;
}

/**
 * Sends the call to an account and fails over to another one, before the first byte only, when
 * the account (not the request) was the problem. Bounded by attempts and the client's deadline.
 */
export async function dispatch(
  call: MessagesCall,
  signal: CancelSignal,
  summary: CallSummary,
  deps: {
    scheduler: Scheduler;
    metrics: Metrics;
    options: DispatchOptions;
    catalogue?: Catalogue | undefined;
    fallbackAllowed?: FallbackAllowed | undefined;
  },
): Promise<Dispatched> {
  // Made on the first failover: most requests never need one.
  let exclude: ReadonlySet<string> = NONE_TRIED;
  const key = call.operation === 'messages' ? conversationKey(call) : undefined;
  const stream = call.request.stream === true;
  let soonestRetryMs: number | undefined;
  let last: Failure | undefined;
  const chain = deps.catalogue && FallbackChain.of(call, deps.catalogue, deps.fallbackAllowed);
  const aliasOf = summary.requestedModel;
  for (let attempt = 1; ; attempt++) {
    // Opted-in keys move down the model's chain when no account of the model can serve now.
    const model = chain ? chain.pick((m) => deps.scheduler.ready(m, exclude, call)) : call.request.model;
    const acquired = deps.scheduler.acquire({
      model,
      conversationKey: key,
      exclude,
      deadline: call.deadline,
      signal,
      call,
    });
    const lease = acquired instanceof Promise ? await acquired : acquired;
    if (!lease) throw finalError(last, soonestRetryMs);
    const { account } = lease;
    summary.account = { id: account.id, name: account.name };
    if (chain) {
      summary.model = model;
      summary.requestedModel = model === call.request.model ? aliasOf : (aliasOf ?? call.request.model);
    }
    summary.attempts = attempt;
    summary.stickyHit = lease.stickyHit;
    const remaining = call.deadline - Date.now();
    if (remaining <= 0) {
      lease.release({ kind: 'cancelled' });
      throw new TimeoutError('The request reached its deadline before an upstream answered.');
    }
    const firstByteLimit = stream ? deps.options.streamFirstByteTimeoutMs : deps.options.firstByteTimeoutMs;
    let failure: Failure;
    try {
      const response = await account.upstream.send({
        operation: call.operation,
        body: chain ? chain.bodyFor(model) : call.body,
        stream,
        model,
        anthropicVersion: call.anthropicVersion,
        anthropicBeta: call.anthropicBeta,
        requestId: call.requestId,
        firstByteTimeoutMs: Math.min(firstByteLimit, remaining),
        idleTimeoutMs: deps.options.idleTimeoutMs,
        signal,
      });
      const outcome = outcomeOfStatus(response.status, response.headers, Date.now());
      if (!canFailOver(outcome)) return { lease, response };
      await discard(response.body);
      failure = { outcome, status: response.status };
      deps.metrics.upstreamError(account.name, `http_${response.status}`);
    } catch (error) {
      if (signal.aborted) {
        lease.release({ kind: 'cancelled' });
        throw new ClientClosedError();
      }
      if (!(error instanceof UpstreamTransportError)) {
        // Redis away (a restart, a failover) says nothing about the account: cooling it down
        // would keep it out of service long after Redis is back.
        lease.release(
          error instanceof QueueUnavailableError
            ? { kind: 'cancelled' }
            : { kind: 'unavailable', reason: 'adapter failure' },
        );
        throw error;
      }
      failure = { outcome: outcomeOfTransport(error.failure), transport: error };
      deps.metrics.upstreamError(account.name, error.failure);
    }
    lease.release(failure.outcome);
    last = failure;
    if (failure.outcome.kind === 'rate_limited') {
      soonestRetryMs = Math.min(soonestRetryMs ?? Infinity, failure.outcome.cooldownMs);
    }
    if (attempt >= deps.options.maxAttempts) throw finalError(last, soonestRetryMs);
    exclude = new Set([...exclude, account.id]);
    deps.metrics.failovers.inc();
  }
}

async function discard(body: AsyncIterable<Buffer>): Promise<void> {
  try {
    for await (const _ of body);
  } catch {
    // The error body is not needed; the status already told us what happened.
  }
}

/** What the client hears when no attempt succeeded. Never the upstream's own auth error. */
function finalError(last: Failure | undefined, soonestRetryMs: number | undefined): SwitchyardError {
  const outcome = last?.outcome;
  if (outcome?.kind === 'rate_limited') {
    return new RateLimitError(
      'The upstream accounts for this model are rate limited.',
      Math.max(1, Math.ceil((soonestRetryMs ?? outcome.cooldownMs) / 1000)),
    );
  }
  if (outcome?.kind === 'auth_failed') {
    return new SwitchyardError(
      'api_error',
      'The upstream account rejected its credentials and was marked as needing re-authentication.',
      { status: 503 },
    );
  }
  if (last?.transport?.failure === 'first_byte_timeout') {
    return new TimeoutError('The upstream did not start answering in time.');
  }
  if (last?.status === 529) return new OverloadedError('The upstream is overloaded.');
  return new SwitchyardError('api_error', 'The upstream failed to answer.', { status: 502 });
}
