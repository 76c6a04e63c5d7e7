import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { usageRow, useStore, type OpenStore } from './harness.js';

export function usageContract(open: OpenStore): void {
  describe('usage', () => {
    const store = useStore(open);

    it('inserts nothing for an empty batch', async () => {
      expect(await store().usage.insertMany([])).toBe(0);
    });

    it('round-trips every field, including a fractional cost and dates', async () => {
      const row = usageRow({
        apiKeyId: randomUUID(),
        userId: randomUUID(),
        accountId: randomUUID(),
        requestedModel: 'opus',
        stream: true,
        cacheCreationInputTokens: 5,
        cacheReadInputTokens: 6,
        status: 499,
        errorType: 'client_closed',
        ttftMs: 321,
        costUsd: 0.012345,
        createdAt: new Date('2025-06-07T08:09:10.111Z'),
      });
      expect(await store().usage.insertMany([row])).toBe(1);
      const [read] = await store().usage.list({ requestId: row.requestId });
      expect(read).toEqual(row);
      expect(read?.costUsd).toBe(0.012345);
      expect(read?.createdAt).toBeInstanceOf(Date);
    });

    it('keeps one row per request id across overlapping batches', async () => {
      const before = await store().usage.count();
      const a = usageRow();
      const b = usageRow();
      const c = usageRow();
      const d = usageRow();
      expect(await store().usage.insertMany([a, b, c])).toBe(3);
      expect(await store().usage.insertMany([{ ...b, outputTokens: 999 }, c, d, d])).toBe(1);
      expect(await store().usage.count()).toBe(before + 4);
      for (const row of [a, b, c, d]) {
        expect(await store().usage.list({ requestId: row.requestId })).toHaveLength(1);
      }
      // The first record of a request wins.
      expect((await store().usage.list({ requestId: b.requestId }))[0]?.outputTokens).toBe(20);
    });

    it('inserts batches larger than one statement can carry', async () => {
      const apiKeyId = randomUUID();
      const rows = Array.from({ length: 2_345 }, () => usageRow({ apiKeyId, costUsd: 0.000001 }));
      expect(await store().usage.insertMany(rows)).toBe(2_345);
      expect(await store().usage.insertMany(rows)).toBe(0);
      expect(await store().usage.list({ apiKeyId, limit: 5_000 })).toHaveLength(2_345);
    });

    it('lists newest first, filtered by key, 100 rows by default', async () => {
      const apiKeyId = randomUUID();
      const base = Date.parse('2024-01-01T00:00:00.000Z');
      const rows = Array.from({ length: 120 }, (_, i) =>
        usageRow({ apiKeyId, createdAt: new Date(base + i * 1000) }),
      );
      await store().usage.insertMany(rows);
      await store().usage.insertMany([usageRow({ apiKeyId: randomUUID() })]);
      const listed = await store().usage.list({ apiKeyId });
      expect(listed).toHaveLength(100);
      expect(listed[0]?.requestId).toBe(rows[119]?.requestId);
      expect(listed[99]?.requestId).toBe(rows[20]?.requestId);
      expect(await store().usage.list({ apiKeyId, limit: 3 })).toHaveLength(3);
      expect(await store().usage.list({ apiKeyId: 'bad' })).toEqual([]);
      expect(await store().usage.list({ requestId: "' OR 1=1--" })).toEqual([]);
      expect(await store().usage.list()).toHaveLength(100);
    });
  });
}
