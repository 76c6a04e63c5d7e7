import type { z } from 'zod';
import { InvalidRequestError } from '../errors.js';

/** Parses admin input; the error names the first bad field. */
export function parseInput<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'body';
  throw new InvalidRequestError(`${field}: ${issue?.message ?? 'is invalid'}`);
}
