import type { IncomingHttpHeaders } from 'node:http';

export type ClientDialect = 'anthropic' | 'openai';

/**
 * Which API a client speaks, from its headers, for routes both kinds of client call (GET
 * /v1/models). Anthropic clients always send `anthropic-version` (the SDK, Claude Code) or
 * `x-api-key`; OpenAI's SDK sends `user-agent: OpenAI/…` and a Bearer key. Anything else keeps the
 * Anthropic shape, which was the only one before.
 */
export function clientDialectOf(headers: IncomingHttpHeaders): ClientDialect {
  if (headers['anthropic-version'] !== undefined) return 'anthropic';
  const agent = headers['user-agent'];
  if (typeof agent === 'string' && /^openai\//i.test(agent)) return 'openai';
  if (headers['x-api-key'] !== undefined) return 'anthropic';
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer\s/i.test(authorization)) return 'openai';
  return 'anthropic';
}
