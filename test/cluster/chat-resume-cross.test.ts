/**
 * Web chat answers across gateways (distributed mode, real Redis and PostgreSQL, no affinity): an
 * answer started through gateway A, its socket dropped, is resumed through gateway B from the
 * last seq the client had; every word arrives once, the answer is stored once (by A). Another
 * user's resume on B is refused exactly like an unknown id; a stop through B ends the answer on A.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerEvent, ServerEvent } from '../../src/server/chat/protocol.js';
import { SharedTurns } from '../../src/server/chat/shared-turns.js';
import { TurnEvents } from '../../src/server/chat/turn-events.js';
import { InProcessResultStream } from '../../src/queue/in-process-result-stream.js';
import { defaultPieces } from '../../src/upstreams/mock/answer.js';
import { createLogger } from '../../src/observability/logger.js';
import { api, bearer, TEST_JWT_SECRET, type Session } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';
import { waitFor } from '../queue/redis-test-support.js';
import { openChatSocket, type TestSocket } from '../web/chat-client.js';
import { setAccounts, startTestCluster, type ClusterGateway, type TestCluster } from './cluster-support.js';

/** Shorter than the answers below: B's follow lease must keep A from stopping them as abandoned. */
const GRACE_MS = 1_200;

let cluster: TestCluster;
let a: ClusterGateway;
let b: ClusterGateway;
let client: ReturnType<typeof api>;
let alice: Session;
let bob: Session;
let model: string;

beforeAll(async () => {
  cluster = await startTestCluster({ JWT_SECRET: TEST_JWT_SECRET, CHAT_RESUME_GRACE_MS: String(GRACE_MS) });
  a = await cluster.startGateway();
  b = await cluster.startGateway();
  await setAccounts(a, [{ kind: 'mock', name: 'chat-mock' }]);
  await waitFor(() =>
    b.runtime.pool
      .accounts()
      .map((x) => x.name)
      .join() === 'chat-mock'
      ? true
      : undefined,
  );
  // The auth helpers need only the runtime (admin token, inject); users live in the shared database.
  client = api({ runtime: a.runtime } as unknown as TestGateway);
  alice = await client.userWithRole('member');
  bob = await client.userWithRole('member');
  const models = await client.inject({ method: 'GET', url: '/api/chat/models', headers: bearer(alice) });
  model = (JSON.parse(models.body) as { data: Array<{ id: string }> }).data[0]?.id ?? '';
  expect(model).not.toBe('');
}, 60_000);
afterAll(() => cluster?.close());

async function conversationOf(session: Session): Promise<string> {
  const created = await client.inject({
    method: 'POST',
    url: '/api/conversations',
    headers: bearer(session),
  });
  expect(created.statusCode, created.body).toBe(201);
  return (JSON.parse(created.body) as { id: string }).id;
}

async function signedInSocket(gateway: ClusterGateway, session: Session): Promise<TestSocket> {
  const socket = await openChatSocket(gateway.url);
  socket.send({ type: 'auth', token: session.accessToken });
  await socket.next('ready');
  return socket;
}

async function storedMessages(conversationId: string) {
  const response = await client.inject({
    method: 'GET',
    url: `/api/conversations/${conversationId}/messages`,
    headers: bearer(alice),
  });
  expect(response.statusCode, response.body).toBe(200);
  return (JSON.parse(response.body) as { data: Array<{ role: string; text: string; state: string | null }> })
    .data;
}

async function usageOf(requestId: string) {
  return waitFor(async () => {
    await a.runtime.ledger.flush();
    const rows = await a.store.usage.list({ requestId });
    return rows.length ? rows : undefined;
  });
}

const eventsOf = (socket: TestSocket, requestId: string) =>
  socket.events.filter((e): e is AnswerEvent => 'requestId' in e && e.requestId === requestId);
const textOf = (events: readonly AnswerEvent[]) =>
  events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Starts an answer through A and drops the socket after a few deltas. */
async function startThenDrop(content: string) {
  const conversationId = await conversationOf(alice);
  const first = await signedInSocket(a, alice);
  first.send({ type: 'send', ref: 'x', conversationId, model, content });
  const started = await first.next('started');
  await first.next('delta', (e) => e.seq >= 5);
  first.terminate();
  await first.closed;
  const before = eventsOf(first, started.requestId);
  return { conversationId, requestId: started.requestId, before, lastSeq: before.at(-1)!.seq };
}

