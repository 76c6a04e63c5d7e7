// The distributed section of the report (bench/lib/distributed.mjs): queue path vs direct path and
// vs embedded at 1 connection, Redis commands per request, 2 gateways vs 1 at 50 connections.

const MODES = ['non-stream', 'stream'];
const num = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const line = (cells) => `| ${cells.join(' | ')} |`;
const table = (head, rows) => [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');

/** What the queue path adds at 1 connection: over embedded when it ran in the same run, else over direct. */
function addedOf(dist, embedded, mode) {
  const queued = dist.single[mode].queued;
  const base = embedded?.ok ? embedded.modes[mode].single : dist.single[mode].direct;
  return {
    over: embedded?.ok ? 'embedded (PostgreSQL)' : 'distributed direct',
    p50: queued.p50 - base.p50,
    p99: queued.p99 - base.p99,
  };
}

export function distributedSection(dist, embedded) {
  const out = ['## Distributed mode: gateways and a worker on Redis and PostgreSQL', ''];
  if (!dist?.ok) {
    out.push(`**The distributed section did not run: ${dist?.error ?? 'skipped'}**`, '');
    return out;
  }
  const o = dist.options;
  out.push(
    'Native `node dist/main.js gateway` ×2 and `worker` ×1, fresh PostgreSQL database, fresh Redis key prefix on the ' +
      'local Redis. `direct`: an `anthropic_api` account the gateway calls itself (`RESUMABLE_STREAMS=' +
      `${o.resumable ?? 'queued'}\`: ${o.resumable === 'queued' ? 'not teed' : 'streams teed into Redis for resume'}); ` +
      '`queued`: the same mock behind an account `--served-by worker` (job on its lane, answer ' +
      'through a Redis result stream). Gateway A on core 1; gateway B and the worker share core 0 with the mock and ' +
      'the load generator. Redis commands: INFO commandstats delta per request, idle rate (heartbeats, registry polls) ' +
      'subtracted; commands run inside scripts are counted.',
    '',
  );
  const rows = [];
  for (const mode of MODES) {
    for (const path of ['direct', 'queued']) {
      const r = dist.single[mode][path];
      rows.push([
        mode,
        path,
        num(r.p50),
        num(r.p99),
        num(r.redis.perRequest, 1),
        num(r.redis.scriptsPerRequest, 1),
      ]);
    }
    if (embedded?.ok) {
      const e = embedded.modes[mode].single;
      rows.push([mode, 'embedded (core bench)', num(e.p50), num(e.p99), '–', '–']);
    }
  }
  out.push(`1 connection, ${o.singleS} s per row:`, '');
  out.push(table(['mode', 'path', 'p50 ms', 'p99 ms', 'Redis cmds/req', 'of which scripts'], rows), '');
  out.push(
    `${o.connections} connections for ${o.durationS} s, direct path (split evenly over the gateways for 2):`,
    '',
  );
  out.push(
    table(
      ['mode', '1 gateway req/s', 'Redis cmds/req', '2 gateways req/s', 'per gateway', '2 vs 1'],
      MODES.map((mode) => {
        const { one, two } = dist.loaded[mode];
        return [
          mode,
          num(one.rps, 0),
          num(one.redis.perRequest, 1),
          num(two.rps, 0),
          two.perGateway.map((x) => num(x, 0)).join(' + '),
          `${num(two.rps / one.rps, 2)}×`,
        ];
      }),
    ),
    '',
  );
  return out;
}

/** Target rows: the queue path's added p50 (≤ 3 ms), per mode. */
export function distributedTargets(dist, embedded) {
  if (dist === undefined) return [];
  return MODES.map((mode) => {
    const added = dist.ok ? addedOf(dist, embedded, mode) : { p50: NaN, over: 'embedded' };
    return {
      name: `Queue path added latency @1 conn p50, ${mode} (over ${added.over})`,
      goal: '≤ 3 ms',
      measured: Number.isFinite(added.p50) ? `${num(added.p50)} ms` : '–',
      pass: Number.isFinite(added.p50) ? added.p50 <= 3 : undefined,
    };
  });
}

/** Failed requests of the section, as rows of the Errors table. */
export function distributedErrorRows(dist) {
  if (!dist?.ok) return [];
  const rows = [];
  const add = (name, r) => {
    if (r.non2xx + r.errors > 0 || r.timeouts > 0)
      rows.push(['distributed', name, r.non2xx, r.errors, r.timeouts, '–']);
  };
  for (const mode of MODES) {
    add(`${mode} direct (1 conn)`, dist.single[mode].direct);
    add(`${mode} queued (1 conn)`, dist.single[mode].queued);
    add(`${mode} 1 gateway`, dist.loaded[mode].one);
    add(`${mode} 2 gateways`, dist.loaded[mode].two);
  }
  return rows;
}
