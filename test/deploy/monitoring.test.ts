/**
 * The monitoring pack (deploy/prometheus/alerts.yml, deploy/grafana/dashboards/*.json) against
 * what Switchyard really serves: a distributed gateway and an in-process worker on real
 * PostgreSQL and Redis serve traffic (streams, errors, a queue wait, a client leaving, a rate
 * limit, a budget, a 529 that cools every account), then every expression of every alert and
 * panel must parse and name only metrics, labels and label values the two /metrics expositions
 * carry. Renaming a metric, a label or a value the pack uses fails here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BackupSchedule } from '../../src/backup/schedule.js';
import { workerMetricsRegistry, workerMetricsSourceOf } from '../../src/cluster/worker-metrics.js';
import { createLogger } from '../../src/observability/logger.js';
import {
  messagesBody,
  post,
  setAccounts,
  startTestCluster,
  type TestCluster,
} from '../cluster/cluster-support.js';
import { waitFor } from '../support/gateway.js';
import { checkExpression, metricOfVariableQuery, parseExposition, type Family } from './promql.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alerts = parse(read('deploy/prometheus/alerts.yml')) as {
  groups: Array<{ name: string; rules: Rule[] }>;
};

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: string | { query: string } }> };
}
const DASHBOARD_DIR = 'deploy/grafana/dashboards';
const dashboards = readdirSync(path.join(ROOT, DASHBOARD_DIR))
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, dashboard: JSON.parse(read(`${DASHBOARD_DIR}/${file}`)) as Dashboard }));
const panelsOf = (d: Dashboard) => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

const doc = read('docs/observability.md');
/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
const anchors = new Set(
  [...doc.matchAll(/^#+ (.+)$/gm)].map((m) =>
    m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9 _-]/g, '')
      .replace(/ /g, '-'),
  ),
);

const WORKER_MOCK = {
  kind: 'mock' as const,
  name: 'remote-mock',
  maxConcurrency: 1,
  priority: 1,
  settings: { servedBy: 'worker' },
};
const LOCAL_MOCK = { kind: 'mock' as const, name: 'local-mock', maxConcurrency: 1, priority: 5 };

let cluster: TestCluster;
let families: Map<string, Family>;
let gatewayText = '';
let cooledText = '';
let workerText = '';
let requestIdOfUsage: (requestId: string) => Promise<unknown[]>;

beforeAll(async () => {
  cluster = await startTestCluster({ LOG_LEVEL: 'info', METRICS_USAGE_INTERVAL_MS: '200' });
  const gateway = await cluster.startGateway();
  await setAccounts(gateway, [WORKER_MOCK, LOCAL_MOCK]);
  const worker = await cluster.startWorker(['remote-mock']);
  await waitFor(() => (gateway.runtime.pool.accounts().length === 2 ? true : undefined), 15_000);
  requestIdOfUsage = async (requestId) => {
    await gateway.runtime.ledger.flush();
    return gateway.store.usage.list({ requestId });
  };
  // Scheduled backups register their series in the gateway's registry (BACKUP_CRON set).
  new BackupSchedule({ ...cluster.config.backup, cron: '0 3 * * *' }, gateway.store, quietLogger(), {
    distributed: true,
    registry: gateway.runtime.metrics.registry,
  });

  const { secret: key } = await gateway.runtime.apiKeys.create({ name: 'monitored' });
  const { secret: budgeted, key: budgetedKey } = await gateway.runtime.apiKeys.create({
    name: 'budgeted',
    limits: { usdPerDay: 50, tokensPerMonth: 1_000_000 },
  });
  const { secret: limited } = await gateway.runtime.apiKeys.create({
    name: 'limited',
    limits: { requestsPerMinute: 1 },
  });
  const send = async (secret: string, content: string, stream = false) => {
    const response = await post(gateway.url, secret, messagesBody(content, stream));
    await response.text();
    return response.status;
  };

  expect(await send(key, 'hello [[mock words=5]]')).toBe(200);
  expect(await send(key, 'stream [[mock words=5]]', true)).toBe(200);
  expect(await send(budgeted, 'spend [[mock words=50]]')).toBe(200);
  // An upstream error answer passed through: no failover, no cooldown.
  expect(await send(key, 'bad [[mock status=400]]')).toBe(400);
  // Two accounts of one slot each, three requests at once: one waits in the queue.
  const slow = await Promise.all([1, 2, 3].map((i) => send(key, `slow ${i} [[mock latency=400 words=3]]`)));
  expect(slow).toEqual([200, 200, 200]);
  // A key's rate limit: 429 rate_limit_error.
  expect(await send(limited, 'first')).toBe(200);
  expect(await send(limited, 'second')).toBe(429);
  // A client that leaves before its answer: 499 client_closed.
  const leaving = new AbortController();
  const left = post(gateway.url, key, messagesBody('wait [[mock latency=3000]]', false), leaving.signal);
  setTimeout(() => leaving.abort(), 300);
  await expect(left).rejects.toThrow();
  // Last: a 529 from every account cools them all down (and counts upstream errors, failovers).
  expect(await send(key, 'overloaded [[mock status=529]]')).toBe(529);

  const scrape = async () => {
    gatewayText = await (await fetch(`${gateway.url}/metrics`)).text();
    return gatewayText;
  };
  // At once: the cooldown after a 529 lasts 2 s, shorter than the wait below can take on a busy machine.
  cooledText = await scrape();
  await waitFor(async () => {
    const text = await scrape();
    return text.includes('type="client_closed"') &&
      text.includes(`switchyard_budget_used_ratio{scope="key",id="${budgetedKey.id}"`) &&
      /switchyard_usage_today_usd\{scope="user"/.test(text)
      ? true
      : undefined;
  }, 15_000);
  await scrape();
  workerText = await workerMetricsRegistry(workerMetricsSourceOf(worker.node)).metrics();
  families = parseExposition(gatewayText);
  for (const [name, family] of parseExposition(workerText)) {
    const known = families.get(name);
    if (!known) families.set(name, family);
    else {
      known.samples += family.samples;
      for (const [label, values] of family.labels) {
        const mine = known.labels.get(label);
        if (mine) for (const v of values) mine.add(v);
        else known.labels.set(label, values);
      }
    }
  }
}, 120_000);

afterAll(async () => {
  await cluster?.close();
});

function quietLogger() {
  return createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
}

describe('the gateway and worker expositions', () => {
  it('carry the series the traffic above must have made', () => {
    expect(gatewayText).toMatch(/switchyard_queue_wait_seconds_count\{result="leased"\} [1-9]/);
    expect(gatewayText).toMatch(
      /switchyard_request_errors_total\{route="messages",type="rate_limit_error"\} 1/,
    );
    expect(gatewayText).toMatch(/switchyard_request_errors_total\{route="messages",type="upstream_400"\} 1/);
    expect(gatewayText).toMatch(
      /switchyard_upstream_errors_total\{account="(local|remote)-mock",type="http_529"\} 1/,
    );
    expect(cooledText).toMatch(
      /switchyard_model_accounts\{model="claude-sonnet-4-6",state="cooling_down"\} 2/,
    );
    expect(gatewayText).toMatch(/switchyard_cluster_workers\{status="live"\} 1/);
    expect(gatewayText).toMatch(/switchyard_queue_max_depth 256/);
    expect(workerText).toMatch(/switchyard_worker_jobs_total\{result="answered",worker="[^"]+"\} [1-9]/);
    expect(workerText).toMatch(/switchyard_worker_capacity\{worker="[^"]+"\} 1/);
  });

  it('are all listed in docs/observability.md', () => {
    const undocumented = [...families.keys()].filter(
      (name) =>
        name.startsWith('switchyard_') &&
        !/^switchyard_(worker_)?process_/.test(name) &&
        !doc.includes(`\`${name}\``),
    );
    expect(undocumented).toEqual([]);
  });
});

describe('deploy/prometheus/alerts.yml', () => {
  const rules = alerts.groups.flatMap((g) => g.rules.map((rule) => ({ group: g.name, rule })));

  it('has complete rules: a name, for, a severity, a summary, a description and a runbook in the docs', () => {
    expect(rules.length).toBeGreaterThanOrEqual(20);
    const names = rules.map(({ rule }) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const { group, rule } of rules) {
      const where = `${group}/${rule.alert}`;
      expect(rule.alert, where).toMatch(/^Switchyard[A-Z][A-Za-z0-9]+$/);
      expect(rule.expr, where).toBeTypeOf('string');
      expect(rule.for, where).toMatch(/^\d+[smhd]$/);
      expect(['critical', 'warning', 'info'], where).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, where).toBeTruthy();
      expect(rule.annotations?.description, where).toBeTruthy();
      expect(rule.annotations?.runbook, where).toBe(`docs/observability.md#${rule.alert!.toLowerCase()}`);
      expect(anchors.has(rule.alert!.toLowerCase()), `${where}: no "### ${rule.alert}" in the docs`).toBe(
        true,
      );
    }
  });

  it('covers what issue 8 asks for', () => {
    const exprs = rules.map(({ rule }) => rule.expr).join('\n');
    for (const metric of [
      'switchyard_cluster_worker_up', // worker lost
      'switchyard_account_state', // needs re-auth
      'switchyard_model_accounts', // all accounts of a model cooling down
      'switchyard_requests_total', // error rate
      'switchyard_request_duration_seconds_bucket', // p99 latency
      'switchyard_queue_wait_seconds_bucket', // queue wait
      'switchyard_budget_used_ratio', // budget nearly spent
    ])
      expect(exprs).toContain(metric);
  });

  it('names only metrics, labels and values Switchyard serves, in expressions that parse', () => {
    const problems = rules.flatMap(({ rule }) => checkExpression(rule.alert!, rule.expr!, families));
    expect(problems).toEqual([]);
  });
});

describe('deploy/grafana/dashboards', () => {
  it('are provisioned from the folder docker-compose.yml mounts, on the provisioned data source', () => {
    expect(dashboards.length).toBeGreaterThanOrEqual(3);
    const datasource = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: Array<{ uid: string }>;
    };
    const uid = datasource.datasources[0]!.uid;
    expect(new Set(dashboards.map((d) => d.dashboard.uid)).size).toBe(dashboards.length);
    for (const { file, dashboard } of dashboards) {
      expect(file).toBe(`${dashboard.uid}.json`);
      const panels = panelsOf(dashboard);
      expect(new Set(panels.map((p) => p.id)).size, file).toBe(panels.length);
      for (const panel of panels) {
        expect(panel.gridPos.x + panel.gridPos.w, `${file}: ${panel.title}`).toBeLessThanOrEqual(24);
        if (panel.type === 'row') continue;
        expect(panel.targets?.length, `${file}: ${panel.title}`).toBeGreaterThan(0);
        expect(panel.datasource?.uid, `${file}: ${panel.title}`).toBe(uid);
      }
    }
  });

  it('show what issue 8 asks for', () => {
    const exprs = dashboards
      .flatMap(({ dashboard }) => panelsOf(dashboard).flatMap((p) => p.targets ?? []))
      .map((t) => t.expr)
      .join('\n');
    for (const metric of [
      'switchyard_requests_total', // traffic
      'switchyard_request_duration_seconds_bucket', // latency p50/p95/p99
      'switchyard_time_to_first_token_seconds_bucket',
      'switchyard_request_errors_total', // errors by type
      'switchyard_queue_depth',
      'switchyard_cluster_workers', // worker health
      'switchyard_account_in_flight', // utilisation
      'switchyard_account_state',
      'switchyard_usage_today_usd', // cost per key/user
      'switchyard_usage_today_tokens',
      'switchyard_budget_used_ratio',
    ])
      expect(exprs).toContain(metric);
  });

  it('name only metrics, labels and values Switchyard serves, in expressions that parse', () => {
    const problems = dashboards.flatMap(({ file, dashboard }) => [
      ...panelsOf(dashboard).flatMap((panel) =>
        (panel.targets ?? []).flatMap((t) => checkExpression(`${file}: ${panel.title}`, t.expr, families)),
      ),
      ...dashboard.templating.list.flatMap((variable) => {
        const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
        const metric = metricOfVariableQuery(query);
        return metric === undefined
          ? [{ where: `${file}: $${variable.name}`, problem: `unexpected query ${query}` }]
          : checkExpression(`${file}: $${variable.name}`, metric, families);
      }),
    ]);
    expect(problems).toEqual([]);
  });
});

describe('the checker itself', () => {
  it('fails on a renamed metric, label or value, and on an expression that does not parse', () => {
    const problems = (expr: string) => checkExpression('t', expr, families).map((p) => p.problem);
    expect(problems('sum(rate(switchyard_requests_totl[5m]))')).toEqual([
      'no process serves switchyard_requests_totl',
    ]);
    expect(problems('histogram_quantile(0.9, rate(switchyard_queue_wait_second_bucket[5m]))')).toHaveLength(
      1,
    );
    expect(problems('switchyard_account_state{status="active"}')).toEqual([
      'switchyard_account_state has no label status',
    ]);
    expect(problems('switchyard_account_state{state="cooling"}')[0]).toMatch(/never seen/);
    expect(problems('sum(rate(switchyard_requests_total[5m])')[0]).toMatch(/does not parse/);
    expect(problems('rate(switchyard_requests_total[$__rate_interval])')).toEqual([]);
    // Histogram series are matched to their family; a counter has no _bucket series.
    expect(problems('switchyard_request_duration_seconds_count')).toEqual([]);
    expect(problems('switchyard_requests_total_bucket')).toHaveLength(1);
  });
});

describe('one request across gateway, worker and ledger', () => {
  it('carries one request id through the access line, the worker job line and the usage row', async () => {
    const lines = cluster.logs
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const job = lines.find(
      (l) => l['msg'] === 'job finished' && l['result'] === 'answered' && l['status'] === 200,
    );
    expect(job).toBeDefined();
    const requestId = job!['requestId'] as string;
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
    expect(job!['jobId']).toMatch(new RegExp(`^${requestId}\\.\\d+$`));
    const access = lines.find((l) => l['msg'] === 'request' && l['requestId'] === requestId);
    expect(access).toMatchObject({
      status: 200,
      account: 'remote-mock',
      level: 'info',
      service: 'switchyard',
    });
    expect(await requestIdOfUsage(requestId)).toHaveLength(1);
  });
});
