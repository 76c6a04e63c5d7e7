import { z } from 'zod';

/**
 * Limits carried by an API key or a user. A user's limits are the ceiling of every key they own:
 * a key can be made stricter than its owner, never looser, and both apply at run time.
 * Every field is optional; an absent field means no limit at that level.
 */
export const keyLimitsSchema = z.strictObject({
  requestsPerMinute: z.int().min(1).max(1_000_000).optional(),
  tokensPerMinute: z.int().min(1).max(1_000_000_000).optional(),
  maxConcurrency: z.int().min(1).max(10_000).optional(),
  usdPerDay: z.number().positive().max(1_000_000).optional(),
  usdPerMonth: z.number().positive().max(10_000_000).optional(),
  tokensPerDay: z.int().min(1).max(1_000_000_000_000).optional(),
  tokensPerMonth: z.int().min(1).max(1_000_000_000_000).optional(),
});

export type KeyLimits = z.infer<typeof keyLimitsSchema>;

export const LIMIT_NAMES = Object.keys(keyLimitsSchema.shape) as Array<keyof KeyLimits>;
