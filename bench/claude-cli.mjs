// claude_cli accounts: time to first token through a real gateway whose only account runs the
// Claude Code CLI against the mock upstream — warm pool vs a cold spawn per request vs the mock
// directly — plus memory per CLI process and how many concurrent conversations two cores sustain.
//
//   node bench/claude-cli.mjs          (after `npm run build`; `npm run bench` runs it at the end)
//
//   core 0:    mock upstream + this process (the client)
//   cores 0-1: the gateway and its `claude` children (they inherit its affinity)
//
// Env (counts): BENCH_CLI_DIRECT (200 mock-direct requests), BENCH_CLI_CONVERSATIONS (4) ×
// BENCH_CLI_TURNS (25 warm turns each), BENCH_CLI_SPARES (10 new conversations on a warm spare),
// BENCH_CLI_COLD (10 cold spawns), BENCH_CLI_LEVELS (1,2,4,8,16 concurrent conversations) ×
// BENCH_CLI_RAMP_TURNS (20 turns each), BENCH_CLI_P99_BOUND_MS (1000: "sustained" = p99 TTFT
// under this, no errors), BENCH_CLI_MOCK_TTFT (0 ms: the mock's --ttft), BENCH_CLI_QUIET_WAIT_MS
// (5000: how long a phase waits for other processes to go quiet).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliMetrics, startCliGateway, streamTurn, waitForMetrics } from './lib/claude-cli-gateway.mjs';
import { claudePids, memoryOf, phaseMeter, waitForQuietTree } from './lib/proc-tree.mjs';
import {
  freePort,
  killAllNow,
  pinSelf,
  runCommand,
  spawnPinned,
  stopAll,
  stopProcess,
  waitForHttp,
} from './lib/procs.mjs';
import { cpuMeter } from './lib/proc-stats.mjs';
import { summarize } from './lib/stats.mjs';
import { request } from 'undici';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODEL = 'claude-haiku-4-5-20251001';
const WORDS = 20;
const CLIENT_CPU = 0;
const GATEWAY_CPUS = '0,1';
const NOISY_PERCENT = 15;

const positive = (value, fallback) => (Number(value) > 0 ? Number(value) : fallback);
const nonNegative = (value, fallback) =>
  value !== undefined && value !== '' && Number(value) >= 0 ? Number(value) : fallback;

export function cliBenchOptions(env = process.env) {
  const levels = (env.BENCH_CLI_LEVELS ?? '1,2,4,8,16')
    .split(',')
    .map(Number)
    .filter((k) => Number.isInteger(k) && k > 0);
  return {
    direct: positive(env.BENCH_CLI_DIRECT, 200),
    conversations: positive(env.BENCH_CLI_CONVERSATIONS, 4),
    turns: positive(env.BENCH_CLI_TURNS, 25),
    spares: positive(env.BENCH_CLI_SPARES, 10),
    cold: positive(env.BENCH_CLI_COLD, 10),
    levels: levels.length ? levels : [1, 2, 4, 8, 16],
    rampTurns: positive(env.BENCH_CLI_RAMP_TURNS, 20),
    p99BoundMs: positive(env.BENCH_CLI_P99_BOUND_MS, 1000),
    mockTtftMs: nonNegative(env.BENCH_CLI_MOCK_TTFT, 0),
    quietWaitMs: nonNegative(env.BENCH_CLI_QUIET_WAIT_MS, 5_000),
  };
}

const headersFor = (key) => ({
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'x-api-key': key,
});
const bodyOf = (system, messages) =>
  JSON.stringify({ model: MODEL, max_tokens: 256, stream: true, system, messages });

/** A conversation as a client keeps it: the history it sent plus the answers it got. */
class Conversation {
  constructor(system, label) {
    this.system = system;
    this.label = label;
    this.messages = [];
  }

  /** The next request: the history so far plus one new user message. */
  next() {
    const turn = this.messages.filter((m) => m.role === 'user').length;
    this.messages.push({
      role: 'user',
      content: `${this.label}, turn ${turn}: one more short answer, please.`,
    });
    return bodyOf(this.system, this.messages);
  }

  answered(result) {
    if (result.ok)
      this.messages.push({ role: 'assistant', content: [{ type: 'text', text: result.answer }] });
    else this.messages = []; // the history is unknown now: start over
  }
}

/** TTFT samples of one phase, failures kept with their reason. */
class Samples {
  constructor() {
    this.ttft = [];
    this.firstByte = [];
    this.failures = [];
  }

