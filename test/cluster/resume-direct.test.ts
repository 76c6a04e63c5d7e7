/**
 * Resuming answers that a gateway serves itself (a direct `mock` account, no worker), over real
 * HTTP: embedded (in-process result streams) and distributed (Redis, the resume through another
 * gateway). A client reads part of a slow stream, drops the connection and resumes from its last
 * event id; what it has then must be exactly a whole uninterrupted answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway } from '../support/gateway.js';
import { commandConnection, waitFor } from '../queue/redis-test-support.js';
import {
  comparableSse,
  messagesBody,
  parseSse,
  post,
  setAccounts,
  startTestCluster,
  type SseEvent,
} from './cluster-support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const PROMPT = 'tell me more [[mock words=40 tps=20]]';

interface Served {
  /** Where the stream is requested. */
  url: string;
  /** Where it is resumed (another gateway in distributed mode). */
  resumeUrl: string;
  key: string;
  other: string;
  usage(requestId: string): Promise<{ outputTokens: number; inputTokens: number }[]>;
}

const wholeEvents = (text: string): SseEvent[] => parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2));

/** Reads `count` whole events of a streaming answer, then drops the connection. */
async function readSomeThenDrop(url: string, key: string, count: number) {
  const controller = new AbortController();
  const response = await post(url, key, messagesBody(PROMPT, true), controller.signal);
  expect(response.status).toBe(200);
  const requestId = response.headers.get('request-id')!;
  const reader = response.body!.getReader();
  let received = '';
  while (wholeEvents(received).length < count) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended before the client dropped it');
    received += Buffer.from(value).toString('utf8');
  }
  controller.abort();
  const text = received.slice(0, received.lastIndexOf('\n\n') + 2);
  return { requestId, text, events: parseSse(text) };
}

async function dropAndResume(served: Served): Promise<void> {
  const full = await (await post(served.url, served.key, messagesBody(PROMPT, true))).text();
  const fullEvents = parseSse(full);
  expect(fullEvents.map((e) => e.id)).toEqual(fullEvents.map((_, i) => i + 2));
  expect(fullEvents.filter((e) => e.event === 'content_block_delta')).toHaveLength(40);

  const dropped = await readSomeThenDrop(served.url, served.key, 8);
  const lastId = dropped.events.at(-1)!.id!;
  expect(lastId).toBeGreaterThanOrEqual(9);
  const resume = (key: string, lastEventId: number) =>
    fetch(`${served.resumeUrl}/v1/requests/${dropped.requestId}/events`, {
      headers: { 'x-api-key': key, 'last-event-id': String(lastEventId) },
    });
  const stranger = await resume(served.other, lastId);
  expect(stranger.status).toBe(404);
  await stranger.text();

  const resumed = await resume(served.key, lastId);
  expect(resumed.status).toBe(200);
  const rest = await resumed.text();
  const all = parseSse(dropped.text + rest);
  expect(all.map((e) => e.id)).toEqual(all.map((_, i) => i + 2));
  expect(comparableSse(dropped.text + rest)).toBe(comparableSse(full));

  // One row for the dropped request, metered as the whole answer: the upstream was read to its end.
  const rows = await waitFor(async () => {
    const found = await served.usage(dropped.requestId);
    return found.length > 0 ? found : undefined;
  });
  expect(rows).toHaveLength(1);
  expect(rows[0]!.outputTokens).toBe(40);
  expect(rows[0]!.inputTokens).toBeGreaterThan(0);
}

describe('resuming an answer the gateway called directly', () => {
  it('embedded: the dropped part and the resumed rest make the whole answer, for the owner only', async () => {
    const gateway = await startTestGateway({
      accounts: [{ kind: 'mock', name: 'direct-mock' }],
      env: { RESUMABLE_STREAMS: 'all' },
    });
    cleanups.push(() => gateway.close());
    const { secret: other } = await gateway.runtime.apiKeys.create({ name: 'other' });
    await dropAndResume({
      url: gateway.url,
      resumeUrl: gateway.url,
      key: gateway.key,
      other,
      usage: async (requestId) => {
        await gateway.runtime.ledger.flush();
        return gateway.runtime.store.usage.list({ requestId });
      },
    });
  });

  it('distributed: resumed through another gateway from Redis, bounded by the TTL', async () => {
    const c = await startTestCluster({ RESULT_STREAM_TTL_SECONDS: '30', RESUMABLE_STREAMS: 'all' });
    cleanups.push(() => c.close());
    const a = await c.startGateway();
    const b = await c.startGateway();
    await setAccounts(a, [{ kind: 'mock', name: 'direct-mock' }]);
    await waitFor(() =>
      b.runtime.pool
        .accounts()
        .map((x) => x.name)
        .join() === 'direct-mock'
        ? true
        : undefined,
    );
    const { secret: key } = await a.runtime.apiKeys.create({ name: 'owner' });
    const { secret: other } = await a.runtime.apiKeys.create({ name: 'other' });
    await dropAndResume({
      url: a.url,
      resumeUrl: b.url,
      key,
      other,
      usage: async (requestId) => {
        await a.runtime.ledger.flush();
        return a.store.usage.list({ requestId });
      },
    });
    // The copy lives in Redis with the configured TTL, not forever.
    const redis = await commandConnection();
    try {
      const keys = await redis.keys(`${c.prefix}:res:*.d`);
      expect(keys.length).toBe(2);
      for (const key of keys) {
        const ttl = await redis.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(30_000);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('RESUMABLE_STREAMS=queued: direct answers carry no ids and are not kept', async () => {
    const gateway = await startTestGateway({
      accounts: [{ kind: 'mock', name: 'direct-mock' }],
      env: { RESUMABLE_STREAMS: 'queued' },
    });
    cleanups.push(() => gateway.close());
    const response = await post(gateway.url, gateway.key, messagesBody('hi [[mock words=3]]', true));
    const requestId = response.headers.get('request-id')!;
    const events = parseSse(await response.text());
    expect(events.at(-1)!.event).toBe('message_stop');
    expect(events.every((e) => e.id === undefined)).toBe(true);
    const resumed = await fetch(`${gateway.url}/v1/requests/${requestId}/events`, {
      headers: { 'x-api-key': gateway.key },
    });
    expect(resumed.status).toBe(404);
    expect(JSON.stringify(await resumed.json())).toContain('RESUMABLE_STREAMS');
  });
});
