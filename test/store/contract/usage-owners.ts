import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newApiKey, newUser, usageRow, useStore, type OpenStore } from './harness.js';

/** What the usage gauges read: spend per key or per user since a time, biggest first. */
export function usageOwnersContract(open: OpenStore): void {
  describe('spend by owner', () => {
    const store = useStore(open);

    it('sums cost and tokens (not cache reads) per key and per user, with their names, biggest first', async () => {
      const alice = await store().users.insert(newUser({ username: `alice-${randomUUID().slice(0, 6)}` }));
      const bob = await store().users.insert(newUser({ username: `bob-${randomUUID().slice(0, 6)}` }));
      const laptop = await store().apiKeys.insert(newApiKey(alice.id, { name: 'laptop' }));
      const ci = await store().apiKeys.insert(newApiKey(alice.id, { name: 'ci' }));
      const bobs = await store().apiKeys.insert(newApiKey(bob.id, { name: 'bobs' }));
      const gone = randomUUID(); // a deleted key: its history stays, its name does not
      const since = new Date('2026-12-02T00:00:00Z');
      const at = new Date('2026-12-02T08:00:00Z');
      const row = (apiKeyId: string, userId: string, costUsd: number, createdAt = at) =>
        usageRow({
          apiKeyId,
          userId,
          costUsd,
          createdAt,
          inputTokens: 10,
          outputTokens: 20,
          cacheCreationInputTokens: 5,
          cacheReadInputTokens: 1000,
        });
      await store().usage.insertMany([
        row(laptop.id, alice.id, 1.5),
        row(laptop.id, alice.id, 0.5),
        row(ci.id, alice.id, 3),
        row(bobs.id, bob.id, 0.25),
        row(gone, bob.id, 0.125),
        // Before the window: not counted.
        row(bobs.id, bob.id, 100, new Date('2026-12-01T23:59:59Z')),
        // No key (a refused request has none): never an owner.
        usageRow({ apiKeyId: null, userId: null, costUsd: 9, createdAt: at }),
      ]);
      const reports = store().usageReports;

      expect(await reports.spendByOwner({ scope: 'key', since, limit: 10 })).toEqual([
        { id: ci.id, name: 'ci', usd: 3, tokens: 35 },
        { id: laptop.id, name: 'laptop', usd: 2, tokens: 70 },
        { id: bobs.id, name: 'bobs', usd: 0.25, tokens: 35 },
        { id: gone, name: null, usd: 0.125, tokens: 35 },
      ]);
      expect(await reports.spendByOwner({ scope: 'user', since, limit: 1 })).toEqual([
        { id: alice.id, name: alice.username, usd: 5, tokens: 105 },
      ]);
      // Only the owners asked for; ids that are not uuids match nothing.
      expect(
        await reports.spendByOwner({ scope: 'user', since, ids: [bob.id, "' or 1=1 --"], limit: 10 }),
      ).toEqual([{ id: bob.id, name: bob.username, usd: 0.375, tokens: 70 }]);
      expect(await reports.spendByOwner({ scope: 'key', since, ids: [], limit: 10 })).toEqual([]);
      expect(
        await reports.spendByOwner({ scope: 'key', since: new Date('2027-01-01T00:00:00Z'), limit: 10 }),
      ).toEqual([]);
    });
  });
}