  add(result) {
    if (result.ok) {
      this.ttft.push(result.ttftMs);
      this.firstByte.push(result.firstByteMs);
    } else {
      this.failures.push(`${result.status ?? 'no status'}: ${result.problem ?? ''}`.slice(0, 200));
    }
  }

  summary(extra = {}) {
    const ttft = summarize(this.ttft);
    return {
      count: this.ttft.length,
      p50: ttft.p50,
      p90: ttft.p90,
      p99: ttft.p99,
      max: ttft.max,
      min: Math.min(...this.ttft),
      firstByteP50: summarize(this.firstByte).p50,
      errors: this.failures.length,
      failures: this.failures.slice(0, 5),
      ...extra,
    };
  }
}

/** /v1/messages requests the mock has received so far. */
async function mockRequests(mockUrl) {
  const { body } = await request(`${mockUrl}/_mock/stats`);
  return (await body.json()).requests;
}

const delta = (after, before, name) => (after[name] ?? 0) - (before[name] ?? 0);
const mb = (bytes) => bytes / 1024 / 1024;
const median = (values) => summarize(values).p50;

/**
 * Runs every claude_cli phase and returns { ok: true, ... } (see report.mjs `claudeCliSection`).
 * `work` is a directory for data dirs and logs; `log` prints a progress line.
 */
