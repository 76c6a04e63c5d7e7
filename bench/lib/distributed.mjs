// Distributed mode (issue 4): native `switchyard gateway` and `switchyard worker` processes on a
// fresh PostgreSQL database and a fresh Redis key prefix, in front of the bench's mock upstream.
// Two accounts at the mock: `direct` (anthropic_api, called by the gateways) serves DIRECT_MODEL,
// `queued` (anthropic_api, `--served-by worker`) serves QUEUED_MODEL, so the model in the body picks
// the path. Measures the queue path's added latency at 1 connection, Redis commands per request
// (INFO commandstats delta, idle rate subtracted), and req/s of 2 gateways vs 1 at 50 connections.
//
//   core 0: mock + load generator (as in the core bench) + the worker + gateway B
//   core 1: gateway A
// Redis and PostgreSQL are not pinned. On two cores, gateway B competes with the mock and the
// load generator: "2 vs 1" shows what a second process buys here, not linear scaling.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { runLoad } from './load.mjs';
import { freePort, runCommand, spawnPinned, stopProcess, waitForHttp } from './procs.mjs';
import { benchKeyLimits, createPgDatabase, switchyardEnv } from './switchyard.mjs';

export const DIRECT_MODEL = 'claude-sonnet-4-6';
export const QUEUED_MODEL = 'claude-haiku-4-5';
const MODES = ['non-stream', 'stream'];

/** Sum of `calls` over INFO commandstats, and the EVALSHA share (scripts count their inner commands too). */
async function commandStats(redis) {
  const info = await redis.info('commandstats');
  let total = 0;
  let scripts = 0;
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    total += Number(match[2]);
    if (match[1] === 'evalsha' || match[1] === 'eval') scripts += Number(match[2]);
  }
  return { total, scripts };
}

/** Commands per request during `body`, minus the idle rate (heartbeats, polls) measured just before. */
async function perRequest(redis, body) {
  const idleStart = await commandStats(redis);
  const idleFrom = performance.now();
  await sleep(1_000);
  const idleEnd = await commandStats(redis);
  const idlePerMs = (idleEnd.total - idleStart.total - 1) / (performance.now() - idleFrom);
  const from = performance.now();
  const result = await body();
  const end = await commandStats(redis);
  const idle = Math.max(0, idlePerMs * (performance.now() - from));
  const requests = Math.max(1, result.ok + result.non2xx);
  result.redis = {
    perRequest: (end.total - idleEnd.total - 1 - idle) / requests,
    scriptsPerRequest: (end.scripts - idleEnd.scripts) / requests,
    idlePerSecond: idlePerMs * 1000,
  };
  return result;
}

