import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { usageRow, useStore, type OpenStore } from './harness.js';

/** What budgets start from: a key's or a user's spend since a time. */
export function usageSpendContract(open: OpenStore): void {
  describe('usage spend', () => {
    const store = useStore(open);

    it("sums a key's and a user's cost and tokens (not cache reads) since a time", async () => {
      const apiKeyId = randomUUID();
      const userId = randomUUID();
      const since = new Date('2026-12-01T00:00:00Z');
      const row = (over: Parameters<typeof usageRow>[0]) => usageRow({ apiKeyId, userId, ...over });
      await store().usage.insertMany([
        row({
          inputTokens: 10,
          outputTokens: 5,
          cacheCreationInputTokens: 2,
          cacheReadInputTokens: 100,
          costUsd: 0.25,
          createdAt: new Date('2026-12-01T10:00:00Z'),
        }),
        row({ inputTokens: 1, outputTokens: 1, costUsd: 0.125, createdAt: new Date('2026-12-01T23:59:59Z') }),
        // Before the period: not counted.
        row({
          inputTokens: 1000,
          outputTokens: 1000,
          costUsd: 9,
          createdAt: new Date('2026-11-30T23:59:59Z'),
        }),
        // Same user, another key: counts for the user only.
        usageRow({
          apiKeyId: randomUUID(),
          userId,
          inputTokens: 3,
          outputTokens: 0,
          costUsd: 0.5,
          createdAt: new Date('2026-12-01T12:00:00Z'),
        }),
      ]);
      expect(await store().usage.spendSince({ apiKeyId }, since)).toEqual({ usd: 0.375, tokens: 19 });
      expect(await store().usage.spendSince({ userId }, since)).toEqual({ usd: 0.875, tokens: 22 });
      expect(await store().usage.spendSince({ apiKeyId: randomUUID() }, since)).toEqual({
        usd: 0,
        tokens: 0,
      });
      expect(await store().usage.spendSince({ userId: "' OR 1=1 --" }, since)).toEqual({ usd: 0, tokens: 0 });
    });
  });
}