export async function benchClaudeCli({ main, work, log, options = cliBenchOptions() }) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const started = Date.now();
  const claudeVersion = await runCommand(join(ROOT, 'node_modules', '.bin', 'claude'), ['--version'], {
    timeoutMs: 30_000,
  })
    .then((out) => out.trim())
    .catch(() => 'unknown');

  const mockPort = await freePort();
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  const mock = spawnPinned(
    CLIENT_CPU,
    process.execPath,
    [
      main,
      'mock-upstream',
      '--port',
      String(mockPort),
      '--words',
      String(WORDS),
      '--ttft',
      String(options.mockTtftMs),
    ],
    { logFile: join(work, 'mock.log') },
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const result = { ok: true, options, claudeVersion, phases: {} };
  try {
    await waitForHttp(`${mockUrl}/`, { proc: mock });
    log(
      `claude_cli: mock upstream pid ${mock.pid} on ${mockUrl} (--ttft ${options.mockTtftMs}); ${claudeVersion}`,
    );

    // A phase: wait until the machine is quiet, then record CPU of our processes and everyone else.
    // The gateway's tree (it and its `claude` children), the gateway alone, the mock, this process.
    const phase = async (gateway, name, body) => {
      const tree = gateway?.pid ?? mock.pid;
      const pids = gateway ? [mock.pid, process.pid] : [process.pid];
      const quiet = await waitForQuietTree(tree, pids, { maxWaitMs: options.quietWaitMs });
      if (!quiet.quiet)
        log(
          `!! ${name}: machine still busy after ${quiet.waitedMs} ms (others ${quiet.other.toFixed(0)} % of a core)`,
        );
      const requestsBefore = await mockRequests(mockUrl);
      const meter = phaseMeter(tree, pids);
      const own = gateway ? cpuMeter([gateway.pid]) : () => [0];
      const out = await body();
      const cpu = meter();
      const [gatewayOwn] = own();
      out.cpu = {
        gateway: gateway ? cpu.tree : 0,
        gatewayOwn,
        cli: gateway ? cpu.tree - gatewayOwn : 0,
        mock: gateway ? cpu.each[0] : cpu.tree,
        client: cpu.each.at(-1),
        cores: cpu.cores,
        other: cpu.other,
        wallS: cpu.wallS,
      };
      out.mockRequests = (await mockRequests(mockUrl)) - requestsBefore;
      return out;
    };

    // 1. The mock directly: the upstream's own time to first token.
    const direct = await phase(undefined, 'direct', async () => {
      const samples = new Samples();
      const headers = headersFor('sk-ant-bench-direct');
      for (let i = 0; i < 20 + options.direct; i++) {
        const conversation = new Conversation('You are a terse assistant.', `direct ${i}`);
        const turn = await streamTurn({ agent, url: mockUrl, headers, body: conversation.next() });
        if (i >= 20) samples.add(turn);
      }
      return samples.summary();
    });
    result.phases.direct = direct;
    log(`claude_cli mock direct: TTFT p50 ${direct.p50.toFixed(2)} ms, p99 ${direct.p99.toFixed(2)} ms`);

    // 2, 3, 5, 6: a gateway with the default pool settings (one warm spare per configuration in use).
    const warmGateway = await startCliGateway({
      main,
      dataDir: join(work, 'data-warm'),
      upstreamUrl: mockUrl,
      cpus: GATEWAY_CPUS,
      logFile: join(work, 'switchyard-warm.log'),
    });
    log(`claude_cli gateway (default pool) pid ${warmGateway.pid} on ${warmGateway.url}`);
    try {
      await warmPhases(warmGateway, { agent, options, phase, log, result });
    } finally {
      result.gatewayPeakRss = memoryOf(warmGateway.pid).hwm;
      await warmGateway.stop();
    }

    // 4. Cold: no spares, a distinct system prompt per request, so every request spawns a process.
    const coldGateway = await startCliGateway({
      main,
      dataDir: join(work, 'data-cold'),
      upstreamUrl: mockUrl,
      cpus: GATEWAY_CPUS,
      logFile: join(work, 'switchyard-cold.log'),
      env: { CLAUDE_CLI_WARM_SPARES: '0' },
    });
    log(`claude_cli gateway (CLAUDE_CLI_WARM_SPARES=0) pid ${coldGateway.pid} on ${coldGateway.url}`);
    try {
      const headers = headersFor(coldGateway.key);
      const before = await cliMetrics(coldGateway.url);
      // Per request, TTFT minus its process's spawn→ready time: the first turn of a fresh process
      // with no other spawn running meanwhile (compare the warm spare's first turn).
      const afterReady = [];
      const cold = await phase(coldGateway, 'cold', async () => {
        const samples = new Samples();
        let readySum = before['switchyard_claude_cli_spawn_ready_seconds_sum'] ?? 0;
        for (let i = 0; i < options.cold; i++) {
          const conversation = new Conversation(
            `You are terse. Cold request ${i} of run ${started}.`,
            `cold ${i}`,
          );
          const turn = await streamTurn({ agent, url: coldGateway.url, headers, body: conversation.next() });
          samples.add(turn);
          const now =
            (await cliMetrics(coldGateway.url))['switchyard_claude_cli_spawn_ready_seconds_sum'] ?? 0;
          if (turn.ok) afterReady.push(turn.ttftMs - (now - readySum) * 1000);
          readySum = now;
          await sleep(250);
        }
        return samples;
      });
      const after = await cliMetrics(coldGateway.url);
      const readyCount = delta(after, before, 'switchyard_claude_cli_spawn_ready_seconds_count');
      const readySum = delta(after, before, 'switchyard_claude_cli_spawn_ready_seconds_sum');
      result.phases.cold = {
        ...cold.summary({ cpu: cold.cpu, mockRequests: cold.mockRequests }),
        spawns: delta(after, before, 'switchyard_claude_cli_spawns_total{reason="cold"}'),
        spawnReadyMeanMs: readyCount > 0 ? (readySum / readyCount) * 1000 : NaN,
        firstTurnAfterReadyP50: median(afterReady),
      };
      const c = result.phases.cold;
      log(
        `claude_cli cold spawn: TTFT p50 ${c.p50.toFixed(0)} ms, p99 ${c.p99.toFixed(0)} ms ` +
          `(${c.spawns} cold spawns; spawn→ready mean ${c.spawnReadyMeanMs.toFixed(0)} ms)`,
      );
    } finally {
      await coldGateway.stop();
    }
  } finally {
    agent.destroy();
    await stopProcess(mock);
  }
  result.addedP50 = result.phases.warm.p50 - result.phases.direct.p50;
  result.addedP99 = result.phases.warm.p99 - result.phases.direct.p99;
  result.totalS = (Date.now() - started) / 1000;
  log(
    `claude_cli warm-pool added TTFT p50 ${result.addedP50.toFixed(2)} ms (target ≤ 50 ms); ` +
      `section took ${result.totalS.toFixed(0)} s`,
  );
  return result;
}

