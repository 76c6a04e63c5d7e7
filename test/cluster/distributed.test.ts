/**
 * Distributed mode end to end: gateways (the runtime `switchyard gateway` builds) and workers (the
 * node `switchyard worker` runs) in this process, on real PostgreSQL and real Redis, talking HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway } from '../support/gateway.js';
import {
  comparableSse,
  messagesBody,
  parseSse,
  post,
  setAccounts,
  startTestCluster,
  type TestCluster,
} from './cluster-support.js';
import { waitFor } from '../queue/redis-test-support.js';

const WORKER_MOCK = { kind: 'mock' as const, name: 'remote-mock', settings: { servedBy: 'worker' } };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(env: Record<string, string> = {}): Promise<TestCluster> {
  const c = await startTestCluster(env);
  cleanups.push(() => c.close());
  return c;
}

async function usageRows(
  c: TestCluster,
  gateway: {
    runtime: { ledger: { flush(): Promise<void> } };
    store: { usage: { list(f: { requestId: string }): Promise<unknown[]> } };
  },
  requestId: string,
) {
  await gateway.runtime.ledger.flush();
  return gateway.store.usage.list({ requestId });
}

describe('distributed mode', () => {
  it('serves a request entering a gateway through a worker, non-streaming and streaming, like embedded mode', async () => {
    const c = await cluster();
    const gateway = await c.startGateway();
    await setAccounts(gateway, [WORKER_MOCK]);
    const { secret: key } = await gateway.runtime.apiKeys.create({ name: 'k' });

    // No worker holds the account yet: it is no candidate.
    const early = await post(gateway.url, key, messagesBody('hello', false));
    expect(early.status).toBe(404);
    await early.text();

    const worker = await c.startWorker(['remote-mock']);
    await waitFor(() => (gateway.runtime.pool.accounts().length === 1 ? true : undefined));

    const whole = await post(gateway.url, key, messagesBody('hello there [[mock words=12]]', false));
    expect(whole.status).toBe(200);
    const message = (await whole.json()) as { content: { text: string }[]; usage: { output_tokens: number } };
    expect(message.usage.output_tokens).toBe(12);
    const wholeId = whole.headers.get('request-id')!;

    const streamed = await post(gateway.url, key, messagesBody('stream please [[mock words=15]]', true));
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await streamed.text();
    const events = parseSse(text);
    expect(events.filter((e) => e.event === 'content_block_delta')).toHaveLength(15);
    // Every relayed event carries its result-stream seq: 2, 3, 4… (1 is the head).
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 2));

    // The same request in embedded mode gives the same stream, apart from ids.
    const embedded = await startTestGateway({ accounts: [{ kind: 'mock', name: 'local-mock' }] });
    cleanups.push(() => embedded.close());
    const local = await post(
      embedded.url,
      embedded.key,
      messagesBody('stream please [[mock words=15]]', true),
    );
    expect(comparableSse(text)).toBe(comparableSse(await local.text()));

    // Usage: one row per request, written by the gateway.
    for (const id of [wholeId, streamed.headers.get('request-id')!]) {
      const rows = await waitFor(async () => {
        const found = await usageRows(c, gateway, id);
        return found.length > 0 ? found : undefined;
      });
      expect(rows).toHaveLength(1);
    }
    expect(worker.node.runner.inFlight).toBe(0);
  }, 60_000);

  it('serves two gateways from one worker', async () => {
    const c = await cluster();
    const a = await c.startGateway();
    await setAccounts(a, [WORKER_MOCK]);
    const b = await c.startGateway();
    const { secret: key } = await a.runtime.apiKeys.create({ name: 'k' });
    await c.startWorker(['remote-mock']);
    await waitFor(() =>
      a.runtime.pool.accounts().length === 1 && b.runtime.pool.accounts().length === 1 ? true : undefined,
    );
    const answers = await Promise.all(
      [a, b, a, b].map(async (g, i) => {
        const response = await post(g.url, key, messagesBody(`hi ${i} [[mock words=5]]`, i % 2 === 0));
        return {
          status: response.status,
          text: await response.text(),
          id: response.headers.get('request-id')!,
        };
      }),
    );
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(parseSse(answers[0]!.text).filter((e) => e.event === 'content_block_delta')).toHaveLength(5);
    expect(JSON.parse(answers[1]!.text)).toMatchObject({ usage: { output_tokens: 5 } });
    for (const [i, answer] of answers.entries()) {
      const gateway = i % 2 === 0 ? a : b;
      const rows = await waitFor(async () => {
        const found = await usageRows(c, gateway, answer.id);
        return found.length > 0 ? found : undefined;
      });
      expect(rows).toHaveLength(1);
    }
  });

  it("drops a lost worker's accounts from the pool and goes to another worker holding them", async () => {
    const c = await cluster();
    const gateway = await c.startGateway();
    await setAccounts(gateway, [WORKER_MOCK]);
    const { secret: key } = await gateway.runtime.apiKeys.create({ name: 'k' });
    const first = await c.startWorker(['remote-mock'], 'worker-one');

    await waitFor(() => (gateway.runtime.pool.accounts().length === 1 ? true : undefined));
    // A hung worker: heartbeats stop, and its jobs are never run.
    first.node.stopHeartbeats();
    await first.parts.jobs.close();
    await waitFor(() => (gateway.runtime.pool.accounts().length === 0 ? true : undefined), 5_000);
    const refused = await post(gateway.url, key, messagesBody('anyone?', false));
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });

    await c.startWorker(['remote-mock'], 'worker-two');
    await waitFor(() => (gateway.runtime.pool.accounts().length === 1 ? true : undefined));
    const served = await post(gateway.url, key, messagesBody('hello [[mock words=3]]', false));
    expect(served.status).toBe(200);
    expect(await served.json()).toMatchObject({ usage: { output_tokens: 3 } });
  });

  it('resumes a dropped stream from Last-Event-ID with nothing lost or repeated, only for its key', async () => {
    const c = await cluster();
    const gateway = await c.startGateway();
    await setAccounts(gateway, [WORKER_MOCK]);
    const { secret: key } = await gateway.runtime.apiKeys.create({ name: 'owner' });
    const { secret: other } = await gateway.runtime.apiKeys.create({ name: 'other' });
    await c.startWorker(['remote-mock']);
    await waitFor(() => (gateway.runtime.pool.accounts().length === 1 ? true : undefined));

    const prompt = 'a long one [[mock words=40 tps=80]]';
    const controller = new AbortController();
    const response = await post(gateway.url, key, messagesBody(prompt, true), controller.signal);
    expect(response.status).toBe(200);
    const requestId = response.headers.get('request-id')!;
    // Read a few whole events, then drop the connection.
    const reader = response.body!.getReader();
    let received = '';
    while (parseSse(received.slice(0, received.lastIndexOf('\n\n') + 2)).length < 8) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended too early');
      received += Buffer.from(value).toString('utf8');
    }
    controller.abort();
    const kept = parseSse(received.slice(0, received.lastIndexOf('\n\n') + 2));
    const lastId = kept.at(-1)!.id!;

    const resume = (apiKey: string, lastEventId: number) =>
      fetch(`${gateway.url}/v1/requests/${requestId}/events`, {
        headers: { 'x-api-key': apiKey, 'last-event-id': String(lastEventId) },
      });
    const stranger = await resume(other, lastId);
    expect(stranger.status).toBe(404);
    await stranger.text();
    const unknown = await fetch(`${gateway.url}/v1/requests/req_nope/events`, {
      headers: { 'x-api-key': key },
    });
    expect(unknown.status).toBe(404);
    await unknown.text();

    const resumed = await resume(key, lastId);
    expect(resumed.status).toBe(200);
    const rest = parseSse(await resumed.text());
    const all = [...kept, ...rest];
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 2));
    expect(all.filter((e) => e.event === 'content_block_delta')).toHaveLength(40);
    expect(all.at(-1)!.event).toBe('message_stop');

    // The whole answer once more from the start: same events as the two parts together.
    const again = parseSse(await (await resume(key, 0)).text());
    expect(again.map((e) => e.raw)).toEqual(all.map((e) => e.raw));

    // The dropped client's request is still recorded once, with the whole answer metered.
    const rows = (await waitFor(async () => {
      const found = await usageRows(c, gateway, requestId);
      return found.length > 0 ? found : undefined;
    })) as { outputTokens: number }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.outputTokens).toBe(40);
  });

  it('answers 404 after the resume window (the result stream TTL)', async () => {
    const c = await cluster({ RESULT_STREAM_TTL_SECONDS: '1' });
    const gateway = await c.startGateway();
    await setAccounts(gateway, [WORKER_MOCK]);
    const { secret: key } = await gateway.runtime.apiKeys.create({ name: 'owner' });
    await c.startWorker(['remote-mock']);
    await waitFor(() => (gateway.runtime.pool.accounts().length === 1 ? true : undefined));
    const response = await post(gateway.url, key, messagesBody('short [[mock words=2]]', true));
    const requestId = response.headers.get('request-id')!;
    await response.text();
    const now = await fetch(`${gateway.url}/v1/requests/${requestId}/events`, {
      headers: { 'x-api-key': key },
    });
    expect(now.status).toBe(200);
    expect(parseSse(await now.text()).at(-1)!.event).toBe('message_stop');
    await waitFor(async () => {
      const later = await fetch(`${gateway.url}/v1/requests/${requestId}/events`, {
        headers: { 'x-api-key': key },
      });
      await later.text();
      return later.status === 404 ? true : undefined;
    }, 15_000);
  });

  it('cancels the job when a non-streaming client goes away', async () => {
    const c = await cluster();
    const gateway = await c.startGateway();
    await setAccounts(gateway, [WORKER_MOCK]);
    const { secret: key } = await gateway.runtime.apiKeys.create({ name: 'k' });
    const worker = await c.startWorker(['remote-mock']);
    await waitFor(() => (gateway.runtime.pool.accounts().length === 1 ? true : undefined));
    const controller = new AbortController();
    const pending = post(
      gateway.url,
      key,
      messagesBody('slow [[mock words=200 tps=20]]', false),
      controller.signal,
    ).catch(() => undefined);
    await waitFor(() => (worker.node.runner.inFlight === 1 ? true : undefined));
    controller.abort();
    await pending;
    // The worker hears the cancel and stops long before the 10 s answer would have ended.
    await waitFor(() => (worker.node.runner.inFlight === 0 ? true : undefined), 3_000);
  });
});

describe('embedded mode', () => {
  it('answers GET /v1/requests/{id}/events with 404 and says why', async () => {
    const embedded = await startTestGateway({ env: { RESUMABLE_STREAMS: 'queued' } });
    cleanups.push(() => embedded.close());
    const response = await fetch(`${embedded.url}/v1/requests/req_x/events`, {
      headers: { 'x-api-key': embedded.key },
    });
    expect(response.status).toBe(404);
    expect(JSON.stringify(await response.json())).toContain('distributed mode');
  });
});
