/**
 * The building blocks of the request fast paths (messages-request-check.ts, chat-request-check.ts):
 * plain checks on parsed JSON that are never looser than the zod schemas they stand in front of.
 */
export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Lengths in UTF-16 units: never more than the code points the schema counts, so never looser.
export const isText = (value: unknown, min = 0, max = Infinity): value is string =>
  typeof value === 'string' && value.length >= min && value.length <= max;

export function everyOf(value: unknown, check: (item: unknown) => boolean, min = 0, max = Infinity): boolean {
  if (!Array.isArray(value) || value.length < min || value.length > max) return false;
  for (const item of value) if (!check(item)) return false;
  return true;
}

/** Absent (an optional field), or present and passing `check`. */
export const absentOr = (value: unknown, check: (value: unknown) => boolean): boolean =>
  value === undefined || check(value);