/** Warm conversation turns, warm spares, memory per process, and the concurrency ramp. */
async function warmPhases(gateway, { agent, options, phase, log, result }) {
  const headers = headersFor(gateway.key);
  const send = (body) => streamTurn({ agent, url: gateway.url, headers, body });
  const warmSystem = 'You are a terse assistant for the Switchyard benchmark.';

  // 2. Conversation turns: each request = the previous history + one new user message, so the pool
  // hands it the process that holds that conversation. Round robin over several conversations, one
  // request at a time (a process has finished its previous turn by the time its next one comes).
  const conversations = Array.from(
    { length: options.conversations },
    (_, i) => new Conversation(warmSystem, `conversation ${i}`),
  );
  const opening = new Samples();
  for (const conversation of conversations) {
    const turn = await send(conversation.next());
    opening.add(turn);
    conversation.answered(turn);
  }
  await waitForMetrics(
    gateway.url,
    (m) => (m['switchyard_claude_cli_processes{state="starting"}'] ?? 0) === 0,
  );
  const before = await cliMetrics(gateway.url);
  const warm = await phase(gateway, 'warm', async () => {
    const samples = new Samples();
    for (let t = 0; t < options.turns; t++) {
      for (const conversation of conversations) {
        const turn = await send(conversation.next());
        samples.add(turn);
        conversation.answered(turn);
      }
    }
    return samples;
  });
  const after = await cliMetrics(gateway.url);
  result.phases.warm = {
    ...warm.summary({ cpu: warm.cpu, mockRequests: warm.mockRequests }),
    conversations: options.conversations,
    reused: delta(after, before, 'switchyard_claude_cli_reuses_total{kind="conversation"}'),
    spawned:
      delta(after, before, 'switchyard_claude_cli_spawns_total{reason="cold"}') +
      delta(after, before, 'switchyard_claude_cli_spawns_total{reason="resume"}'),
    openingP50: opening.summary().p50,
  };
  const w = result.phases.warm;
  log(
    `claude_cli warm conversation turn: TTFT p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms ` +
      `(${w.reused} of ${w.count + w.errors} turns on their live process)`,
  );

  // 3. Warm spares: new conversations with the same system prompt. Before each, wait until the
  // replacement spare is ready (a spare still starting would be a partial cold spawn). The second
  // turn of each shows whether the cost is the process's first turn or the spare itself.
  const spareBefore = await cliMetrics(gateway.url);
  const secondTurns = new Samples();
  const spare = await phase(gateway, 'spare', async () => {
    const samples = new Samples();
    for (let i = 0; i < options.spares; i++) {
      await waitForMetrics(
        gateway.url,
        (m) => (m['switchyard_claude_cli_processes{state="spare"}'] ?? 0) >= 1,
      );
      await sleep(200);
      const conversation = new Conversation(warmSystem, `new conversation ${i}`);
      const first = await send(conversation.next());
      samples.add(first);
      conversation.answered(first);
      if (!first.ok) continue;
      await sleep(100);
      secondTurns.add(await send(conversation.next()));
    }
    return samples;
  });
  const spareAfter = await cliMetrics(gateway.url);
  result.phases.spare = {
    ...spare.summary({ cpu: spare.cpu, mockRequests: spare.mockRequests }),
    reused: delta(spareAfter, spareBefore, 'switchyard_claude_cli_reuses_total{kind="spare"}'),
  };
  result.phases.spareSecond = secondTurns.summary();
  const s = result.phases.spare;
  log(
    `claude_cli warm spare (first turn of a new conversation): TTFT p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms ` +
      `(${s.reused} of ${s.count + s.errors} on a spare); its second turn p50 ${result.phases.spareSecond.p50.toFixed(1)} ms`,
  );

  // 5. Memory of the warm processes (each has served at least one turn, the spare none).
  const memory = claudePids(gateway.pid).map((pid) => memoryOf(pid));
  result.memory = summarizeMemory(memory);
  log(
    `claude_cli memory: ${result.memory.processes} processes, peak RSS (VmHWM) per process median ` +
      `${mb(result.memory.hwmMedian).toFixed(0)} MB, max ${mb(result.memory.hwmMax).toFixed(0)} MB; ` +
      `RSS now median ${mb(result.memory.rssMedian).toFixed(0)} MB`,
  );

  // 6. Concurrency: K conversations at once, each doing back-to-back continuation turns.
  result.ramp = [];
  const rampSystem = 'You are a terse assistant for the Switchyard concurrency ramp.';
  for (const k of options.levels) {
    const level = Array.from({ length: k }, (_, i) => new Conversation(rampSystem, `ramp ${k}.${i}`));
    // Opening turns (spawns or spares; not measured), then let evicted processes finish stopping.
    const openings = await Promise.all(
      level.map((c) => send(c.next()).then((turn) => (c.answered(turn), turn))),
    );
    const openFailures = openings.filter((t) => !t.ok).length;
    await waitForMetrics(
      gateway.url,
      (m) =>
        (m['switchyard_claude_cli_processes{state="starting"}'] ?? 0) === 0 &&
        (m['switchyard_claude_cli_processes{state="stopping"}'] ?? 0) === 0,
      20_000,
    );
    const rampBefore = await cliMetrics(gateway.url);
    const run = await phase(gateway, `ramp-${k}`, async () => {
      const samples = new Samples();
      await Promise.all(
        level.map(async (conversation) => {
          for (let t = 0; t < options.rampTurns; t++) {
            const turn = await send(conversation.next());
            samples.add(turn);
            conversation.answered(turn);
          }
        }),
      );
      return samples;
    });
    const rampAfter = await cliMetrics(gateway.url);
    const rss = claudePids(gateway.pid).map((pid) => memoryOf(pid).rss ?? 0);
    const summary = run.summary({ cpu: run.cpu, mockRequests: run.mockRequests });
    const turns = summary.count;
    const row = {
      k,
      ...summary,
      turnsPerS: turns / run.cpu.wallS,
      cpuMsPerTurn: turns > 0 ? (run.cpu.gateway * run.cpu.wallS * 10) / turns : NaN,
      gatewayMsPerTurn: turns > 0 ? (run.cpu.gatewayOwn * run.cpu.wallS * 10) / turns : NaN,
      openFailures,
      spawned:
        delta(rampAfter, rampBefore, 'switchyard_claude_cli_spawns_total{reason="cold"}') +
        delta(rampAfter, rampBefore, 'switchyard_claude_cli_spawns_total{reason="resume"}'),
      cliRssSum: rss.reduce((a, b) => a + b, 0),
      cliProcesses: rss.length,
    };
    row.sustained = row.errors === 0 && row.openFailures === 0 && row.p99 < options.p99BoundMs;
    result.ramp.push(row);
    log(
      `claude_cli ${k} concurrent conversation(s): ${row.turnsPerS.toFixed(1)} turns/s, TTFT p50 ${row.p50.toFixed(1)} ms, ` +
        `p99 ${row.p99.toFixed(1)} ms, CPU ${row.cpu.gateway.toFixed(0)} % (${row.cpuMsPerTurn.toFixed(1)} ms/turn)` +
        (row.errors + row.openFailures ? `  !! ${row.errors + row.openFailures} failed turns` : '') +
        (row.cpu.other > NOISY_PERCENT ? `  (!! others used ${row.cpu.other.toFixed(0)} % of a core)` : ''),
    );
  }
  const sustained = result.ramp.filter((r) => r.sustained).map((r) => r.k);
  // The largest K such that it and every smaller level tested were sustained.
  let largest = 0;
  for (const row of result.ramp) {
    if (!row.sustained) break;
    largest = row.k;
  }
  result.sustainedK = largest;
  result.sustainedAll = sustained;
  result.memoryAfterRamp = summarizeMemory(claudePids(gateway.pid).map((pid) => memoryOf(pid)));
}

