/**
 * Makes the streaming answers of an upstream this process calls itself (`anthropic_api`, `mock`)
 * resumable, as answers relayed from workers are: the events are teed into a result stream
 * (result-tee.ts) under `<requestId>.d`, the request index records the owner, and the client's
 * events carry `id:` lines. Once the answer is a 200 event stream, the upstream call no longer
 * ends with the client's connection: it is read to its end (bounded by the request's deadline), so
 * the rest can be resumed and the usage recorded in full. Before that, a client that leaves
 * cancels the call as before; other answers (errors, JSON, count_tokens) pass through untouched.
 */
import { Cancellation } from '../cancel-signal.js';
import { cancelledByAdmin } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { ResultStream } from '../queue/result-stream.js';
import { UpstreamTransportError } from '../upstreams/errors.js';
import type {
  AccountKind,
  Upstream,
  UpstreamModel,
  UpstreamRequest,
  UpstreamRequestShape,
  UpstreamResponse,
  UpstreamTestResult,
} from '../upstreams/types.js';
import type { CallDirectory } from './call-directory.js';
import type { JobControl } from './job-control.js';
import { ResultTee } from './result-tee.js';
import type { ErrorPayload } from './result-wire.js';

export interface ResumableDeps {
  results: ResultStream;
  control: JobControl;
  /** Who owns each call and its deadline (the pipeline registers them). */
  calls: CallDirectory;
  /** The result streams' TTL: how long a finished answer can still be resumed. */
  resultTtlMs: number;
  logger: Logger;
}

/** The result stream of a directly served answer (queued attempts use `<requestId>.<n>`). */
export const directStreamId = (requestId: string): string => `${requestId}.d`;

const ABANDONED: ErrorPayload = { failure: 'aborted', message: 'The gateway stopped relaying this answer.' };

export class ResumableUpstream implements Upstream {
  readonly kind: AccountKind;
  readonly unsupported?: (request: UpstreamRequestShape) => string | undefined;

  constructor(
    private readonly inner: Upstream,
    private readonly deps: ResumableDeps,
  ) {
    this.kind = inner.kind;
    if (inner.unsupported) this.unsupported = (request) => inner.unsupported!(request);
  }

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const call = request.stream ? this.deps.calls.get(request.requestId) : undefined;
    if (!call || request.operation !== 'messages') return this.inner.send(request);
    const own = new Cancellation();
    let detached = false;
    let pastDeadline = false;
    let deadlineTimer: NodeJS.Timeout | undefined;
    const expire = () => {
      pastDeadline = true;
      own.abort(new Error('The request reached its deadline.'));
    };
    const onClientGone = () => {
      // An admin's cancel ends even a detached answer: nobody is to resume it.
      if (!detached || cancelledByAdmin(request.signal.reason)) return own.abort(request.signal.reason);
      // Nobody reads any more: finish the answer for a resume, but not past the client's deadline.
      deadlineTimer = setTimeout(expire, Math.max(0, call.deadline - Date.now()));
    };
    request.signal.addEventListener('abort', onClientGone, { once: true });
    if (request.signal.aborted) own.abort(request.signal.reason);
    const response = await this.inner.send({ ...request, signal: own });
    const contentType = response.headers['content-type'] ?? '';
    if (response.status !== 200 || !contentType.startsWith('text/event-stream')) return response;

    detached = true;
    const { control, results, logger, resultTtlMs } = this.deps;
    const streamId = directStreamId(request.requestId);
    let warned = false;
    const onError = (error: unknown) => {
      if (warned) return;
      warned = true;
      logger.warn({ err: error, requestId: request.requestId }, 'could not keep the answer for a resume');
    };
    const record = { apiKeyId: call.principal.apiKeyId, userId: call.principal.userId, streamId };
    control
      .recordRequest(request.requestId, record, resultTtlMs + Math.max(0, call.deadline - Date.now()))
      .catch(onError);
    const tee = new ResultTee(results, streamId, onError);
    tee.head(response.status, contentType);
    const done = () => {
      clearTimeout(deadlineTimer);
      request.signal.removeEventListener('abort', onClientGone);
    };
    return {
      status: response.status,
      headers: response.headers,
      body: teed(response.body, tee, done, () => pastDeadline),
    };
  }

  listModels(signal: AbortSignal): Promise<UpstreamModel[] | undefined> {
    return this.inner.listModels(signal);
  }

  test(signal: AbortSignal): Promise<UpstreamTestResult> {
    return this.inner.test(signal);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

async function* teed(
  body: AsyncIterable<Buffer>,
  tee: ResultTee,
  done: () => void,
  pastDeadline: () => boolean,
): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of body) {
      const out = tee.events(chunk);
      if (out) yield out;
    }
    const rest = tee.rest();
    if (rest) yield rest;
    tee.end();
  } catch (error) {
    tee.end(failureOf(error, pastDeadline()));
    throw error;
  } finally {
    // The relay stopped reading before the end: a resumer must not wait for entries that never come.
    tee.end(ABANDONED);
    done();
  }
}

function failureOf(error: unknown, pastDeadline: boolean): ErrorPayload {
  if (pastDeadline) return { failure: 'aborted', message: 'The request reached its deadline.' };
  if (error instanceof UpstreamTransportError) return { failure: error.failure, message: error.message };
  return { failure: 'reset', message: 'The upstream answer failed.' };
}
