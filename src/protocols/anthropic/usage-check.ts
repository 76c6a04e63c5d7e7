/**
 * Plain checks for the three shapes the usage meter reads on every answer (`usage`,
 * `message_start`, `message_delta`), accepting exactly what their zod schemas in
 * messages-schema.ts accept (property-tested against them in usage-check.test.ts): zod's parse
 * allocates a copy and an issue list per call, and these run once or twice per relayed request.
 */
import type { WireUsage } from './messages-schema.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A usage count: absent, null, or a non-negative safe integer. */
const isCount = (value: unknown) =>
  value === undefined || value === null || (Number.isSafeInteger(value) && (value as number) >= 0);

/** The `usage` object as usageSchema reads it, or undefined when usageSchema rejects it. */
export function checkUsage(value: unknown): WireUsage | undefined {
  if (!isRecord(value)) return undefined;
  const usage = value as WireUsage;
  return isCount(usage.input_tokens) &&
    isCount(usage.output_tokens) &&
    isCount(usage.cache_creation_input_tokens) &&
    isCount(usage.cache_read_input_tokens)
    ? usage
    : undefined;
}

/** `message_start`'s model and usage, or undefined when messageStartEventSchema rejects the event. */
export function checkMessageStart(
  value: unknown,
): { model: string | undefined; usage: WireUsage } | undefined {
  if (!isRecord(value) || value.type !== 'message_start' || !isRecord(value.message)) return undefined;
  const { model, usage } = value.message;
  if (model !== undefined && typeof model !== 'string') return undefined;
  const checked = checkUsage(usage);
  return checked === undefined ? undefined : { model, usage: checked };
}

/**
 * `message_delta`'s usage: `{ usage }` with the usage or undefined when it has none, or undefined
 * when messageDeltaEventSchema rejects the event.
 */
export function checkMessageDelta(value: unknown): { usage: WireUsage | undefined } | undefined {
  if (!isRecord(value) || value.type !== 'message_delta') return undefined;
  if (value.usage === undefined) return { usage: undefined };
  const checked = checkUsage(value.usage);
  return checked === undefined ? undefined : { usage: checked };
}