describe('a chat answer resumed through another gateway', () => {
  it('continues on B after the last seq the client had: every word once, stored once by A', async () => {
    // ~3 s: longer than the grace period, so A keeps it running only because B follows it.
    const { conversationId, requestId, before, lastSeq } = await startThenDrop(
      'Count [[mock words=120 tps=40]]',
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // words go on with nobody connected
    const second = await signedInSocket(b, alice);
    second.send({ type: 'resume', requestId, afterSeq: lastSeq });
    const done = await second.next('done');
    expect(done).toMatchObject({ state: 'complete', stopReason: 'end_turn' });
    const after = eventsOf(second, requestId);
    expect(after[0]?.seq).toBe(lastSeq + 1);
    expect([...before, ...after].map((e) => e.seq)).toEqual(range(0, done.seq));
    const text = textOf([...before, ...after]);
    expect(text).toBe(defaultPieces(120).join(''));
    const stored = await waitFor(async () => {
      const messages = await storedMessages(conversationId);
      return messages.length >= 2 ? messages : undefined;
    });
    expect(stored.map((m) => [m.role, m.state])).toEqual([
      ['user', null],
      ['assistant', 'complete'],
    ]);
    expect(stored[1]?.text).toBe(text);
    const usage = await usageOf(requestId);
    expect(usage.map((row) => row.status)).toEqual([200]);
    second.close();
  });

  it("refuses another user's resume on B exactly like an unknown id, and ignores their stop", async () => {
    const { requestId } = await startThenDrop('Mine [[mock words=60 tps=40]]');
    const intruder = await signedInSocket(b, bob);
    intruder.send({ type: 'resume', requestId, afterSeq: -1 });
    const refused = await intruder.next('resume_failed');
    intruder.send({ type: 'resume', requestId: 'req_unknown', afterSeq: -1 });
    const unknown = await intruder.next('resume_failed', (e) => e.requestId === 'req_unknown');
    const { requestId: _a, ...refusedRest } = refused;
    const { requestId: _b, ...unknownRest } = unknown;
    expect(refusedRest).toEqual(unknownRest);
    expect(refused).toMatchObject({ requestId, error: { type: 'not_found_error' } });
    intruder.send({ type: 'stop', requestId });
    // The owner, resuming on B, still gets the whole answer.
    const own = await signedInSocket(b, alice);
    own.send({ type: 'resume', requestId, afterSeq: -1 });
    const done = await own.next('done');
    expect(done.state).toBe('complete');
    expect(textOf(eventsOf(own, requestId))).toBe(defaultPieces(60).join(''));
    expect(intruder.events.filter((e: ServerEvent) => 'seq' in e)).toEqual([]);
    intruder.close();
    own.close();
  });

  it('a stop through B ends the answer running on A: stored as stopped, metered 499', async () => {
    const { conversationId, requestId, before } = await startThenDrop('Long [[mock words=400 tps=20]]');
    const second = await signedInSocket(b, alice);
    second.send({ type: 'resume', requestId, afterSeq: before.at(-1)!.seq });
    await second.next('delta');
    second.send({ type: 'stop', requestId });
    const done = await second.next('done');
    expect(done.state).toBe('stopped');
    const text = textOf([...before, ...eventsOf(second, requestId)]);
    expect(text.trim().split(/\s+/).length).toBeLessThan(400);
    const stored = await waitFor(async () => {
      const messages = await storedMessages(conversationId);
      return messages.length >= 2 ? messages : undefined;
    });
    expect(stored).toHaveLength(2);
    expect(stored[1]).toMatchObject({ state: 'stopped', text });
    expect((await usageOf(requestId)).map((row) => row.status)).toEqual([499]);
    second.close();
  });
});

describe('the cost of sharing a chat answer', () => {
  it('batches a 400-delta answer into few Redis round trips, with little work on the answer path', async () => {
    const logger = createLogger({ level: 'silent' });
    const shared = new SharedTurns({
      results: a.parts.results,
      control: a.parts.control,
      ttlMs: 30_000,
      graceMs: GRACE_MS,
      logger,
    });
    const local = new InProcessResultStream({ maxEntries: 10_000, ttlMs: 30_000 });
    const requestId = `req_measure_${Date.now()}`;
    const publish = async (mirrored: boolean) => {
      const mirror = mirrored ? shared.mirror(requestId, alice.userId) : undefined;
      const events = new TurnEvents(local, mirrored ? requestId : `${requestId}_local`, logger, mirror);
      const deltas = 400;
      let seq = 0;
      let onPath = 0; // time publish() takes on the answer's own path (the appends run behind it)
      const timed = (event: AnswerEvent) => {
        const started = performance.now();
        events.publish(event);
        onPath += performance.now() - started;
      };
      timed({
        type: 'started',
        requestId,
        seq: seq++,
        ref: null,
        conversationId: 'c',
        userMessageId: 'm',
        model,
      });
      for (let i = 0; i < deltas; i++) {
        timed({ type: 'delta', requestId, seq: seq++, text: `word${i} ` });
        // 200 deltas a second: a fast model streaming one token per delta.
        if (i % 2 === 1) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const usage = { inputTokens: 1, outputTokens: deltas };
      timed({
        type: 'done',
        requestId,
        seq,
        messageId: null,
        state: 'complete',
        stopReason: 'end_turn',
        usage,
      });
      await events.flushed();
      return { onPath, last: seq, stats: mirror?.stats };
    };
    const plain = await publish(false);
    const mirrored = await publish(true);
    const { roundTrips, entries, micros } = mirrored.stats!;
    const perEvent = (ms: number) => ((ms * 1000) / entries).toFixed(1);
    console.info(
      `chat mirror: ${entries} events in ${roundTrips} Redis round trips (incl. the owner record), ` +
        `${Math.round(micros / roundTrips)} µs each (in the background); publish() on the answer path ` +
        `${perEvent(mirrored.onPath)} µs/event mirrored vs ${perEvent(plain.onPath)} µs/event in-process only`,
    );
    expect(entries).toBe(402);
    expect(roundTrips).toBeLessThan(entries / 4);
    // What another gateway reads is every event, in seq order, ending with `done`.
    const read: AnswerEvent[] = [];
    for await (const text of shared.follow(alice.userId, requestId, -1, new AbortController().signal)) {
      read.push(JSON.parse(text) as AnswerEvent);
    }
    expect(read.map((e) => e.seq)).toEqual(range(0, mirrored.last));
    // A resume after the last event has nothing left to send, rather than waiting for more.
    const none: string[] = [];
    for await (const text of shared.follow(
      alice.userId,
      requestId,
      mirrored.last,
      new AbortController().signal,
    )) {
      none.push(text);
    }
    expect(none).toEqual([]);
    expect(await shared.owns(alice.userId, requestId)).toBe(true);
    expect(await shared.owns(bob.userId, requestId)).toBe(false);
    await local.close();
  });
});
