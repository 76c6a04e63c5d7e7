// Switchyard under test: a fresh data dir (and PostgreSQL database), one account, one key.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort, runCommand, spawnPinned, stopProcess, waitForHttp } from './procs.mjs';

const pendingDatabases = new Map();

/** Creates `switchyard_bench_<random>` on the server of `adminUrl`; returns its URL and a drop(). */
export async function createPgDatabase(adminUrl) {
  const name = `switchyard_bench_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    if (!pendingDatabases.delete(name)) return;
    const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  };
  pendingDatabases.set(name, drop);
  return { name, url: url.toString(), drop };
}

/** Drops every database this run created and has not dropped yet (errors, Ctrl-C). */
export async function dropAllDatabases() {
  for (const drop of [...pendingDatabases.values()]) {
    await drop().catch((error) => console.error(`!! could not drop a bench database: ${error.message}`));
  }
}

/**
 * The environment of a Switchyard under test: this process's, without anything that would pick a
 * database, an account or Redis for it, plus a fresh data dir, port and master key.
 */
export function switchyardEnv(dataDir, port, extra = {}) {
  const env = {
    ...process.env,
    SWITCHYARD_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    // BENCH_LOG_LEVEL: another level, to see what the access line costs (the bench itself uses info).
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    SWITCHYARD_MASTER_KEY: randomBytes(32).toString('hex'),
    // The mock upstream listens on loopback: allowed explicitly, as an operator would.
    OUTBOUND_ALLOW_PRIVATE: 'true',
    ...extra,
  };
  for (const name of ['DATABASE_URL', 'ANTHROPIC_API_KEY', 'REDIS_URL']) delete env[name];
  return env;
}

/**
 * The bench key's limits: every kind (set far above the load), so the benchmark measures the
 * request path with rate limits, concurrency leases and budgets all being checked and charged.
 * BENCH_KEY_LIMITS=0: a key without limits, to see what the checks cost. `models`: the models the
 * key may use.
 */
export function benchKeyLimits(models = 'claude-sonnet-4-6') {
  if (process.env.BENCH_KEY_LIMITS === '0') return [];
  if (process.env.BENCH_KEY_LIMITS) return process.env.BENCH_KEY_LIMITS.split(' ');
  return [
    ...['--models', models, '--rpm', '1000000', '--tpm', '1000000000'],
    ...['--max-concurrency', '10000', '--usd-per-day', '1000000', '--tokens-per-month', '1000000000000'],
  ];
}

/**
 * Prepares and starts `node dist/main.js start` on `cpu`. The account is added before the first
 * start (through the store directly), so the bootstrap does not add its mock demo account; the key
 * is created afterwards through the running server (the first start creates the owning user).
 */
export async function startSwitchyard({
  main,
  dataDir,
  databaseUrl,
  upstreamUrl,
  cpu,
  logFile,
  nodeArgs = [],
}) {
  const port = await freePort();
  const env = switchyardEnv(dataDir, port, { BENCH_UPSTREAM_KEY: 'sk-ant-bench-upstream' });
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const cli = (...args) => runCommand(process.execPath, [main, ...args], { env });

  await cli(
    ...['accounts', 'add', '--kind', 'anthropic_api', '--name', 'bench'],
    ...['--api-key-env', 'BENCH_UPSTREAM_KEY', '--base-url', upstreamUrl, '--max-concurrency', '1000'],
  );
  const proc = spawnPinned(cpu, process.execPath, [...nodeArgs, main, 'start'], { env, logFile });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health`, { proc, timeoutMs: 120_000 });
    while (!existsSync(join(dataDir, 'server.json'))) await sleep(50);
    const key = (await cli('keys', 'create', '--name', 'bench', ...benchKeyLimits())).trim();
    const accounts = JSON.parse(await cli('accounts', 'list', '--json'));
    if (accounts.length !== 1 || accounts[0].name !== 'bench') {
      throw new Error(`expected exactly the bench account, found: ${accounts.map((a) => a.name).join(', ')}`);
    }
    return { pid: proc.pid, url, key, proc, stop: () => stopProcess(proc, 30_000) };
  } catch (error) {
    await stopProcess(proc, 5_000);
    throw error;
  }
}
