/**
 * The one error hierarchy. Every failure a client can see is a SwitchyardError with a stable
 * Anthropic error type and HTTP status; only the server's error handler turns them into responses.
 */

/** Every error type the Anthropic API defines; clients branch on these. */
export const ANTHROPIC_ERROR_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'timeout_error',
  'overloaded_error',
] as const;

export type AnthropicErrorType = (typeof ANTHROPIC_ERROR_TYPES)[number];

const STATUS_OF: Record<AnthropicErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export class SwitchyardError extends Error {
  readonly status: number;
  /** Seconds the client should wait before retrying, when we know. */
  readonly retryAfterSeconds: number | undefined;
  /** Extra response headers that explain the error (rate-limit state). */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    readonly type: AnthropicErrorType,
    message: string,
    options: {
      status?: number;
      retryAfterSeconds?: number;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status ?? STATUS_OF[type];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers;
  }
}

export class InvalidRequestError extends SwitchyardError {
  constructor(message: string) {
    super('invalid_request_error', message);
  }
}

/** The request clashes with what is going on right now (409), e.g. a second backup during one. */
export class ConflictError extends SwitchyardError {
  constructor(message: string) {
    super('invalid_request_error', message, { status: 409 });
  }
}

export class AuthenticationError extends SwitchyardError {
  constructor(
    message = 'Invalid API key. Pass a Switchyard key (sk-sy-…) in x-api-key or Authorization: Bearer.',
  ) {
    super('authentication_error', message);
  }
}

export class PermissionError extends SwitchyardError {
  constructor(message: string) {
    super('permission_error', message);
  }
}

export class NotFoundError extends SwitchyardError {
  constructor(message: string) {
    super('not_found_error', message);
  }
}

export class RequestTooLargeError extends SwitchyardError {
  constructor(message: string) {
    super('request_too_large', message);
  }
}

export class RateLimitError extends SwitchyardError {
  constructor(message: string, retryAfterSeconds?: number) {
    super('rate_limit_error', message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
  }
}

export class OverloadedError extends SwitchyardError {
  constructor(message: string, retryAfterSeconds?: number) {
    super('overloaded_error', message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
  }
}

export class TimeoutError extends SwitchyardError {
  constructor(message: string) {
    super('timeout_error', message);
  }
}

export class ApiError extends SwitchyardError {
  constructor(
    message = 'Internal error. The request id in this response helps the operator find it in the log.',
    cause?: unknown,
  ) {
    super('api_error', message, { cause });
  }
}

/**
 * An admin cancelled the request (the queue page; docs/admin-operations.md). 409, and clients are
 * told not to retry it as it is: somebody decided it should not run.
 */
export class RequestCancelledError extends SwitchyardError {
  constructor() {
    super('invalid_request_error', 'An administrator of this gateway cancelled the request.', {
      status: 409,
      headers: { 'x-should-retry': 'false' },
    });
  }
}

/** Whether a cancellation's reason is an admin's cancel (which still ends answers detached from their client). */
export function cancelledByAdmin(reason: unknown): reason is RequestCancelledError {
  return reason instanceof RequestCancelledError;
}

/** An Anthropic error type from an upstream body; unknown types map safely to api_error. */
export function knownErrorType(value: unknown): AnthropicErrorType {
  return typeof value === 'string' && value in STATUS_OF ? (value as AnthropicErrorType) : 'api_error';
}

export function errorTypeForStatus(status: number): AnthropicErrorType {
  const entry = Object.entries(STATUS_OF).find(([, s]) => s === status);
  if (entry) return entry[0] as AnthropicErrorType;
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id?: string;
}

export function anthropicErrorBody(
  type: AnthropicErrorType,
  message: string,
  requestId?: string,
): AnthropicErrorBody {
  const body: AnthropicErrorBody = { type: 'error', error: { type, message } };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}
