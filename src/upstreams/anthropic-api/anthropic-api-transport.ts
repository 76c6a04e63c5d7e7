import { errors, type Dispatcher } from 'undici';
import { UpstreamTransportError } from '../errors.js';
import type { UpstreamHeaders } from '../types.js';
import type { CancelSignal } from '../../cancel-signal.js';

/** Maps undici's failures onto the gateway's transport failure kinds. */
export function toTransportError(error: unknown, signal?: CancelSignal): UpstreamTransportError {
  if (error instanceof UpstreamTransportError) return error;
  if (signal?.aborted || error instanceof errors.RequestAbortedError) {
    return new UpstreamTransportError('aborted', 'The request was aborted.', { cause: error });
  }
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.ConnectTimeoutError) {
    return new UpstreamTransportError('first_byte_timeout', 'The upstream did not answer in time.', {
      cause: error,
    });
  }
  if (error instanceof errors.BodyTimeoutError) {
    return new UpstreamTransportError('idle_timeout', 'The upstream stream stalled.', { cause: error });
  }
  if (error instanceof errors.SocketError) {
    return new UpstreamTransportError('reset', 'The upstream connection was reset.', { cause: error });
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') {
    return new UpstreamTransportError('reset', 'The upstream connection was reset.', { cause: error });
  }
  return new UpstreamTransportError('connect', 'Could not reach the upstream.', { cause: error });
}

const KEPT_HEADERS =
  /^(content-type|retry-after|retry-after-ms|request-id|x-should-retry|anthropic-ratelimit-.*)$/;

export function keepHeaders(raw: Dispatcher.ResponseData['headers']): UpstreamHeaders {
  const kept: UpstreamHeaders = {};
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined || !KEPT_HEADERS.test(name)) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}
