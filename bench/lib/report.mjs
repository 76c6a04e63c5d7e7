// The Markdown report: results table, targets (PASS/MISS), errors, CPU and environment.
import { distributedErrorRows, distributedSection, distributedTargets } from './distributed-report.mjs';

export const TARGETS = [
  { key: 'bare', label: 'bare proxy' },
  { key: 'pg', label: 'Switchyard PostgreSQL' },
  { key: 'pglite', label: 'Switchyard PGlite' },
];
export const MODES = ['non-stream', 'stream'];

const MB = 1024 * 1024;
const num = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const signed = (value, digits = 2) => {
  if (!Number.isFinite(value)) return '–';
  const text = Math.abs(value).toFixed(digits);
  return Number(text) === 0 ? `±${text}` : `${value > 0 ? '+' : '−'}${text}`;
};

function table(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Derived comparisons of one Switchyard target against the bare proxy. */
function versusBare(run, bare, mode) {
  const m = run.modes[mode];
  const b = bare?.ok ? bare.modes[mode] : undefined;
  return {
    percent: b ? (m.loaded.rps / b.loaded.rps) * 100 : NaN,
    addedP50: b ? m.single.p50 - b.single.p50 : NaN,
    addedP99: b ? m.single.p99 - b.single.p99 : NaN,
    ttfbP50: b && run.ttfb && bare.ttfb ? run.ttfb.p50 - bare.ttfb.p50 : NaN,
    ttfbP99: b && run.ttfb && bare.ttfb ? run.ttfb.p99 - bare.ttfb.p99 : NaN,
  };
}

function resultsTable(results) {
  const rows = [];
  const bare = results.bare;
  for (const { key, label } of TARGETS) {
    const run = results[key];
    if (!run?.ok) {
      rows.push([label, '(all)', `**FAILED: ${run?.error ?? 'not run'}**`, ...Array(9).fill('')]);
      continue;
    }
    for (const mode of MODES) {
      const { loaded, single } = run.modes[mode];
      const vs = key === 'bare' ? undefined : versusBare(run, bare, mode);
      const streaming = mode === 'stream';
      rows.push([
        label,
        mode,
        num(loaded.rps, 0),
        num(loaded.p50),
        num(loaded.p99),
        vs ? `${num(vs.percent, 1)} %` : '100 %',
        `${num(single.p50)} / ${num(single.p99)}`,
        vs ? `${signed(vs.addedP50)} / ${signed(vs.addedP99)}` : '–',
        streaming ? `${num(run.ttfb.p50)} / ${num(run.ttfb.p99)}` : '–',
        streaming && vs ? `${signed(vs.ttfbP50)} / ${signed(vs.ttfbP99)}` : '–',
        num(run.peakRss / MB, 0),
        num(loaded.cpu.proxy, 0),
      ]);
    }
  }
  return table(
    [
      'proxy',
      'mode',
      'req/s @50',
      'p50 ms @50',
      'p99 ms @50',
      '% of bare req/s',
      '1-conn p50 / p99 ms',
      'added @1 p50 / p99 ms',
      'TTFB p50 / p99 ms',
      'TTFB overhead p50 / p99 ms',
      'peak RSS MB',
      'proxy CPU % @50',
    ],
    rows,
  );
}

/** Each target as { name, goal, measured, pass } (pass undefined when it could not be measured). */
export function evaluateTargets(results) {
  const checks = [];
  const check = (name, goal, value, unit, ok) =>
    checks.push({
      name,
      goal,
      measured: Number.isFinite(value) ? `${num(value, unit === '%' ? 1 : 2)} ${unit}` : '–',
      pass: Number.isFinite(value) ? ok(value) : undefined,
    });
  const bare = results.bare;
  const compare = (key, mode) => (results[key]?.ok ? versusBare(results[key], bare, mode) : {});
  const rss = (key) => (results[key]?.ok ? results[key].peakRss / MB : NaN);

  const pgNon = compare('pg', 'non-stream');
  const pgStream = compare('pg', 'stream');
  check('PostgreSQL throughput, non-streaming', '≥ 90 % of bare', pgNon.percent, '%', (v) => v >= 90);
  check('PostgreSQL throughput, streaming', '≥ 85 % of bare', pgStream.percent, '%', (v) => v >= 85);
  check(
    'PostgreSQL added latency @1 conn p50, non-streaming',
    '≤ 0.5 ms',
    pgNon.addedP50,
    'ms',
    (v) => v <= 0.5,
  );
  check('PostgreSQL added latency @1 conn p99, non-streaming', '≤ 3 ms', pgNon.addedP99, 'ms', (v) => v <= 3);
  check(
    'PostgreSQL added latency @1 conn p50, streaming',
    '≤ 0.5 ms',
    pgStream.addedP50,
    'ms',
    (v) => v <= 0.5,
  );
  check('PostgreSQL added latency @1 conn p99, streaming', '≤ 3 ms', pgStream.addedP99, 'ms', (v) => v <= 3);
  check('PostgreSQL streaming first-byte overhead p50', '≤ 1 ms', pgStream.ttfbP50, 'ms', (v) => v <= 1);
  check('PostgreSQL peak RSS', '≤ 150 MB', rss('pg'), 'MB', (v) => v <= 150);
  const liteNon = compare('pglite', 'non-stream');
  const liteStream = compare('pglite', 'stream');
  check('PGlite throughput, non-streaming', '≥ 80 % of bare', liteNon.percent, '%', (v) => v >= 80);
  check('PGlite throughput, streaming', '≥ 80 % of bare', liteStream.percent, '%', (v) => v >= 80);
  check('PGlite peak RSS', '≤ 400 MB', rss('pglite'), 'MB', (v) => v <= 400);
  for (const mode of MODES) {
    const pg = results.pg;
    const chat = pg?.ok ? pg.chat?.[mode]?.loaded : undefined;
    const percent = chat ? (chat.rps / pg.modes[mode].loaded.rps) * 100 : NaN;
    check(
      `Chat Completions throughput, ${mode} (PostgreSQL)`,
      '≥ 90 % of Messages',
      percent,
      '%',
      (v) => v >= 90,
    );
  }
  const cliTarget = claudeCliTarget(results.claudeCli);
  if (cliTarget) checks.push(cliTarget);
  checks.push(...distributedTargets(results.distributed, results.pg));
  return checks;
}

/** Every failed request, per target and phase; `total` is what makes a run loud. */
export function collectErrors(results) {
  const rows = [];
  let total = 0;
  for (const { key, label } of TARGETS) {
    const run = results[key];
    if (!run?.ok) continue;
    for (const mode of MODES) {
      for (const phase of ['warmup', 'loaded', 'single']) {
        const r = run.modes[mode][phase];
        const discarded = (r.discarded ?? []).reduce((n, d) => n + d.non2xx + d.errors, 0);
        const failed = r.non2xx + r.errors + discarded;
        total += failed;
        if (failed > 0 || r.timeouts > 0) {
          const codes = Object.entries(r.statusCounts)
            .filter(([code]) => !code.startsWith('2'))
            .map(([code, n]) => `${code}×${n}`)
            .join(' ');
          rows.push([
            label,
            `${mode} ${phase} (${r.connections} conn)` +
              (discarded ? `, incl. ${discarded} in a discarded noisy attempt` : ''),
            r.non2xx,
            r.errors,
            r.timeouts,
            codes || '–',
          ]);
        }
      }
    }
    for (const [mode, { loaded: r }] of Object.entries(run.chat ?? {})) {
      const failed = r.non2xx + r.errors;
      total += failed;
      if (failed > 0 || r.timeouts > 0)
        rows.push([
          label,
          `chat completions ${mode} (${r.connections} conn)`,
          r.non2xx,
          r.errors,
          r.timeouts,
          '–',
        ]);
    }
    const t = run.ttfb;
    const discardedTtfb = (t.discarded ?? []).reduce((n, d) => n + d.non2xx + d.errors, 0);
    if (t.non2xx + t.errors + t.malformed + discardedTtfb > 0) {
      total += t.non2xx + t.errors + t.malformed + discardedTtfb;
      rows.push([label, `TTFB probe (${t.malformed} malformed streams)`, t.non2xx, t.errors, 0, '–']);
    }
  }
  for (const row of claudeCliErrorRows(results.claudeCli)) {
    total += row[3];
    rows.push(row);
  }
  for (const row of distributedErrorRows(results.distributed)) {
    total += row[2] + row[3];
    rows.push(row);
  }
  return { total, rows };
}

function cpuTable(results) {
  const rows = [];
  for (const { key, label } of TARGETS) {
    const run = results[key];
    if (!run?.ok) continue;
    for (const mode of MODES) {
      const { cpu } = run.modes[mode].loaded;
      rows.push([
        label,
        mode,
        num(cpu.proxy, 0),
        num(cpu.mock, 0),
        num(cpu.load, 0),
        num(cpu.postgres, 0),
        cpu.cores.map((c) => num(c, 0)).join(' / '),
        num(cpu.other, 0),
      ]);
    }
  }
  return table(
    [
      'proxy',
      'mode',
      'proxy (core 1) CPU %',
      'mock CPU %',
      'load generator CPU %',
      'PostgreSQL server CPU %',
      'machine busy % core 0 / core 1',
      'other processes CPU %',
    ],
    rows,
  );
}

/** Conditions that make the comparison less trustworthy, detected from the CPU figures. */
export function measurementWarnings(results) {
  const warnings = [];
  for (const { key, label } of TARGETS) {
    const run = results[key];
    if (!run?.ok) continue;
    const phases = [
      ...MODES.flatMap((mode) => [
        [`${mode} @50`, run.modes[mode].loaded],
        [`${mode} @1`, run.modes[mode].single],
      ]),
      ['TTFB probe', run.ttfb],
    ];
    for (const [phase, { cpu }] of phases) {
      if (cpu && cpu.other > 15) {
        warnings.push(
          `${label} ${phase}: other processes used ${num(cpu.other, 0)} % of a core meanwhile ` +
            '(the machine was not quiet): treat this figure as noisy and re-run.',
        );
      }
    }
    if (key !== 'bare') continue;
    for (const mode of MODES) {
      const { cpu } = run.modes[mode].loaded;
      if (cpu.cores[0] >= 90 && cpu.proxy < 90) {
        warnings.push(
          `bare proxy ${mode} @50: core 0 (mock + load generator) was ${num(cpu.cores[0], 0)} % busy while the bare ` +
            `proxy used ${num(cpu.proxy, 0)} % of core 1: the bare figure is bounded by the load side, so it is a lower ` +
            'bound for the bare hop and "% of bare" is an upper bound for Switchyard.',
        );
      }
    }
  }
  return warnings;
}

export function buildReport(results, meta) {
  const checks = evaluateTargets(results);
  const errors = collectErrors(results);
  // Sections left out of a partial run (BENCH_SECTIONS) are absent, not failed.
  const failedTargets = TARGETS.filter(({ key }) => results[key] !== undefined && !results[key].ok);
  const out = [];
  out.push(`# Switchyard benchmark — ${meta.date}`);
  out.push('');
  if (errors.total > 0 || failedTargets.length > 0 || results.claudeCli?.ok === false) {
    out.push(
      `> **⚠ THIS RUN HAD ERRORS: ${errors.total} failed requests` +
        (failedTargets.length ? `, ${failedTargets.length} target(s) could not run` : '') +
        '. The numbers below are not trustworthy until these are fixed (see "Errors").**',
    );
    out.push('');
  }
  for (const warning of measurementWarnings(results)) out.push(`> ⚠ ${warning}`, '');
  out.push(
    `${meta.connections} connections for ${meta.durationS} s (1 connection for ${meta.singleS} s), ` +
      `after ${meta.warmupS} s warm-up per mode; TTFB: ${meta.ttfbRequests} sequential streaming requests. ` +
      `Latencies in ms (exact percentiles of every 2xx response). "added @1" = Switchyard minus bare proxy at 1 connection.`,
  );
  out.push('');
  out.push(resultsTable(results));
  out.push('');
  if (results.pg?.ok && results.pg.chat) {
    out.push('OpenAI Chat Completions route, same PostgreSQL gateway and load (translation both ways):');
    out.push('');
    out.push(
      table(
        ['mode', 'req/s @50', 'p50 ms @50', 'p99 ms @50', '% of Messages req/s'],
        MODES.filter((mode) => results.pg.chat[mode]).map((mode) => {
          const chat = results.pg.chat[mode].loaded;
          const messages = results.pg.modes[mode].loaded;
          return [
            mode,
            num(chat.rps, 0),
            num(chat.p50),
            num(chat.p99),
            `${num((chat.rps / messages.rps) * 100, 1)} %`,
          ];
        }),
      ),
    );
    out.push('');
  }
  if (results.claudeCli !== undefined) out.push(...claudeCliSection(results.claudeCli));
  if (results.distributed !== undefined) out.push(...distributedSection(results.distributed, results.pg));
  out.push('## Targets');
  out.push('');
  out.push(
    table(
      ['target', 'goal', 'measured', 'result'],
      checks.map((c) => [
        c.name,
        c.goal,
        c.measured,
        c.pass === undefined ? 'N/A' : c.pass ? 'PASS' : '**MISS**',
      ]),
    ),
  );
  out.push('');
  out.push('## Errors');
  out.push('');
  if (errors.total === 0 && errors.rows.length === 0)
    out.push('None: every request answered 2xx, every probed stream was complete.');
  else out.push(table(['proxy', 'phase', 'non-2xx', 'errors', 'timeouts', 'status codes'], errors.rows));
  for (const { label, key } of failedTargets)
    out.push(`\n**${label} did not run: ${results[key]?.error ?? 'skipped'}**`);
  out.push('');
  out.push('## CPU during the 50-connection runs');
  out.push('');
  out.push(
    'Core 0 carries the mock upstream and the load generator (this process); core 1 carries the proxy under test, alone. ' +
      'If core 0 is near 100 % while the proxy is not, the load generator/mock is the limit, not the proxy. ' +
      '"Other processes" is machine-wide busy time not used by the proxy, mock, load generator or PostgreSQL ' +
      '(e.g. a test suite running meanwhile): anything above a few % skews the results.',
  );
  out.push('');
  out.push(cpuTable(results));
  out.push('');
  out.push('## Setup');
  out.push('');
  for (const line of meta.setup) out.push(`- ${line}`);
  out.push('');
  return { markdown: out.join('\n'), checks, errors };
}

// ---- claude_cli section (bench/claude-cli.mjs) ----

/** The claude_cli section: TTFT per path, memory per CLI process, the concurrency ramp. */
export function claudeCliSection(cli) {
  const out = ['## claude_cli: Claude Code CLI pool', ''];
  if (!cli?.ok) {
    out.push(`**claude_cli did not run: ${cli?.error ?? 'skipped'}**`, '');
    return out;
  }
  const o = cli.options;
  const { direct, warm, spare, spareSecond, cold } = cli.phases;
  out.push(
    `One gateway (\`node dist/main.js start\`, PGlite, fresh data dir) whose only account is \`claude_cli\` ` +
      `(${cli.claudeVersion}, API-key credential, \`--base-url\` = the mock upstream: \`mock-upstream --words ${WORDS_CLI} ` +
      `--ttft ${o.mockTtftMs}\`). The gateway and its \`claude\` processes run on cores 0–1; the mock and the client on core 0. ` +
      'TTFT = time from sending a streaming request to its first `content_block_delta`. ' +
      '"Added" = that path minus the mock directly.',
  );
  out.push('');
  const added = (p) => `${signed(p.p50 - direct.p50)} / ${signed(p.p99 - direct.p99)}`;
  const noisy = (p) => (p.cpu && p.cpu.other > 15 ? ` ⚠ others used ${num(p.cpu.other, 0)} % of a core` : '');
  const rows = [
    ['mock upstream directly', direct, `${direct.count} sequential requests`],
    [
      'warm: conversation turn on its live process',
      warm,
      `${warm.conversations} conversations × ${o.turns} turns, round robin; ${warm.reused} of ${warm.count + warm.errors} reused their process`,
    ],
    [
      'warm spare: first turn of a new conversation',
      spare,
      `${spare.count} new conversations, each after a ready spare; ${spare.reused} took a spare; CPU per new conversation: 2 turns + the replacement spare's spawn`,
    ],
    [
      '↳ its second turn (same process)',
      spareSecond,
      '100 ms after the first (the replacement spare may still be starting)',
    ],
    [
      'cold: a new process per request',
      cold,
      `CLAUDE_CLI_WARM_SPARES=0, a distinct system prompt each; ${cold.spawns} cold spawns, spawn→ready mean ${num(cold.spawnReadyMeanMs, 0)} ms; ` +
        `TTFT − spawn→ready p50 ${num(cold.firstTurnAfterReadyP50, 1)} ms (a fresh process's first turn, no other spawn meanwhile)`,
    ],
  ];
  // CPU of the gateway and its children per request, split gateway / CLI processes.
  const perTurn = (p) => {
    const n = p.count + p.errors;
    if (!p.cpu || p === direct || n === 0) return '–';
    const ms = (percent) => (percent * p.cpu.wallS * 10) / n;
    return `${num(ms(p.cpu.gatewayOwn), 1)} / ${num(ms(p.cpu.cli), 1)}`;
  };
  const upstreamCalls = (p) =>
    p.mockRequests !== undefined && p !== direct && p.count + p.errors > 0
      ? `; ${num(p.mockRequests / (p.count + p.errors + (p === spare ? spareSecond.count + spareSecond.errors : 0)), 2)} mock requests per turn`
      : '';
  out.push(
    table(
      [
        'path',
        'TTFT p50 / p99 ms',
        'added p50 / p99 ms',
        'min / max ms',
        'failed',
        'CPU ms / request: gateway / CLI',
        'notes',
      ],
      rows.map(([label, p, note]) => [
        label,
        `${num(p.p50)} / ${num(p.p99)}`,
        p === direct ? '–' : added(p),
        `${num(p.min)} / ${num(p.max)}`,
        String(p.errors),
        perTurn(p),
        note + upstreamCalls(p) + noisy(p),
      ]),
    ),
  );
  out.push('');
  const m = cli.memory;
  const after = cli.memoryAfterRamp;
  out.push(
    `Memory per warm \`claude\` process (${m.processes} live after the warm and spare phases): peak RSS (VmHWM) ` +
      `median ${num(m.hwmMedian / MB, 0)} MB, max ${num(m.hwmMax / MB, 0)} MB; RSS at rest median ${num(m.rssMedian / MB, 0)} MB. ` +
      (after?.processes
        ? `After the ramp (${after.processes} processes): VmHWM max ${num(after.hwmMax / MB, 0)} MB, RSS sum ${num(after.rssSum / MB, 0)} MB. `
        : '') +
      `Gateway process peak RSS ${num(cli.gatewayPeakRss / MB, 0)} MB (without its children).`,
  );
  out.push('');
  out.push(
    `Concurrency: K conversations at once on cores 0–1 (CLAUDE_CLI_MAX_PROCESSES default 16), each doing ${o.rampTurns} ` +
      'back-to-back continuation turns (no think time, so the next turn may wait for the CLI to finish the last one). ' +
      `"CPU" = the gateway and all its \`claude\` processes, % of one core (200 = both cores); sustained = p99 TTFT < ${o.p99BoundMs} ms and no failed turn.`,
  );
  out.push('');
  out.push(
    table(
      [
        'K',
        'turns',
        'turns/s',
        'TTFT p50 / p99 ms',
        'failed',
        'CPU %',
        'CPU ms / turn (gateway)',
        'CLI RSS sum MB',
        'sustained',
      ],
      cli.ramp.map((r) => [
        String(r.k),
        String(r.count),
        num(r.turnsPerS, 1),
        `${num(r.p50)} / ${num(r.p99)}`,
        String(r.errors + r.openFailures),
        num(r.cpu.gateway, 0) + (r.cpu.other > 15 ? ` (⚠ others ${num(r.cpu.other, 0)})` : ''),
        `${num(r.cpuMsPerTurn, 1)} (${num(r.gatewayMsPerTurn, 1)})`,
        num(r.cliRssSum / MB, 0),
        r.sustained ? 'yes' : '**no**',
      ]),
    ),
  );
  out.push('');
  const largest = cli.ramp.at(-1);
  out.push(
    `Largest K sustained (it and every smaller level): **${cli.sustainedK}**` +
      (largest && cli.sustainedK === largest.k
        ? ' (the largest level tested: the real limit is higher or is the process cap)'
        : '') +
      `. Section time ${num(cli.totalS, 0)} s.`,
  );
  out.push('');
  return out;
}

const WORDS_CLI = 20;

/** The claude_cli target row (undefined when the section was skipped). */
export function claudeCliTarget(cli) {
  if (cli === undefined) return undefined;
  const value = cli.ok ? cli.addedP50 : NaN;
  return {
    name: 'claude_cli warm-pool added TTFT p50',
    goal: '≤ 50 ms',
    measured: Number.isFinite(value) ? `${num(value)} ms` : '–',
    pass: Number.isFinite(value) ? value <= 50 : undefined,
  };
}

/** Failed turns of the claude_cli section, as rows of the Errors table. */
export function claudeCliErrorRows(cli) {
  if (!cli?.ok) return [];
  const rows = [];
  for (const [name, p] of Object.entries(cli.phases)) {
    if (p.errors > 0) rows.push(['claude_cli', `${name} (${p.failures.join('; ')})`, '', p.errors, 0, '–']);
  }
  for (const r of cli.ramp ?? []) {
    if (r.errors + r.openFailures > 0)
      rows.push([
        'claude_cli',
        `${r.k} concurrent (${r.failures.join('; ')})`,
        '',
        r.errors + r.openFailures,
        0,
        '–',
      ]);
  }
  return rows;
}
