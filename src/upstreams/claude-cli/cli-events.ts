import { z } from 'zod';

/**
 * The lines a `claude -p --output-format stream-json --verbose --include-partial-messages`
 * process prints, parsed at the edge. Only the fields Switchyard acts on are checked; the rest
 * passes through (stream events are forwarded to clients as they are).
 */
const streamEvent = z.looseObject({
  type: z.literal('stream_event'),
  /** A raw Anthropic SSE event: message_start, content_block_*, message_delta, message_stop. */
  event: z.looseObject({ type: z.string() }),
});

const assistantEvent = z.looseObject({
  type: z.literal('assistant'),
  message: z.looseObject({ model: z.string().optional() }),
  request_id: z.string().optional(),
});

const resultEvent = z.looseObject({
  type: z.literal('result'),
  subtype: z.string(),
  is_error: z.boolean().optional(),
  api_error_status: z.number().int().nullish(),
  result: z.string().optional(),
});

const systemEvent = z.looseObject({
  type: z.literal('system'),
  subtype: z.string(),
  /** api_retry: the status that made the CLI retry. */
  error_status: z.number().int().nullish(),
  error: z.string().optional(),
});

const rateLimitEvent = z.looseObject({
  type: z.literal('rate_limit_event'),
  rate_limit_info: z.looseObject({
    status: z.string(),
    /** Unix seconds. */
    resetsAt: z.number().optional(),
    rateLimitType: z.string().optional(),
  }),
});

const controlResponse = z.looseObject({
  type: z.literal('control_response'),
  response: z.looseObject({ subtype: z.string(), request_id: z.string().optional() }),
});

const cliEventSchema = z.discriminatedUnion('type', [
  streamEvent,
  assistantEvent,
  resultEvent,
  systemEvent,
  rateLimitEvent,
  controlResponse,
]);

export type CliEvent = z.infer<typeof cliEventSchema>;
export type CliStreamEvent = z.infer<typeof streamEvent>;
export type CliResultEvent = z.infer<typeof resultEvent>;

const KNOWN = new Set([
  'stream_event',
  'assistant',
  'result',
  'system',
  'rate_limit_event',
  'control_response',
]);

/** One stdout line: a known event, `ignored` for other or malformed lines. */
export function parseCliLine(line: string): CliEvent | 'ignored' {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return 'ignored';
  }
  if (typeof json !== 'object' || json === null || !KNOWN.has((json as { type?: unknown }).type as string))
    return 'ignored';
  const parsed = cliEventSchema.safeParse(json);
  return parsed.success ? parsed.data : 'ignored';
}

/** A user turn on stdin. */
export function userLine(content: unknown): string {
  return JSON.stringify({ type: 'user', message: { role: 'user', content } }) + '\n';
}

export function controlLine(requestId: string, subtype: 'initialize' | 'interrupt'): string {
  return JSON.stringify({ type: 'control_request', request_id: requestId, request: { subtype } }) + '\n';
}
