/**
 * Two gateways starting at the same instant on a brand-new PostgreSQL database (docker compose up)
 * both run the first-start bootstrap: exactly one admin and one demo account come out, one of
 * them prints the admin password, and neither fails.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase } from '../support/postgres.js';

describe('first start, twice at once', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  it('creates one admin and one account, and both gateways start', async () => {
    const database = await createTestDatabase();
    cleanup.push(database.drop);
    const config = loadConfig({
      DATABASE_URL: database.url,
      PORT: '0',
      SWITCHYARD_DATA_DIR: '/tmp/switchyard-test-unused',
    });
    const logger = createLogger({
      level: 'warn',
      destination: new Writable({ write: (_c, _e, done) => done() }),
    });
    const masterKey = randomBytes(32);
    const stores: Store[] = [];
    for (let i = 0; i < 2; i++) {
      const store = await openStore(config.database);
      stores.push(store);
      cleanup.push(() => store.close());
    }
    const runtimes: Runtime[] = await Promise.all(
      stores.map((store) => createRuntime(config, store, masterKey, logger)),
    );
    for (const runtime of runtimes) cleanup.push(() => runtime.stop());

    expect(await stores[0]!.users.count()).toBe(1);
    expect(await stores[0]!.accounts.count()).toBe(1);
    const passwords = runtimes.map((r) => r.firstStart.adminPassword).filter((p) => p !== undefined);
    expect(passwords).toHaveLength(1);
    const audit = await stores[0]!.audit.list({ action: 'user.create' });
    expect(audit).toHaveLength(1);
  });
});
