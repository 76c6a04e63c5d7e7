import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

describe('loadConfig', () => {
  it('applies defaults: embedded database in ./data, port 3000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.database.kind).toBe('pglite');
    expect(config.dataDir.endsWith('/data')).toBe(true);
    expect(config.queue.maxWaitMs).toBe(30_000);
    expect(config.heapGrowingPercent).toBe(100);
  });

  it('uses PostgreSQL when DATABASE_URL is a postgres URL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@h:5432/db' });
  });

  it('batches the ledger by the database unless told: 2000 rows on PostgreSQL, 500 embedded', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db' }).usage.flushBatch).toBe(2000);
    expect(loadConfig({}).usage.flushBatch).toBe(500);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', USAGE_FLUSH_BATCH: '100' }).usage.flushBatch).toBe(
      100,
    );
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(3000);
  });

  it.each([
    ['PORT', '99999'],
    ['PORT', 'abc'],
    ['QUEUE_MAX_WAIT_MS', '-1'],
    ['DATABASE_URL', 'mysql://x'],
    ['SWITCHYARD_MASTER_KEY', 'short'],
    ['HEAP_GROWING_PERCENT', '500'],
  ])('names %s when it is %s', (variable, value) => {
    let caught: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(variable);
    expect((caught as Error).message).toContain(variable);
  });

  it('never echoes secret values in its error', () => {
    expect(() => loadConfig({ SWITCHYARD_MASTER_KEY: 'secret-but-wrong' })).toThrow(/value hidden/);
    expect(() => loadConfig({ SWITCHYARD_MASTER_KEY: 'secret-but-wrong' })).not.toThrow(/secret-but-wrong/);
  });

  it('accepts a 32-byte master key as hex or base64', () => {
    expect(loadConfig({ SWITCHYARD_MASTER_KEY: 'ab'.repeat(32) }).masterKey).toBe('ab'.repeat(32));
    const base64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ SWITCHYARD_MASTER_KEY: base64 }).masterKey).toBe(base64);
  });
});
