// `node bench/profile.mjs [pg|pglite|bare] [stream|non-stream] [seconds]`: Switchyard (or the bare
// proxy, for a baseline) under `node --cpu-prof` on core 1 (same layout as bench/run.mjs), loaded at
// 50 connections, then a summary of where CPU time went while under load. Needs `npm run build` first.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProfileSummary, summarizeProfile } from './lib/cpuprofile.mjs';
import { runLoad } from './lib/load.mjs';
import { cpuMeter, peakRssBytes, pidsNamed } from './lib/proc-stats.mjs';
import {
  freePort,
  killAllNow,
  pinSelf,
  spawnPinned,
  stopAll,
  stopProcess,
  waitForHttp,
} from './lib/procs.mjs';
import { createPgDatabase, dropAllDatabases, startSwitchyard } from './lib/switchyard.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// PROFILE_MAIN: another build's dist/main.js (A/B runs against a worktree of an earlier commit).
const MAIN = process.env.PROFILE_MAIN ?? join(ROOT, 'dist', 'main.js');
// PROFILE_WORK: another work dir, so two profiles can run at once without removing each other's.
const WORK = process.env.PROFILE_WORK ?? join(ROOT, '.bench', 'profile');
const [database = 'pg', mode = 'stream', secondsArg = '10'] = process.argv.slice(2);
const SECONDS = Number(secondsArg) > 0 ? Number(secondsArg) : 10;
const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function startBare(mockUrl, nodeArgs) {
  const port = await freePort();
  const proc = spawnPinned(
    1,
    process.execPath,
    [...nodeArgs, process.env.PROFILE_BARE_SCRIPT ?? join(ROOT, 'bench', 'bare-proxy.mjs')],
    {
      env: { ...process.env, PORT: String(port), TARGET: mockUrl },
      logFile: join(WORK, 'bare-proxy.log'),
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/`, { proc });
  return { pid: proc.pid, url, key: 'sk-ant-bench-upstream', stop: () => stopProcess(proc) };
}

async function main() {
  if (!['pg', 'pglite', 'bare'].includes(database) || !['stream', 'non-stream'].includes(mode)) {
    throw new Error('usage: node bench/profile.mjs [pg|pglite|bare] [stream|non-stream] [seconds]');
  }
  pinSelf(0);
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const mockPort = await freePort();
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  const mock = spawnPinned(
    0,
    process.execPath,
    [
      ...(process.env.PROFILE_MOCK_ARGS ?? '').split(' ').filter(Boolean),
      MAIN,
      'mock-upstream',
      '--port',
      String(mockPort),
      '--words',
      '20',
    ],
    {
      logFile: join(WORK, 'mock.log'),
    },
  );
  await waitForHttp(`${mockUrl}/`, { proc: mock });
  const db = database === 'pg' ? await createPgDatabase(PG_ADMIN_URL) : undefined;
  try {
    // PROFILE_CPU=0 runs without the profiler (for RSS and throughput); PROFILE_NODE_ARGS adds
    // Node flags to the proxy under test (e.g. "--max-semi-space-size=8").
    const cpuProfile = process.env.PROFILE_CPU !== '0';
    const extraArgs = (process.env.PROFILE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const profiling = [...(cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${WORK}`] : []), ...extraArgs];
    const sy =
      database === 'bare'
        ? await startBare(mockUrl, profiling)
        : await startSwitchyard({
            main: MAIN,
            dataDir: join(WORK, 'data'),
            databaseUrl: db?.url,
            upstreamUrl: mockUrl,
            cpu: 1,
            logFile: join(WORK, 'switchyard.log'),
            nodeArgs: profiling,
          });
    // PROFILE_ROUTE=chat loads the OpenAI Chat Completions route instead of Messages.
    const chat = process.env.PROFILE_ROUTE === 'chat';
    const load = {
      url: `${sy.url}${chat ? '/v1/chat/completions' : '/v1/messages'}`,
      headers: chat
        ? { 'content-type': 'application/json', authorization: `Bearer ${sy.key}` }
        : { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': sy.key },
      body: JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 256,
        ...(mode === 'stream' ? { stream: true } : {}),
        ...(mode === 'stream' && chat ? { stream_options: { include_usage: true } } : {}),
        messages: [
          { role: 'user', content: 'Compare optimistic and pessimistic locking in two short paragraphs.' },
        ],
      }),
      connections: 50,
    };
    await runLoad({ ...load, durationS: 3 });
    // PROFILE_STRACE=1 counts the proxy's system calls during the measured run (`strace -c -f`).
    const straceFile = join(WORK, 'strace.txt');
    const strace =
      process.env.PROFILE_STRACE === '1'
        ? spawn('strace', ['-c', '-f', '-o', straceFile, '-p', String(sy.pid)], { stdio: 'ignore' })
        : undefined;
    if (strace) await new Promise((resolve) => setTimeout(resolve, 500));
    const from = nowUs();
    const postgresPids = pidsNamed('postgres');
    const meter = cpuMeter([sy.pid, mock.pid, ...postgresPids]);
    const result = await runLoad({ ...load, durationS: SECONDS });
    const to = nowUs();
    const [cpu, mockCpu, ...postgresCpus] = meter();
    const postgresCpu = postgresCpus.reduce((a, b) => a + b, 0);
    if (strace) {
      strace.kill('SIGINT');
      await once(strace, 'exit');
      const lines = readFileSync(straceFile, 'utf8').split('\n');
      const requests = result.rps * SECONDS;
      console.log(`system calls during the run (${requests.toFixed(0)} requests; per request):`);
      for (const line of lines) {
        const cols = line.trim().split(/\s+/);
        const calls = Number(cols[3]);
        if (cols.length >= 5 && Number.isFinite(calls) && calls > 0) {
          console.log(`  ${cols.at(-1).padEnd(16)} ${(calls / requests).toFixed(2)}`);
        }
      }
    }
    console.log(
      `${database} ${mode} @50: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, ` +
        `p99 ${result.p99.toFixed(2)} ms, non-2xx ${result.non2xx}, errors ${result.errors}, proxy CPU ${cpu.toFixed(0)} % ` +
        `(${((cpu / 100 / result.rps) * 1e6).toFixed(0)} µs of CPU per request)`,
    );
    const perRequest = (percent) => ((percent / 100 / result.rps) * 1e6).toFixed(0);
    console.log(
      `peak RSS ${(peakRssBytes(sy.pid) / 2 ** 20).toFixed(1)} MB; mock ${mockCpu.toFixed(0)} % ` +
        `(${perRequest(mockCpu)} µs/request), PostgreSQL server ${postgresCpu.toFixed(0)} % (${perRequest(postgresCpu)} µs/request)`,
    );
    await sy.stop();
    if (!cpuProfile) return;
    const file = readdirSync(WORK).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile was written (did Switchyard exit cleanly?)');
    console.log(`${join(WORK, file)}\n`);
    console.log(
      formatProfileSummary(summarizeProfile(join(WORK, file), { fromUs: from, toUs: to, top: 30 })),
    );
  } finally {
    await db?.drop();
    await stopProcess(mock);
  }
}

process.on(
  'SIGINT',
  () =>
    void stopAll()
      .then(dropAllDatabases)
      .finally(() => process.exit(130)),
);
process.on('exit', killAllNow);
main().catch(async (error) => {
  console.error(error.stack ?? error);
  await stopAll();
  await dropAllDatabases();
  process.exitCode = 1;
});
