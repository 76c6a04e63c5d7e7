/**
 * Starts a real gateway in this process on a free port: real store (PGlite in memory, or a fresh
 * PostgreSQL database), real upstream adapters, real HTTP. Tests then talk to it over the network
 * with the official clients.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { NewAccountInput } from '../../src/services/admin-types.js';
import { openStore } from '../../src/store/index.js';
import { createTestDatabase } from './postgres.js';

export interface TestGateway {
  url: string;
  /** A valid client key (sk-sy-…). */
  key: string;
  runtime: Runtime;
  config: Config;
  /** Every log line written so far, as text. */
  logs: string[];
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Accounts to create instead of the mock demo account. */
  accounts?: NewAccountInput[];
  /** Extra environment, e.g. { QUEUE_MAX_WAIT_MS: '200' }. */
  env?: Record<string, string>;
  database?: 'pglite' | 'postgres';
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  let dropDatabase = async () => {};
  let databaseUrl: string | undefined;
  if (options.database === 'postgres') {
    const database = await createTestDatabase();
    databaseUrl = database.url;
    dropDatabase = database.drop;
  }
  const backupDir = mkdtempSync(path.join(tmpdir(), 'switchyard-test-backups-'));
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'info',
    SWITCHYARD_DATA_DIR: '/tmp/switchyard-test-unused',
    // Admin routes may take backups (POST /api/admin/backups): into a directory of this gateway's own.
    BACKUP_DIR: backupDir,
    USAGE_FLUSH_INTERVAL_MS: '50',
    // Test upstreams are mocks on loopback: allowed explicitly, as an operator would (the SSRF
    // check itself is tested in test/hardening/outbound-url.test.ts).
    OUTBOUND_ALLOW_PRIVATE: 'true',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  });
  const logs: string[] = [];
  const logger = createLogger({
    level: config.logLevel,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  const store = await openStore(
    config.database.kind === 'postgres' ? config.database : { kind: 'pglite', dir: 'memory://' },
  );
  const runtime = await createRuntime(config, store, randomBytes(32), logger);
  if (options.accounts) {
    for (const account of options.accounts) await runtime.accounts.add(account);
    for (const account of await runtime.accounts.list()) {
      if (!options.accounts.some((a) => a.name === account.name)) await runtime.accounts.remove(account.id);
    }
  }
  await runtime.app.listen({ port: 0, host: '127.0.0.1' });
  const address = runtime.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const { secret } = await runtime.apiKeys.create({ name: 'test' });
  return {
    url: `http://127.0.0.1:${address.port}`,
    key: secret,
    runtime,
    config,
    logs,
    async close() {
      await runtime.stop();
      await store.close();
      await dropDatabase();
      rmSync(backupDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the ledger has written what it holds. */
export async function flushUsage(gateway: TestGateway): Promise<void> {
  await gateway.runtime.ledger.flush();
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error('waitFor: timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
