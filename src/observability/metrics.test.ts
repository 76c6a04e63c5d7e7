import { describe, expect, it } from 'vitest';
import { Metrics, type RequestObservation } from './metrics.js';

const snapshot = () => ({
  accounts: [{ name: 'a', kind: 'mock', state: 'cooling_down', inFlight: 1, maxConcurrency: 4 }],
  queueDepth: 3,
  queueMaxDepth: 256,
  ledgerPending: 0,
});

const observation = (errorType: string | undefined): RequestObservation => ({
  route: 'messages',
  model: 'claude-sonnet-4-6',
  account: 'a',
  status: errorType === undefined ? 200 : 500,
  stream: false,
  latencySeconds: 0.1,
  ttftSeconds: undefined,
  errorType,
  tokens: { input: 0, output: 0, cacheCreation: 0, cacheRead: 0 },
});

describe('Metrics', () => {
  it('counts errors by type, with types read from upstreams kept to a bounded set', async () => {
    const metrics = new Metrics(snapshot);
    for (const type of [
      undefined,
      'overloaded_error',
      'client_closed',
      'upstream_503',
      'made_up_by_upstream',
      'upstream_9999',
    ])
      metrics.observeRequest(observation(type));
    const text = (await metrics.render()).body;
    expect(text).toContain('switchyard_request_errors_total{route="messages",type="overloaded_error"} 1');
    expect(text).toContain('switchyard_request_errors_total{route="messages",type="client_closed"} 1');
    expect(text).toContain('switchyard_request_errors_total{route="messages",type="upstream_503"} 1');
    expect(text).toContain('switchyard_request_errors_total{route="messages",type="other"} 2');
    expect(text).not.toContain('made_up_by_upstream');
  });

  it('observes queue waits by result, and serves the pool and model gauges at scrape time', async () => {
    const metrics = new Metrics(snapshot, {
      modelAccounts: () => [{ model: 'claude-sonnet-4-6', state: 'cooling_down', accounts: 1 }],
    });
    metrics.observeQueueWait(0.3, true);
    metrics.observeQueueWait(30, false);
    const text = (await metrics.render()).body;
    expect(text).toContain('switchyard_queue_wait_seconds_bucket{le="0.5",result="leased"} 1');
    expect(text).toContain('switchyard_queue_wait_seconds_count{result="gave_up"} 1');
    expect(text).toContain('switchyard_queue_depth 3');
    expect(text).toContain('switchyard_queue_max_depth 256');
    expect(text).toContain('switchyard_account_state{account="a",kind="mock",state="cooling_down"} 1');
    expect(text).toContain('switchyard_model_accounts{model="claude-sonnet-4-6",state="cooling_down"} 1');
  });

  it('counts dropped ledger rows as a counter that follows the ledger running total', async () => {
    let dropped = 0;
    const metrics = new Metrics(() => ({ ...snapshot(), ledgerDropped: dropped }));
    expect((await metrics.render()).body).toContain('switchyard_usage_ledger_dropped_total 0');
    dropped = 3;
    expect((await metrics.render()).body).toContain('switchyard_usage_ledger_dropped_total 3');
    dropped = 5;
    expect((await metrics.render()).body).toContain('switchyard_usage_ledger_dropped_total 5');
    expect((await metrics.render()).body).toContain('switchyard_usage_ledger_dropped_total 5');
  });
});
