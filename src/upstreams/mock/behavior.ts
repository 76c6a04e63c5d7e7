import { z } from 'zod';
import { ANTHROPIC_ERROR_TYPES, type AnthropicErrorType } from '../../errors.js';

/**
 * How the mock upstream answers. Server or account defaults (latency, pacing, length, the
 * expected key) apply to every request; a script entry or a `[[mock ...]]` directive in the
 * prompt overrides any field for one request.
 */
export interface Behavior {
  /** Delay before response headers. */
  latencyMs: number;
  /** Extra delay before the first content delta. */
  ttftMs: number;
  /** Output pacing; 0 sends everything at once. */
  tokensPerSecond: number;
  /** Answer length in words (one word per text delta and per output token). */
  words: number;
  /** When set, a request presenting another key gets 401 authentication_error. */
  expectedApiKey?: string;
  /** Answer with this error status instead of a message; 200 answers normally. */
  status?: number;
  /** `retry-after` header (seconds) on error answers. */
  retryAfterSeconds?: number;
  /** Send this many text deltas, then drop the connection. */
  disconnectAfter?: number;
  /** Send this many text deltas, then go silent with the connection open. */
  stallAfter?: number;
  /** Never send response headers. */
  hang?: boolean;
  /** Send this many text deltas, then an SSE `error` event of `errorType`, and end. */
  errorEventAfter?: number;
  errorType?: AnthropicErrorType;
  /** Answer with the user's own text. */
  echo?: boolean;
  /** Answer with this tool call (stop_reason tool_use) instead of text, as a model using tools would. */
  toolUse?: { name: string; input: Record<string, unknown> };
}

export type BehaviorOverrides = Omit<Behavior, 'expectedApiKey'>;

export const DEFAULT_BEHAVIOR: Readonly<Behavior> = Object.freeze({
  latencyMs: 0,
  ttftMs: 0,
  tokensPerSecond: 0,
  words: 20,
});

const MAX_MS = 3_600_000;
const MAX_COUNT = 1_000_000;

/** Directive values arrive as strings, script values as JSON numbers: accept both. */
const toNumber = (value: unknown): unknown =>
  typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
const toBoolean = (value: unknown): unknown => (value === 'true' ? true : value === 'false' ? false : value);

const count = (max: number) => z.preprocess(toNumber, z.number().int().min(0).max(max));
const rate = z.preprocess(toNumber, z.number().min(0).max(MAX_COUNT));
const flag = z.preprocess(toBoolean, z.boolean());
const status = z.preprocess(
  toNumber,
  z
    .number()
    .int()
    .refine((s) => s === 200 || (s >= 400 && s <= 599), 'must be 200 or an error status from 400 to 599'),
);

/** The per-request keys, as written in a directive or a script entry. */
const overridesSchema = z
  .strictObject({
    status,
    'retry-after': count(86_400),
    latency: count(MAX_MS),
    ttft: count(MAX_MS),
    tps: rate,
    words: count(MAX_COUNT),
    'disconnect-after': count(MAX_COUNT),
    'stall-after': count(MAX_COUNT),
    'error-event-after': count(MAX_COUNT),
    'error-type': z.enum(ANTHROPIC_ERROR_TYPES),
    hang: flag,
    echo: flag,
    // A tool name in a directive (`tool-use=Bash`), or `{name, input}` in a script entry.
    'tool-use': z.union([
      z
        .string()
        .min(1)
        .transform((name) => ({ name, input: {} })),
      z.strictObject({ name: z.string().min(1), input: z.record(z.string(), z.unknown()) }),
    ]),
  })
  .partial()
  .transform((v): Partial<BehaviorOverrides> =>
    dropUndefined({
      status: v.status,
      retryAfterSeconds: v['retry-after'],
      latencyMs: v.latency,
      ttftMs: v.ttft,
      tokensPerSecond: v.tps,
      words: v.words,
      disconnectAfter: v['disconnect-after'],
      stallAfter: v['stall-after'],
      errorEventAfter: v['error-event-after'],
      errorType: v['error-type'],
      hang: v.hang,
      echo: v.echo,
      toolUse: v['tool-use'],
    }),
  );

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

export type OverridesResult =
  { ok: true; overrides: Partial<BehaviorOverrides> } | { ok: false; message: string };

/** Parses directive fields (`{status: '429'}`) or a script entry (`{status: 429}`). */
export function parseOverrides(fields: unknown): OverridesResult {
  const parsed = overridesSchema.safeParse(fields);
  if (parsed.success) return { ok: true, overrides: parsed.data };
  return { ok: false, message: describeIssues(parsed.error) };
}

/** `path: message; ...`, so an error names the field at fault. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

const settingsFields = {
  latencyMs: count(MAX_MS),
  ttftMs: count(MAX_MS),
  tokensPerSecond: rate,
  words: count(MAX_COUNT),
};

/** Account settings, read leniently: a missing or bad field keeps its default. */
export function behaviorFromSettings(settings: Record<string, unknown>): Behavior {
  const behavior: Behavior = { ...DEFAULT_BEHAVIOR };
  for (const key of Object.keys(settingsFields) as (keyof typeof settingsFields)[]) {
    const parsed = settingsFields[key].safeParse(settings[key]);
    if (parsed.success) behavior[key] = parsed.data;
  }
  const key = settings['expectedApiKey'];
  if (typeof key === 'string' && key !== '') behavior.expectedApiKey = key;
  return behavior;
}
