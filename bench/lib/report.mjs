// The Markdown report: results table, targets (PASS/MISS), errors, CPU and environment.

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
    const t = run.ttfb;
    const discardedTtfb = (t.discarded ?? []).reduce((n, d) => n + d.non2xx + d.errors, 0);
    if (t.non2xx + t.errors + t.malformed + discardedTtfb > 0) {
      total += t.non2xx + t.errors + t.malformed + discardedTtfb;
      rows.push([label, `TTFB probe (${t.malformed} malformed streams)`, t.non2xx, t.errors, 0, '–']);
    }
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
  const failedTargets = TARGETS.filter(({ key }) => !results[key]?.ok);
  const out = [];
  out.push(`# Switchyard benchmark — ${meta.date}`);
  out.push('');
  if (errors.total > 0 || failedTargets.length > 0) {
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