async function deleteKeys(redis, prefix) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Runs the section; returns `{ ok, single, loaded, options }` for the report (distributed-report.mjs). */
export async function benchDistributed(options) {
  const { main, work, mockUrl, pgAdminUrl, redisUrl, log, body, headersFor } = options;
  const { durationS, singleS, warmupS, connections } = options;
  mkdirSync(work, { recursive: true });
  const prefix = `sybench${randomBytes(4).toString('hex')}`;
  const db = await createPgDatabase(pgAdminUrl);
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const procs = [];
  const masterKey = randomBytes(32).toString('hex');
  const envFor = (name, port) => ({
    ...switchyardEnv(join(work, `data-${name}`), port ?? 0, {
      SWITCHYARD_MASTER_KEY: masterKey,
      BENCH_UPSTREAM_KEY: 'sk-ant-bench-upstream',
      WORKER_HEARTBEAT_INTERVAL_MS: '1000',
    }),
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
  });
  const cli = (...args) => runCommand(process.execPath, [main, ...args], { env: envFor('cli') });
  const startGateway = async (name, cpu) => {
    const port = await freePort();
    const proc = spawnPinned(cpu, process.execPath, [main, 'gateway'], {
      env: envFor(name, port),
      logFile: join(work, `${name}.log`),
    });
    procs.push(proc);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health`, { proc, timeoutMs: 120_000 });
    return { url, pid: proc.pid };
  };
  try {
    await cli('migrate');
    for (const [name, model, servedBy] of [
      ['direct', DIRECT_MODEL, 'gateway'],
      ['queued', QUEUED_MODEL, 'worker'],
    ]) {
      await cli(
        ...[
          'accounts',
          'add',
          '--kind',
          'anthropic_api',
          '--name',
          name,
          '--api-key-env',
          'BENCH_UPSTREAM_KEY',
        ],
        ...['--base-url', mockUrl, '--max-concurrency', '1000', '--models', model, '--served-by', servedBy],
      );
    }
    const a = await startGateway('gateway-a', 1);
    const b = await startGateway('gateway-b', 0);
    const worker = spawnPinned(
      Number(process.env.BENCH_WORKER_CORE ?? 0),
      process.execPath,
      // BENCH_WORKER_NODE_ARGS: Node flags for the worker alone (e.g. "--cpu-prof --cpu-prof-dir=DIR").
      [
        ...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean),
        main,
        'worker',
        '--accounts',
        'queued',
      ],
      {
        env: envFor('worker'),
        logFile: join(work, 'worker.log'),
      },
    );
    procs.push(worker);
    const key = (
      await cli('keys', 'create', '--name', 'bench', ...benchKeyLimits(`${DIRECT_MODEL},${QUEUED_MODEL}`))
    ).trim();
    const headers = headersFor(key);
    const load = (url, model, stream, connectionsNow, seconds) =>
      runLoad({
        url: `${url}/v1/messages`,
        headers,
        body: body(stream, model),
        connections: connectionsNow,
        durationS: seconds,
      });
    // The queued account is a candidate once a gateway has seen the worker's heartbeat.
    const until = Date.now() + 60_000;
    for (;;) {
      const probe = await load(a.url, QUEUED_MODEL, false, 1, 1);
      if (probe.ok > 0 && probe.non2xx === 0) break;
      if (Date.now() > until || !worker.alive) throw new Error('the worker never served the queued account');
    }
    log(
      `distributed: gateways ${a.url} (core 1), ${b.url} (core 0), worker pid ${worker.pid}, prefix ${prefix}`,
    );

    const single = {};
    for (const mode of MODES) {
      const stream = mode === 'stream';
      single[mode] = {};
      for (const [path, model] of [
        ['direct', DIRECT_MODEL],
        ['queued', QUEUED_MODEL],
      ]) {
        await load(a.url, model, stream, 1, warmupS);
        const r = await perRequest(redis, () => load(a.url, model, stream, 1, singleS));
        single[mode][path] = r;
        log(
          `distributed ${path} ${mode} @1: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ` +
            `${r.redis.perRequest.toFixed(1)} Redis commands/request (${r.redis.scriptsPerRequest.toFixed(1)} scripts)`,
        );
      }
    }
    const loaded = {};
    for (const mode of MODES) {
      const stream = mode === 'stream';
      await load(a.url, DIRECT_MODEL, stream, connections, warmupS);
      const one = await perRequest(redis, () => load(a.url, DIRECT_MODEL, stream, connections, durationS));
      const half = Math.max(1, Math.floor(connections / 2));
      await Promise.all([a, b].map((g) => load(g.url, DIRECT_MODEL, stream, half, warmupS)));
      const pair = await Promise.all([a, b].map((g) => load(g.url, DIRECT_MODEL, stream, half, durationS)));
      const two = {
        rps: pair[0].rps + pair[1].rps,
        p50: Math.max(pair[0].p50, pair[1].p50),
        p99: Math.max(pair[0].p99, pair[1].p99),
        ok: pair[0].ok + pair[1].ok,
        non2xx: pair[0].non2xx + pair[1].non2xx,
        errors: pair[0].errors + pair[1].errors,
        timeouts: pair[0].timeouts + pair[1].timeouts,
        perGateway: pair.map((p) => p.rps),
      };
      loaded[mode] = { one, two };
      log(
        `distributed direct ${mode} @${connections}: 1 gateway ${one.rps.toFixed(0)} req/s ` +
          `(${one.redis.perRequest.toFixed(1)} Redis commands/request), 2 gateways ${two.rps.toFixed(0)} req/s ` +
          `(${two.perGateway.map((x) => x.toFixed(0)).join(' + ')})`,
      );
    }
    const resumable = process.env.RESUMABLE_STREAMS ?? 'queued';
    return { ok: true, single, loaded, options: { connections, durationS, singleS, resumable } };
  } finally {
    for (const proc of procs.reverse()) await stopProcess(proc, 15_000);
    await deleteKeys(redis, prefix).catch(() => undefined);
    redis.disconnect();
    await db.drop();
  }
}
