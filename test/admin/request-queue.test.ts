/**
 * The admin queue in embedded mode against a real gateway: requests waiting in the admission queue
 * and being answered are listed with key, user, model, account and age; cancelling one ends it for
 * its client with a clear 409 (a JSON error, or an SSE error event once the stream began).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../support/gateway.js';

interface Entry {
  requestId: string;
  state: string;
  model: string;
  apiKeyName: string | null;
  username: string | null;
  accountName: string | null;
  gateway: string | null;
  jobId: string | null;
  ageMs: number;
}
interface Queue {
  mode: string;
  depth: number;
  waiting: number;
  active: number;
  complete: boolean;
  entries: Entry[];
}

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({
    accounts: [{ kind: 'mock', name: 'solo', maxConcurrency: 1 }],
    env: { QUEUE_MAX_WAIT_MS: '30000', STREAM_PING_AFTER_MS: '60000', LOG_LEVEL: 'warn' },
  });
});
afterAll(() => gateway?.close());

const admin = () => ({ authorization: `Bearer ${gateway.runtime.adminToken}` });
const queue = async (): Promise<Queue> => {
  const response = await gateway.runtime.app.inject({
    method: 'GET',
    url: '/api/admin/queue',
    headers: admin(),
  });
  expect(response.statusCode, response.body).toBe(200);
  return JSON.parse(response.body) as Queue;
};
const cancel = (id: string) =>
  gateway.runtime.app.inject({ method: 'POST', url: `/api/admin/queue/${id}/cancel`, headers: admin() });

function ask(prompt: string, stream = false) {
  return fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': gateway.key,
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 64,
      stream,
      messages: [{ role: 'user', content: prompt }],
    }),
  });
}

describe('the admin queue (embedded mode)', () => {
  it('lists waiting and active requests, and cancels each with a 409 its client reads', async () => {
    expect(await queue()).toMatchObject({ mode: 'embedded', depth: 0, entries: [], complete: true });
    const startedAt = Date.now();
    const busy = ask('slow [[mock latency=8000]]');
    const first = await waitFor(async () => (await queue()).entries[0]);
    const waiting = ask('behind it');
    const listed = await waitFor(async () => {
      const q = await queue();
      return q.entries.length === 2 ? q : undefined;
    });
    expect(listed).toMatchObject({ depth: 1, waiting: 1, active: 1 });
    const [active, queued] = listed.entries;
    expect(active).toMatchObject({
      requestId: first.requestId,
      state: 'active',
      model: 'claude-sonnet-4-6',
      apiKeyName: 'test',
      username: 'admin',
      accountName: 'solo',
      jobId: null,
    });
    expect(active!.gateway).toBeTruthy();
    expect(queued).toMatchObject({ state: 'waiting', accountName: null, apiKeyName: 'test' });
    expect(active!.ageMs).toBeGreaterThanOrEqual(queued!.ageMs);

    const cancelled = await cancel(queued!.requestId);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(JSON.parse(cancelled.body)).toEqual({ requestId: queued!.requestId, state: 'waiting', jobs: [] });
    const refused = await waiting;
    expect(refused.status).toBe(409);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(await refused.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('cancelled') },
    });

    expect((await cancel(active!.requestId)).statusCode).toBe(200);
    const stopped = await busy;
    expect(stopped.status).toBe(409);
    await stopped.arrayBuffer();
    // Cut short, not answered after its 8 s of latency.
    expect(Date.now() - startedAt).toBeLessThan(7_000);
    await waitFor(async () => ((await queue()).entries.length === 0 ? true : undefined));

    const audit = await gateway.runtime.app.inject({
      method: 'GET',
      url: '/api/admin/audit?action=request.cancel',
      headers: admin(),
    });
    const targets = (JSON.parse(audit.body) as { data: Array<{ targetId: string }> }).data.map(
      (e) => e.targetId,
    );
    expect(targets.sort()).toEqual([active!.requestId, queued!.requestId].sort());
  });

  it('ends a stream already under way with an error event', async () => {
    const response = await ask('stream [[mock tps=5 words=100]]', true);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('content_block_delta')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const requestId = response.headers.get('request-id')!;
    expect((await cancel(requestId)).statusCode).toBe(200);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('event: error');
    expect(text).toContain('cancelled the request');
    expect(text).not.toContain('message_stop');
  });

  it('answers 404 for a request that is not in progress, however it is spelled', async () => {
    for (const id of ['req_gone', "req'; drop table users--", 'x'.repeat(150)]) {
      const response = await cancel(encodeURIComponent(id));
      expect(response.statusCode, id).toBe(404);
      expect(JSON.parse(response.body).error.type).toBe('not_found_error');
    }
  });

  it('shows this server as its one worker, which cannot be drained', async () => {
    const workers = await gateway.runtime.app.inject({
      method: 'GET',
      url: '/api/admin/workers',
      headers: admin(),
    });
    const body = JSON.parse(workers.body) as { mode: string; workers: Array<Record<string, unknown>> };
    expect(body.mode).toBe('embedded');
    expect(body.workers).toEqual([
      expect.objectContaining({
        id: 'embedded',
        embedded: true,
        status: 'live',
        state: 'running',
        accounts: [expect.objectContaining({ name: 'solo' })],
        capacity: 1,
        inFlight: 0,
      }),
    ]);
    const drain = await gateway.runtime.app.inject({
      method: 'POST',
      url: '/api/admin/workers/embedded/drain',
      headers: admin(),
    });
    expect(drain.statusCode).toBe(409);
    expect(JSON.parse(drain.body).error.message).toContain('Embedded mode');
  });
});
