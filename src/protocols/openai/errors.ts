/**
 * Errors in OpenAI's shape: `{"error":{"message","type","param","code"}}`. OpenAI clients pick
 * the error class from the HTTP status; `type` and `code` follow what OpenAI itself sends, so
 * code written against OpenAI (checking `code === 'invalid_api_key'`, say) keeps working.
 */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const SHAPES: Record<string, { type: string; code: string | null; status?: number }> = {
  invalid_request_error: { type: 'invalid_request_error', code: null },
  authentication_error: { type: 'invalid_request_error', code: 'invalid_api_key' },
  billing_error: { type: 'insufficient_quota', code: 'insufficient_quota' },
  permission_error: { type: 'invalid_request_error', code: 'permission_denied' },
  not_found_error: { type: 'invalid_request_error', code: 'not_found' },
  request_too_large: { type: 'invalid_request_error', code: 'request_too_large' },
  rate_limit_error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  api_error: { type: 'server_error', code: null },
  timeout_error: { type: 'server_error', code: 'timeout' },
  // OpenAI answers overload with 503; its clients retry it like any 5xx.
  overloaded_error: { type: 'server_error', code: 'overloaded', status: 503 },
};

/** Our messages for bad input start with the field at fault: `messages.0.content: …`. */
const FIELD_PREFIX = /^([A-Za-z_][\w.]*): /;

/**
 * The OpenAI form of an Anthropic error type. `status` is the status the Anthropic answer had;
 * only overload changes (529 → 503).
 */
export function openAiErrorOf(
  anthropicType: string,
  message: string,
  status?: number,
): { status: number | undefined; body: OpenAiErrorBody } {
  const shape = SHAPES[anthropicType] ?? { type: 'server_error', code: null };
  const field = anthropicType === 'invalid_request_error' ? FIELD_PREFIX.exec(message)?.[1] : undefined;
  return {
    status: shape.status ?? status,
    body: {
      error: {
        message,
        type: shape.type,
        param: field !== undefined && field !== 'body' ? field : null,
        code: shape.code,
      },
    },
  };
}
