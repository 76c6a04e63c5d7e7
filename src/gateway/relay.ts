import { anthropicErrorBody, knownErrorType, type AnthropicErrorType } from '../errors.js';
import { upstreamErrorBodySchema } from '../protocols/anthropic/messages-schema.js';
import { encodeSseEvent } from '../protocols/anthropic/sse.js';
import { StreamUsageMeter, usageFromMessageBody } from '../protocols/anthropic/usage.js';
import { UpstreamTransportError } from '../upstreams/errors.js';
import type { UpstreamResponse } from '../upstreams/types.js';
import type { CallSummary, MessagesCall, ResponseSink } from './call.js';
import type { Outcome } from './scheduler/outcome.js';

/**
 * A streaming answer's headers, as a new literal each time: an object spread from a shared constant
 * and then given the rate-limit headers cost ~3 µs per response in addHeaders' keyed stores
 * (profiled), a literal ~0.1 µs.
 */
export function sseHeaders(requestId: string): Record<string, string> {
  return {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    'request-id': requestId,
  };
}

const PASSED_HEADERS = ['retry-after', 'x-should-retry'];
/** The model that served the request (after aliases and fallbacks); the body stays the upstream's. */
export const MODEL_HEADER = 'x-switchyard-model';
// Unknown names pass through from the client; one a header cannot carry is left out, not sent.
const HEADER_SAFE = /^[\x21-\x7e]{1,256}$/;

function withModelHeader(
  headers: Record<string, string>,
  model: string,
  call?: MessagesCall,
): Record<string, string> {
  if (HEADER_SAFE.test(model)) headers[MODEL_HEADER] = model;
  if (call?.responseHeaders !== undefined) addHeaders(headers, call.responseHeaders);
  return headers;
}

/** Copies the call's own headers (rate-limit state) into a response's. */
export function addHeaders(headers: Record<string, string>, extra: Readonly<Record<string, string>>): void {
  for (const name in extra) headers[name] = extra[name] as string;
}

/** Writes an error event into a stream that has already begun. */
export function writeStreamError(
  sink: ResponseSink,
  type: AnthropicErrorType,
  message: string,
  requestId: string,
) {
  sink.end(encodeSseEvent('error', anthropicErrorBody(type, message, requestId)));
}

/** Passes an upstream SSE stream through as it arrives, reading usage on the way. */
async function relayStream(
  response: UpstreamResponse,
  call: MessagesCall,
  sink: ResponseSink,
  summary: CallSummary,
): Promise<Outcome> {
  if (!sink.headersSent) {
    sink.start(200, withModelHeader(sseHeaders(call.requestId), summary.model, call));
  }
  const meter = sink.streamMeter?.() ?? new StreamUsageMeter();
  try {
    for await (const chunk of response.body) {
      if (meter.completed) continue; // nothing follows message_stop; drain so the connection is reused
      summary.ttftMs ??= performance.now() - call.startedAt;
      meter.push(chunk);
      // The chunk holding message_stop ends the response in the same write as the chunked-encoding
      // terminator: one syscall per stream fewer.
      if (meter.completed) {
        sink.end(chunk);
        continue;
      }
      const drained = sink.write(chunk);
      if (drained) await drained;
    }
    meter.end();
    if (!meter.completed && meter.errorType === undefined) {
      throw new UpstreamTransportError('reset', 'The upstream stream ended before message_stop.');
    }
    sink.end();
    summary.errorType = meter.errorType;
    return meter.errorType === undefined
      ? { kind: 'success' }
      : { kind: 'unavailable', reason: `stream error ${meter.errorType}` };
  } catch (error) {
    if (!(error instanceof UpstreamTransportError) || error.failure === 'aborted' || sink.closed) {
      return { kind: 'cancelled' };
    }
    const type: AnthropicErrorType = error.failure === 'idle_timeout' ? 'timeout_error' : 'api_error';
    summary.errorType = type;
    writeStreamError(sink, type, `${error.message} The answer is incomplete.`, call.requestId);
    return { kind: 'unavailable', reason: `mid-stream ${error.failure}` };
  } finally {
    summary.usage = meter.usage;
    if (meter.model) summary.model = meter.model;
  }
}

/** Reads a whole (JSON) answer, then sends it with the upstream's status. */
async function relayWhole(
  response: UpstreamResponse,
  call: MessagesCall,
  sink: ResponseSink,
  summary: CallSummary,
): Promise<Outcome> {
  const servedBy = summary.model;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of response.body) {
      summary.ttftMs ??= performance.now() - call.startedAt;
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof UpstreamTransportError && error.failure !== 'aborted' && !sink.closed) throw error;
    return { kind: 'cancelled' };
  }
  const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  summary.status = response.status;
  if (response.status === 200 && call.operation === 'messages') {
    const read = usageFromMessageBody(body);
    if (read) {
      summary.usage = read.usage;
      if (read.model) summary.model = read.model;
    }
  }
  if (response.status >= 400) summary.errorType = `upstream_${response.status}`;
  if (sink.headersSent) {
    // The client already has a 200 stream (pings while waiting): the error goes in as an event.
    const parsed = upstreamErrorBodySchema.safeParse(parseJsonOrUndefined(body));
    const error = parsed.success
      ? anthropicErrorBody(
          knownErrorType(parsed.data.error.type),
          parsed.data.error.message ?? 'Upstream error.',
          call.requestId,
        )
      : anthropicErrorBody('api_error', `The upstream answered HTTP ${response.status}.`, call.requestId);
    sink.end(encodeSseEvent('error', error));
    return response.status >= 400 ? { kind: 'client_error' } : { kind: 'success' };
  }
  const headers = withModelHeader(
    {
      'content-type': response.headers['content-type'] ?? 'application/json',
      'request-id': call.requestId,
    },
    servedBy,
    call,
  );
  for (const name of PASSED_HEADERS) {
    const value = response.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  sink.start(response.status, headers);
  sink.end(body);
  return response.status >= 400 ? { kind: 'client_error' } : { kind: 'success' };
}

export function relay(
  response: UpstreamResponse,
  call: MessagesCall,
  sink: ResponseSink,
  summary: CallSummary,
) {
  const isStream =
    call.request.stream === true &&
    response.status === 200 &&
    (response.headers['content-type'] ?? '').startsWith('text/event-stream');
  return isStream ? relayStream(response, call, sink, summary) : relayWhole(response, call, sink, summary);
}

function parseJsonOrUndefined(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
