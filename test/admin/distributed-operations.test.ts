/**
 * The admin pages' operations in distributed mode, on real PostgreSQL and real Redis, with
 * gateways and workers in this process (test/cluster/cluster-support.ts): workers listed and
 * drained across processes (the drain reaches the worker through the registry in Redis), the queue
 * seen and cancelled from another gateway than the one serving the request, and settings changes
 * reaching every gateway.
 */
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { laneOf, type JobSpec } from '../../src/queue/job.js';
import {
  messagesBody,
  MODEL,
  post,
  setAccounts,
  startTestCluster,
  type ClusterGateway,
  type TestCluster,
} from '../cluster/cluster-support.js';
import { waitFor } from '../queue/redis-test-support.js';

const WORKER_MOCK = {
  kind: 'mock' as const,
  name: 'remote-mock',
  maxConcurrency: 2,
  settings: { servedBy: 'worker' },
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(env: Record<string, string> = {}): Promise<TestCluster> {
  const c = await startTestCluster(env);
  cleanups.push(() => c.close());
  return c;
}

async function adminCall<T>(
  gateway: ClusterGateway,
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  body?: unknown,
) {
  const response = await gateway.runtime.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${gateway.runtime.adminToken}` },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: response.statusCode, body: JSON.parse(response.body) as T };
}

interface Worker {
  id: string;
  host: string;
  status: string;
  state: string;
  inFlight: number | null;
  accounts: Array<{ name: string | null }>;
}
interface Entry {
  requestId: string;
  jobId: string | null;
  state: string;
  worker: string | null;
  gateway: string | null;
  apiKeyName: string | null;
  accountName: string | null;
}
interface Queue {
  mode: string;
  complete: boolean;
  entries: Entry[];
}

const workerOf = async (g: ClusterGateway, id: string) =>
  (await adminCall<{ workers: Worker[] }>(g, 'GET', '/api/admin/workers')).body.workers.find(
    (w) => w.id === id,
  );
const queueOf = async (g: ClusterGateway) => (await adminCall<Queue>(g, 'GET', '/api/admin/queue')).body;

function probeJob(accountId: string): JobSpec {
  return {
    jobId: 'req_probe.1',
    requestId: 'req_probe',
    attempt: 1,
    lane: laneOf(accountId, true),
    accountId,
    operation: 'messages',
    stream: false,
    model: MODEL,
    deadline: Date.now() + 60_000,
    firstByteTimeoutMs: 30_000,
    idleTimeoutMs: 30_000,
  };
}

describe('admin operations in distributed mode', () => {
  it('drains a worker: it takes no new job, finishes the running one, reports drained; undrain resumes', async () => {
    const c = await cluster();
    const a = await c.startGateway();
    await setAccounts(a, [WORKER_MOCK]);
    const b = await c.startGateway();
    const { secret: key } = await a.runtime.apiKeys.create({ name: 'ops' });
    const worker = await c.startWorker(['remote-mock'], 'worker-one');
    await waitFor(() =>
      a.runtime.pool.accounts().length === 1 && b.runtime.pool.accounts().length === 1 ? true : undefined,
    );
    const [account] = await a.runtime.accounts.list();

    expect(await workerOf(b, 'worker-one')).toMatchObject({
      host: hostname(),
      status: 'live',
      state: 'running',
      inFlight: 0,
      accounts: [{ name: 'remote-mock' }],
    });

    // An answer in progress on the worker, seen from the other gateway's queue page.
    const slow = post(a.url, key, messagesBody('slow [[mock latency=2500 words=3]]', false));
    await waitFor(() => (worker.node.runner.inFlight === 1 ? true : undefined));
    const seen = await waitFor(async () => (await queueOf(b)).entries[0]);
    expect(seen).toMatchObject({
      state: 'active',
      worker: 'worker-one',
      jobId: `${seen.requestId}.1`,
      apiKeyName: 'ops',
      accountName: 'remote-mock',
    });
    expect(seen.gateway).toBeTruthy();

    // Drained through gateway b; the worker hears it at its next heartbeat.
    const drained = await adminCall<Worker>(b, 'POST', '/api/admin/workers/worker-one/drain');
    expect(drained.status).toBe(200);
    expect(drained.body.state).toBe('draining');
    await waitFor(() => (worker.node.drainState() === 'draining' ? true : undefined));
    // Gateways queue nothing more for its accounts: a new request finds no account.
    await waitFor(() => (a.runtime.pool.accounts().length === 0 ? true : undefined));
    const refused = await post(a.url, key, messagesBody('anyone?', false));
    expect(refused.status).toBe(404);
    await refused.text();

    // The running answer completes.
    const finished = await slow;
    expect(finished.status).toBe(200);
    expect(((await finished.json()) as { usage: { output_tokens: number } }).usage.output_tokens).toBe(3);
    await waitFor(async () => ((await workerOf(a, 'worker-one'))?.state === 'drained' ? true : undefined));
    expect(worker.node.drainState()).toBe('drained');

    // The worker itself takes no job: one put on its lane stays there, listed as waiting.
    await a.parts.jobs.submit(probeJob(account!.id), Buffer.from(messagesBody('probe', false)));
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await a.parts.jobs.waiting(laneOf(account!.id, true))).toBe(1);
    expect((await queueOf(b)).entries).toEqual([
      expect.objectContaining({
        requestId: 'req_probe',
        jobId: 'req_probe.1',
        state: 'waiting',
        gateway: null,
      }),
    ]);

    // Undrained: it takes the waiting job at once, and gateways route to it again.
    const resumed = await adminCall<Worker>(a, 'POST', '/api/admin/workers/worker-one/undrain');
    expect(resumed.body.state).toBe('running');
    await waitFor(async () => {
      const { entries } = await a.parts.results.read('req_probe.1', 0, { count: 10 });
      return entries.some((e) => e.kind === 'end') ? true : undefined;
    });
    expect(await a.parts.jobs.waiting(laneOf(account!.id, true))).toBe(0);
    await waitFor(() => (b.runtime.pool.accounts().length === 1 ? true : undefined));
    const again = await post(b.url, key, messagesBody('back again [[mock words=4]]', false));
    expect(again.status).toBe(200);
    await again.text();

    expect((await adminCall(a, 'POST', '/api/admin/workers/no-such-worker/drain')).status).toBe(404);
    const audit = await adminCall<{ data: Array<{ action: string; targetId: string }> }>(
      a,
      'GET',
      '/api/admin/audit?target=worker-one',
    );
    expect(audit.body.data.map((e) => e.action)).toEqual(['worker.undrain', 'worker.drain']);
  }, 60_000);

  it('cancels a request whose job waits on its lane, and running ones (JSON and stream)', async () => {
    const c = await cluster();
    const a = await c.startGateway();
    await setAccounts(a, [WORKER_MOCK]);
    const b = await c.startGateway();
    const { secret: key } = await a.runtime.apiKeys.create({ name: 'ops' });
    const stuck = await c.startWorker(['remote-mock'], 'stuck');
    await waitFor(() => (a.runtime.pool.accounts().length === 1 ? true : undefined));
    const [account] = await a.runtime.accounts.list();
    const lane = laneOf(account!.id, true);
    // Heartbeats go on, but nothing takes jobs: the gateway queues and the job waits.
    await stuck.parts.jobs.close();

    const waiting = post(a.url, key, messagesBody('queued', false));
    const entry = await waitFor(async () => (await queueOf(b)).entries.find((e) => e.state === 'waiting'));
    expect(entry.jobId).toBe(`${entry.requestId}.1`);
    expect(entry.gateway).toBeTruthy();
    expect(await a.parts.jobs.waiting(lane)).toBe(1);
    const cancelled = await adminCall<{ state: string; jobs: string[] }>(
      b,
      'POST',
      `/api/admin/queue/${entry.requestId}/cancel`,
    );
    expect(cancelled).toEqual({
      status: 200,
      body: { requestId: entry.requestId, state: 'waiting', jobs: [entry.jobId] },
    });
    const refused = await waiting;
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('cancelled');
    expect(await a.parts.jobs.waiting(lane)).toBe(0);
    await stuck.stop(100);

    // A running job: the worker aborts the upstream call, the client hears 409 at once.
    const live = await c.startWorker(['remote-mock'], 'live');
    await waitFor(() => (a.runtime.pool.accounts().length === 1 ? true : undefined));
    const startedAt = Date.now();
    const slow = post(a.url, key, messagesBody('slow [[mock latency=6000]]', false));
    const running = await waitFor(async () =>
      (await queueOf(b)).entries.find((e) => e.state === 'active' && e.worker === 'live'),
    );
    expect((await adminCall(b, 'POST', `/api/admin/queue/${running.requestId}/cancel`)).status).toBe(200);
    expect((await slow).status).toBe(409);
    await waitFor(() => (live.node.runner.inFlight === 0 ? true : undefined));
    expect(Date.now() - startedAt).toBeLessThan(5_000);

    // A stream already under way (followed to its end even without its client) ends with an error event.
    const streamed = await post(a.url, key, messagesBody('stream [[mock tps=5 words=100]]', true));
    const reader = streamed.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('content_block_delta')) text += decoder.decode((await reader.read()).value);
    const requestId = streamed.headers.get('request-id')!;
    expect((await adminCall(b, 'POST', `/api/admin/queue/${requestId}/cancel`)).status).toBe(200);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      text += decoder.decode(chunk.value);
    expect(text).toContain('event: error');
    expect(text).toContain('cancelled the request');
    await waitFor(() => (live.node.runner.inFlight === 0 ? true : undefined));
    await waitFor(async () => ((await queueOf(a)).entries.length === 0 ? true : undefined));
  }, 60_000);

  it('announces settings changes to every gateway at once', async () => {
    // No periodic reload within the test: only the announcement can bring the change.
    const c = await cluster({ ACCOUNT_REFRESH_INTERVAL_MS: '600000' });
    const a = await c.startGateway();
    const b = await c.startGateway();
    expect(b.runtime.pool.accounts().map((x) => x.name)).toEqual(['mock-demo']);
    const changed = await adminCall(a, 'PATCH', '/api/admin/settings', {
      registrationOpen: true,
      anthropicApiOnly: true,
    });
    expect(changed.status).toBe(200);
    await waitFor(() => (b.runtime.settings.values.registrationOpen ? true : undefined), 2_000);
    // The compliance switch reached b's scheduler: the mock account is no candidate there either.
    await waitFor(() => (b.runtime.pool.accounts().length === 0 ? true : undefined), 2_000);
    const register = await b.runtime.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: JSON.stringify({ username: 'newcomer', password: 'correct horse battery staple' }),
    });
    expect(register.statusCode, register.body).toBe(201);
  }, 60_000);
});
