/**
 * Resuming a web chat answer after its socket dropped, against a real gateway and its mock
 * account: the answer keeps running without a socket, a new socket `resume`s it from the last
 * sequence number it had, and every word arrives exactly once; another user cannot touch it; an
 * answer nobody resumes within the grace period is stopped (the upstream call cancelled) and stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerEvent } from '../../src/server/chat/protocol.js';
import { defaultPieces } from '../../src/upstreams/mock/answer.js';
import { api, bearer, type Session, startAuthGateway } from '../auth/support.js';
import { flushUsage, waitFor, type TestGateway } from '../support/gateway.js';
import { chatSteps, openChatSocket, type TestSocket } from './chat-client.js';

const GRACE_MS = 1_500;

let gateway: TestGateway;
let client: ReturnType<typeof api>;
let alice: Session;
let bob: Session;
let model: string;

beforeAll(async () => {
  gateway = await startAuthGateway({ env: { CHAT_RESUME_GRACE_MS: String(GRACE_MS) } });
  client = api(gateway);
  alice = await client.userWithRole('member');
  bob = await client.userWithRole('member');
  const models = await client.inject({ method: 'GET', url: '/api/chat/models', headers: bearer(alice) });
  model = (JSON.parse(models.body) as { data: Array<{ id: string }> }).data[0]?.id ?? '';
  expect(model).not.toBe('');
});
afterAll(() => gateway?.close());

const { conversationOf, signedInSocket, storedMessages } = chatSteps(() => ({
  url: gateway.url,
  inject: (options) => client.inject(options),
}));

const eventsOf = (socket: TestSocket, requestId: string) =>
  socket.events.filter((e): e is AnswerEvent => 'requestId' in e && e.requestId === requestId);
const textOf = (events: readonly AnswerEvent[]) =>
  events.map((e) => (e.type === 'delta' ? e.text : '')).join('');
const seqsOf = (events: readonly AnswerEvent[]) => events.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const fullText = (words: number) => defaultPieces(words).join('');

async function usageStatus(requestId: string): Promise<number | undefined> {
  const [row] = await waitFor(async () => {
    await flushUsage(gateway);
    const rows = await gateway.runtime.store.usage.list({ requestId });
    return rows.length ? rows : undefined;
  });
  return row?.status;
}

describe('resuming an answer over a new socket', () => {
  it('replays what the dropped socket missed and follows the rest: every word exactly once', async () => {
    const conversationId = await conversationOf(alice);
    const first = await signedInSocket(alice);
    first.send({ type: 'send', ref: 'r1', conversationId, model, content: 'Count [[mock words=80 tps=40]]' });
    const started = await first.next('started');
    await first.next('delta', (e) => e.seq >= 10);
    first.terminate();
    await first.closed;
    const before = eventsOf(first, started.requestId);
    const lastSeq = before[before.length - 1]?.seq ?? -1;
    // Words go on being generated with nobody connected (~10 at 40 per second): the gap to replay.
    await new Promise((resolve) => setTimeout(resolve, 250));

    const second = await signedInSocket(alice);
    second.send({ type: 'resume', requestId: started.requestId, afterSeq: lastSeq });
    const done = await second.next('done');
    expect(done).toMatchObject({ state: 'complete', stopReason: 'end_turn' });
    const after = eventsOf(second, started.requestId);
    // No gap and no repeat: the new socket starts right after the last event the old one had.
    expect(seqsOf([...before, ...after])).toEqual(range(0, done.seq));
    expect(after.length).toBeGreaterThan(1);
    const text = textOf([...before, ...after]);
    expect(text).toBe(fullText(80));
    // Stored once, in full; metered once, in full.
    const stored = await storedMessages(alice, conversationId);
    expect(stored.map((m) => [m.role, m.state])).toEqual([
      ['user', null],
      ['assistant', 'complete'],
    ]);
    expect(stored[1]?.text).toBe(text);
    expect(await usageStatus(started.requestId)).toBe(200);
    second.close();
  });

  it('resumes by the send ref from the start, and a second resume on the same socket repeats nothing', async () => {
    const conversationId = await conversationOf(alice);
    const first = await signedInSocket(alice);
    first.send({
      type: 'send',
      ref: 'by-ref',
      conversationId,
      model,
      content: 'Hi [[mock words=30 tps=30]]',
    });
    await first.next('delta');
    first.terminate();
    const second = await signedInSocket(alice);
    second.send({ type: 'resume', ref: 'by-ref', afterSeq: -1 });
    second.send({ type: 'resume', ref: 'by-ref', afterSeq: -1 });
    const done = await second.next('done');
    const events = eventsOf(second, done.requestId);
    expect(events[0]).toMatchObject({ type: 'started', ref: 'by-ref', conversationId, seq: 0 });
    expect(seqsOf(events)).toEqual(range(0, done.seq));
    expect(textOf(events)).toBe(fullText(30));
    second.close();
  });

  it('gives a client that missed only the end its last events, while the answer is still kept', async () => {
    const conversationId = await conversationOf(alice);
    const first = await signedInSocket(alice);
    first.send({ type: 'send', conversationId, model, content: 'Quick [[mock words=5]]' });
    const started = await first.next('started');
    first.terminate();
    // The answer ends with nobody connected.
    await waitFor(async () => (await storedMessages(alice, conversationId)).length === 2);
    const second = await signedInSocket(alice);
    second.send({ type: 'resume', requestId: started.requestId, afterSeq: 0 });
    const done = await second.next('done');
    expect(done.state).toBe('complete');
    expect(seqsOf(eventsOf(second, started.requestId))).toEqual(range(1, done.seq));
    expect(textOf(eventsOf(second, started.requestId))).toBe(fullText(5));
    second.close();
  });

  it("refuses another user's answer like a missing one: no events, no stop", async () => {
    const conversationId = await conversationOf(alice);
    const own = await signedInSocket(alice);
    own.send({ type: 'send', ref: 'mine', conversationId, model, content: 'Mine [[mock words=40 tps=40]]' });
    const started = await own.next('started');
    const intruder = await signedInSocket(bob);
    intruder.send({ type: 'resume', requestId: started.requestId, afterSeq: -1 });
    const refused = await intruder.next('resume_failed');
    expect(refused).toMatchObject({ requestId: started.requestId, error: { type: 'not_found_error' } });
    intruder.send({ type: 'resume', ref: 'mine', afterSeq: -1 });
    expect(await intruder.next('resume_failed', (e) => e.ref === 'mine')).toMatchObject({
      error: { type: 'not_found_error' },
    });
    intruder.send({ type: 'resume', requestId: 'req_unknown', afterSeq: -1 });
    await intruder.next('resume_failed', (e) => e.requestId === 'req_unknown');
    intruder.send({ type: 'stop', requestId: started.requestId });
    const done = await own.next('done');
    expect(done.state).toBe('complete');
    expect(textOf(eventsOf(own, started.requestId))).toBe(fullText(40));
    expect(intruder.events.filter((e) => 'seq' in e)).toEqual([]);
    own.close();
    intruder.close();
  });

  it('stops a resumed answer from the new socket', async () => {
    const conversationId = await conversationOf(alice);
    const first = await signedInSocket(alice);
    first.send({ type: 'send', conversationId, model, content: 'Long [[mock words=400 tps=20]]' });
    const started = await first.next('started');
    await first.next('delta', (e) => e.seq >= 2);
    first.terminate();
    const second = await signedInSocket(alice);
    second.send({ type: 'resume', requestId: started.requestId, afterSeq: 0 });
    await second.next('delta');
    second.send({ type: 'stop', requestId: started.requestId });
    const done = await second.next('done');
    expect(done.state).toBe('stopped');
    expect(await usageStatus(started.requestId)).toBe(499);
    const stored = await storedMessages(alice, conversationId);
    expect(stored[1]).toMatchObject({ state: 'stopped', text: textOf(eventsOf(second, started.requestId)) });
    second.close();
  });
});

describe('an answer nobody resumes', () => {
  it('is stopped when the grace period ends: upstream call cancelled, partial text stored once', async () => {
    const conversationId = await conversationOf(alice);
    const socket = await signedInSocket(alice);
    socket.send({ type: 'send', conversationId, model, content: 'Abandon me [[mock words=400 tps=20]]' });
    const started = await socket.next('started');
    await socket.next('delta', (e) => e.seq >= 2);
    const droppedAt = Date.now();
    socket.terminate();
    const stored = await waitFor(async () => {
      const messages = await storedMessages(alice, conversationId);
      return messages.length === 2 ? messages : undefined;
    }, GRACE_MS + 5_000);
    // Not before the grace period, and well before the 20 s the whole answer would take.
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(stored[1]).toMatchObject({ role: 'assistant', state: 'error', error: { type: 'timeout_error' } });
    const words = stored[1]?.text.trim().split(/\s+/).length ?? 0;
    expect(words).toBeGreaterThanOrEqual(3);
    expect(words).toBeLessThan(400);
    expect(await usageStatus(started.requestId)).toBe(499);
    // Forgotten a grace period after it ended: a late resume is refused, and the client reloads.
    await waitFor(async () => {
      const late = await signedInSocket(alice);
      late.send({ type: 'resume', requestId: started.requestId, afterSeq: -1 });
      const answer = await Promise.race([late.next('resume_failed'), late.next('error')]);
      late.close();
      return answer.type === 'resume_failed' ? answer : undefined;
    }, GRACE_MS + 5_000);
  });
});

describe('a server shutting down', () => {
  it('stops the answers still running, stores each as it stands, and closes without waiting for them', async () => {
    const own = await startAuthGateway();
    try {
      const ownClient = api(own);
      const carol = await ownClient.userWithRole('member');
      const created = await ownClient.inject({
        method: 'POST',
        url: '/api/conversations',
        headers: bearer(carol),
      });
      const conversationId = (JSON.parse(created.body) as { id: string }).id;
      const socket = await openChatSocket(own.url);
      socket.send({ type: 'auth', token: carol.accessToken });
      await socket.next('ready');
      socket.send({ type: 'send', conversationId, model, content: 'Long [[mock words=400 tps=20]]' });
      await socket.next('delta', (e) => e.seq >= 2);
      const stoppingAt = Date.now();
      await own.runtime.stop();
      expect(Date.now() - stoppingAt).toBeLessThan(10_000);
      const stored = await own.runtime.store.conversations.listMessages(conversationId, 10);
      expect(stored.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(stored[1]?.content).toMatchObject({ state: 'error', error: { type: 'api_error' } });
    } finally {
      await own.close();
    }
  });
});