function summarizeMemory(memory) {
  const hwm = memory.map((m) => m.hwm).filter((v) => v !== undefined);
  const rss = memory.map((m) => m.rss).filter((v) => v !== undefined);
  return {
    processes: hwm.length,
    hwmMedian: median(hwm),
    hwmMax: hwm.length ? Math.max(...hwm) : NaN,
    rssMedian: median(rss),
    rssSum: rss.reduce((a, b) => a + b, 0),
  };
}

/** Failed turns of every phase (a benchmark that had errors is not trustworthy). */
export function cliErrorCount(result) {
  if (!result?.ok) return 0;
  const phases = Object.values(result.phases).reduce((n, p) => n + (p.errors ?? 0), 0);
  return phases + (result.ramp ?? []).reduce((n, r) => n + r.errors + r.openFailures, 0);
}

// Standalone: `node bench/claude-cli.mjs` prints the section and writes .bench/claude-cli/.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const main = join(ROOT, 'dist', 'main.js');
  const work = join(ROOT, '.bench', 'claude-cli');
  try {
    readFileSync(main);
  } catch {
    console.error(`[bench] ${main} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
  process.on('exit', killAllNow);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.on(signal, () => void stopAll().finally(() => process.exit(code)));
  }
  pinSelf(CLIENT_CPU);
  const { claudeCliSection } = await import('./lib/report.mjs');
  try {
    const result = await benchClaudeCli({ main, work, log: (line) => console.log(`[bench] ${line}`) });
    const markdown = claudeCliSection(result).join('\n');
    writeFileSync(join(work, 'results.json'), JSON.stringify(result, null, 2));
    writeFileSync(join(work, 'results.md'), markdown + '\n');
    console.log('\n' + markdown);
    if (cliErrorCount(result) > 0) {
      console.error(
        `\n!!!!! ${cliErrorCount(result)} FAILED TURNS: the numbers above are not trustworthy. !!!!!\n`,
      );
      process.exitCode = 1;
    }
  } catch (error) {
    console.error(`[bench] claude_cli failed: ${error.stack ?? error}`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}
