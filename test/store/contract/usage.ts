import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storableText } from '../../../src/store/bulk-copy.js';
import { usageRow, useStore, type OpenStore } from './harness.js';

/** Characters COPY escapes or PostgreSQL cannot store, often; any code point otherwise. */
const awkwardChar = fc.oneof(
  fc.constantFrom('\0', '\t', '\n', '\r', '\\', 'N', '\ud800', '\udc00', '\u{1F600}', '"', 'é'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

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

    // Fresh batches travel as COPY text, batches with a recorded request id as a JSON parameter:
    // both must carry every character a client can put in a model name.
    it('stores any text a client can send, on both write paths, NUL and lone surrogates as U+FFFD', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.string({ unit: awkwardChar, maxLength: 40 }), fc.string({ maxLength: 8 })), {
            minLength: 1,
            maxLength: 6,
          }),
          fc.boolean(),
          async (texts, withRecordedRow) => {
            const recorded = usageRow();
            if (withRecordedRow) await store().usage.insertMany([recorded]);
            const rows = texts.map(([model, errorType]) =>
              usageRow({ model, requestedModel: `${model}\\N`, errorType }),
            );
            const inserted = await store().usage.insertMany(withRecordedRow ? [recorded, ...rows] : rows);
            expect(inserted).toBe(rows.length);
            for (const row of rows) {
              const [read] = await store().usage.list({ requestId: row.requestId });
              expect(read?.model).toBe(storableText(row.model));
              expect(read?.requestedModel).toBe(storableText(row.requestedModel ?? ''));
              expect(read?.errorType).toBe(storableText(row.errorType ?? ''));
            }
          },
        ),
        { numRuns: 30 },
      );
    });

    it('writes a batch holding a row no database text can hold, and the rows beside it', async () => {
      const poisoned = usageRow({ model: 'a\0b\ud800', errorType: '\udc00\t\n\\' });
      const beside = usageRow();
      expect(await store().usage.insertMany([poisoned, beside])).toBe(2);
      const [read] = await store().usage.list({ requestId: poisoned.requestId });
      expect(read?.model).toBe('a\uFFFDb\uFFFD');
      expect(read?.errorType).toBe('\uFFFD\t\n\\');
      // The same row again, now through the insert that skips recorded ids.
      expect(await store().usage.insertMany([poisoned, usageRow({ model: '\0' })])).toBe(1);
    });

    it('stores counts and costs beyond the columns at their limits instead of failing the batch', async () => {
      // Usage counts are read as safe integers (up to 2^53): one answer claiming more than an
      // integer column holds must not stop every later row from being written.
      const huge = usageRow({
        inputTokens: 3_000_000_000,
        outputTokens: Number.MAX_SAFE_INTEGER,
        latencyMs: Number.POSITIVE_INFINITY,
        ttftMs: Number.NaN,
        costUsd: 1e12,
      });
      const beside = usageRow();
      expect(await store().usage.insertMany([huge, beside])).toBe(2);
      const [read] = await store().usage.list({ requestId: huge.requestId });
      expect(read).toMatchObject({
        inputTokens: 2_147_483_647,
        outputTokens: 2_147_483_647,
        latencyMs: 2_147_483_647,
        ttftMs: 0,
        costUsd: 99_999_999.999999,
      });
      // Through the insert that skips recorded ids (the batch holds one).
      const again = usageRow({ cacheReadInputTokens: 5e9, costUsd: -1e12 });
      expect(await store().usage.insertMany([beside, again])).toBe(1);
      expect((await store().usage.list({ requestId: again.requestId }))[0]).toMatchObject({
        cacheReadInputTokens: 2_147_483_647,
        costUsd: -99_999_999.999999,
      });
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
