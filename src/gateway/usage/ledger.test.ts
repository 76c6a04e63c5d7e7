import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RowsRefusedError, type UsageRecord, type UsageRepository } from '../../store/types.js';
import { UsageLedger } from './ledger.js';

const row = (requestId: string): UsageRecord => ({
  requestId,
  apiKeyId: null,
  userId: null,
  accountId: null,
  model: 'm',
  requestedModel: null,
  stream: false,
  inputTokens: 1,
  outputTokens: 2,
  cacheCreationInputTokens: 0,
  cacheReadInputTokens: 0,
  status: 200,
  errorType: null,
  latencyMs: 1,
  ttftMs: 1,
  costUsd: 0,
  createdAt: new Date(),
});

/** An in-memory repository that can be told to fail, to show the ledger keeps rows until written. */
function repository() {
  const rows = new Map<string, UsageRecord>();
  let failures = 0;
  const repo: UsageRepository & {
    failNext(n: number): void;
    rows: Map<string, UsageRecord>;
    calls: number[];
  } = {
    rows,
    calls: [],
    failNext: (n) => (failures = n),
    async insertMany(batch) {
      repo.calls.push(batch.length);
      if (failures > 0) {
        failures -= 1;
        throw new Error('database away');
      }
      let inserted = 0;
      for (const r of batch) {
        if (rows.has(r.requestId)) continue;
        rows.set(r.requestId, r);
        inserted++;
      }
      return inserted;
    },
    list: async () => [...rows.values()],
    spendSince: async () => ({ usd: 0, tokens: 0 }),
    count: async () => rows.size,
  };
  return repo;
}

describe('UsageLedger', () => {
  const logger = pino({ level: 'silent' });

  it('drops only the rows the database refuses, found by halving, and writes the rest of their batch', async () => {
    const repo = repository();
    const insertMany = repo.insertMany.bind(repo);
    let statements = 0;
    repo.insertMany = async (batch) => {
      statements += 1;
      if (batch.some((r) => r.requestId.startsWith('bad'))) {
        throw new RowsRefusedError('refused', { cause: Object.assign(new Error('x'), { code: '22P02' }) });
      }
      return insertMany(batch);
    };
    const lines: string[] = [];
    const recording = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
    const ledger = new UsageLedger(repo, recording, { flushIntervalMs: 60_000, batchSize: 100 });
    const ids = Array.from({ length: 16 }, (_, i) => (i === 5 || i === 12 ? `bad${i}` : `ok${i}`));
    for (const id of ids) ledger.record(row(id));
    await ledger.flush();
    expect([...repo.rows.keys()].sort()).toEqual(ids.filter((id) => id.startsWith('ok')).sort());
    expect(ledger.stats).toMatchObject({ pending: 0, written: 14, dropped: 2, failures: 0 });
    // Halving: far fewer statements than one per row.
    expect(statements).toBeLessThan(16);
    expect(lines.map((line) => JSON.parse(line) as { requestId: string; code: string })).toEqual([
      expect.objectContaining({ requestId: 'bad5', code: '22P02' }),
      expect.objectContaining({ requestId: 'bad12', code: '22P02' }),
    ]);
    // A later batch goes through as usual.
    ledger.record(row('after'));
    await ledger.flush();
    expect(repo.rows.has('after')).toBe(true);
  });

  it('writes in batches of the configured size', async () => {
    const repo = repository();
    const ledger = new UsageLedger(repo, logger, { flushIntervalMs: 60_000, batchSize: 3 });
    for (let i = 0; i < 7; i++) ledger.record(row(`r${i}`));
    await ledger.flush();
    expect(repo.rows.size).toBe(7);
    expect(Math.max(...repo.calls)).toBeLessThanOrEqual(3);
    expect(ledger.stats).toMatchObject({ pending: 0, written: 7 });
  });

  it('keeps rows while the database is away and writes them once it is back', async () => {
    const repo = repository();
    const ledger = new UsageLedger(repo, logger, { flushIntervalMs: 60_000, batchSize: 100 });
    repo.failNext(2);
    ledger.record(row('a'));
    ledger.record(row('b'));
    await ledger.flush();
    expect(repo.rows.size).toBe(0);
    expect(ledger.stats.pending).toBe(2);
    await ledger.stop();
    expect([...repo.rows.keys()].sort()).toEqual(['a', 'b']);
    expect(ledger.stats.failures).toBe(2);
  });

  it('drops the oldest rows past its bound rather than growing without limit', async () => {
    const repo = repository();
    const ledger = new UsageLedger(repo, logger, {
      flushIntervalMs: 60_000,
      batchSize: 1_000,
      maxPending: 5,
    });
    repo.failNext(1);
    for (let i = 0; i < 8; i++) ledger.record(row(`r${i}`));
    expect(ledger.stats.dropped).toBe(3);
    await ledger.flush();
    await ledger.flush();
    expect([...repo.rows.keys()].sort()).toEqual(['r3', 'r4', 'r5', 'r6', 'r7']);
  });
});
