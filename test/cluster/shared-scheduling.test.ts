/**
 * Two gateways on one Redis and PostgreSQL schedule over one account as one: a slot held on
 * gateway A is busy on gateway B, a cooldown from a 429 seen by A is honoured by B at once (long
 * before B reloads accounts), and a request costs a bounded number of Redis round trips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIM, RELEASE } from '../../src/cluster/redis-account-scripts.js';
import { SETTLE, TAKE } from '../../src/cluster/redis-limit-scripts.js';
import { commandConnection } from '../queue/redis-test-support.js';
import {
  messagesBody,
  setAccounts,
  startTestCluster,
  type ClusterGateway,
  type TestCluster,
} from './cluster-support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scheduling shared by gateways', () => {
  let cluster: TestCluster;
  let a: ClusterGateway;
  let b: ClusterGateway;
  let key: string;

  beforeAll(async () => {
    // No account reload during the tests: only the shared state can tell B what A did.
    cluster = await startTestCluster({ ACCOUNT_REFRESH_INTERVAL_MS: '600000', QUEUE_MAX_WAIT_MS: '5000' });
    a = await cluster.startGateway();
    b = await cluster.startGateway();
    await setAccounts(a, [{ kind: 'mock', name: 'only', maxConcurrency: 1 }]);
    await b.runtime.pool.reload();
    key = (await a.runtime.apiKeys.create({ name: 'k', limits: { requestsPerMinute: 10_000 } })).secret;
  });
  afterAll(() => cluster?.close());

  /** Sends a request; resolves when its whole answer has arrived. */
  const ask = async (gateway: ClusterGateway, text: string, timeoutSeconds?: number) => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': key,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        ...(timeoutSeconds === undefined ? {} : { 'x-stainless-timeout': String(timeoutSeconds) }),
      },
      body: messagesBody(text, false),
    });
    const body = await response.text();
    return { status: response.status, body, headers: response.headers, at: Date.now() };
  };

  const queueDepth = async (gateway: ClusterGateway) => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return Number(/^switchyard_queue_depth (\d+)/m.exec(text)?.[1]);
  };

  it('makes a request on B wait while A holds the only slot, then serves it when A is done', async () => {
    const slow = ask(a, 'slow [[mock latency=1500]]');
    await sleep(300);
    const waiting = ask(b, 'quick');
    // B's request waits cluster-wide: A's /metrics counts it.
    let depth = 0;
    for (let tries = 0; tries < 50 && depth !== 1; tries++) {
      await sleep(40);
      depth = await queueDepth(a);
    }
    expect(depth).toBe(1);
    const [first, second] = await Promise.all([slow, waiting]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.at).toBeGreaterThanOrEqual(first.at - 20);
    // Woken by A's release (pub/sub), not by the 1 s poll, which would come ~700 ms later.
    expect(second.at - first.at).toBeLessThan(450);
    expect(b.runtime.pool.accounts()[0]?.inFlight).toBe(0);
  });

  it('refuses a request on B that cannot wait long enough for A to finish', async () => {
    const slow = ask(a, 'slow [[mock latency=1500]]');
    await sleep(300);
    const refused = await ask(b, 'quick', 1);
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('at capacity');
    expect((await slow).status).toBe(200);
    expect((await ask(b, 'quick')).status).toBe(200);
  });

  it('costs four Redis commands per request on the direct path, two before the upstream', async () => {
    const admin = await commandConnection();
    const clients = await admin.client('LIST');
    const ours = new Set(
      String(clients)
        .split('\n')
        .filter((line) => line.includes(`name=${cluster.prefix}-command`))
        .map((line) => /addr=(\S+)/.exec(line)?.[1]),
    );
    admin.disconnect();
    await ask(b, 'warm up');
    const monitor = await (await commandConnection()).monitor();
    const seen: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (!ours.has(source)) return;
      // The worker registry poll shares the connection; it is not part of a request.
      if (args.some((arg) => arg.includes(`${cluster.prefix}:workers:`))) return;
      seen.push(args);
    });
    const requests = 5;
    for (let i = 0; i < requests; i++) expect((await ask(b, `count ${i}`)).status).toBe(200);
    await sleep(200);
    monitor.disconnect();
    const names = new Map([
      [TAKE.sha, 'take'],
      [CLAIM.sha, 'claim'],
      [RELEASE.sha, 'release'],
      [SETTLE.sha, 'settle'],
    ]);
    const sequence = seen.map(([command, sha]) =>
      command?.toLowerCase() === 'evalsha' ? (names.get(sha ?? '') ?? sha) : command,
    );
    expect(sequence).toEqual(
      Array.from({ length: requests }, () => ['take', 'claim', 'release', 'settle']).flat(),
    );
  });

  // Last: it leaves the only account cooling down for half a minute.
  it('honours on B a cooldown from a 429 seen by A, without waiting for an account reload', async () => {
    const throttled = await ask(a, 'throttle me [[mock status=429 retry-after=30]]');
    expect(throttled.status).toBe(429);
    const account = b.runtime.pool.accounts()[0];
    expect(account?.state).toBe('active'); // B has heard nothing through the database
    const refused = await ask(b, 'hello');
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('cooling down');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(25);
    expect(account?.state).toBe('cooling_down');
  });
});
