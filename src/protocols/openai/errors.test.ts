import { describe, expect, it } from 'vitest';
import { openAiErrorOf } from './errors.js';

describe('openAiErrorOf', () => {
  /** Anthropic type and status → OpenAI status, type and code. */
  const CASES: Array<[string, number, number, string, string | null]> = [
    ['invalid_request_error', 400, 400, 'invalid_request_error', null],
    ['authentication_error', 401, 401, 'invalid_request_error', 'invalid_api_key'],
    ['billing_error', 402, 402, 'insufficient_quota', 'insufficient_quota'],
    ['permission_error', 403, 403, 'invalid_request_error', 'permission_denied'],
    ['not_found_error', 404, 404, 'invalid_request_error', 'not_found'],
    ['request_too_large', 413, 413, 'invalid_request_error', 'request_too_large'],
    ['rate_limit_error', 429, 429, 'rate_limit_error', 'rate_limit_exceeded'],
    ['api_error', 500, 500, 'server_error', null],
    ['api_error', 503, 503, 'server_error', null],
    ['timeout_error', 504, 504, 'server_error', 'timeout'],
    ['overloaded_error', 529, 503, 'server_error', 'overloaded'],
    ['a_type_added_later', 500, 500, 'server_error', null],
  ];

  it.each(CASES)('%s (%i) → %i %s', (anthropicType, status, openAiStatus, type, code) => {
    const mapped = openAiErrorOf(anthropicType, 'What went wrong.', status);
    expect(mapped).toStrictEqual({
      status: openAiStatus,
      body: { error: { message: 'What went wrong.', type, param: null, code } },
    });
  });

  it('names the field of a bad request in param', () => {
    expect(
      openAiErrorOf('invalid_request_error', 'messages.0.content: Invalid input', 400).body.error.param,
    ).toBe('messages.0.content');
    expect(openAiErrorOf('invalid_request_error', 'body: not JSON', 400).body.error.param).toBeNull();
    expect(openAiErrorOf('api_error', 'model: x', 500).body.error.param).toBeNull();
  });
});
