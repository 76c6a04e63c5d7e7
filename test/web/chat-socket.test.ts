/**
 * The chat socket against a real gateway and its mock upstream account: Origin check, first-message
 * authentication, streamed answers with request ids and sequence numbers, stop, storage, usage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webPrincipalKeyId } from '../../src/identity/web-principal.js';
import { api, bearer, type Session, startAuthGateway } from '../auth/support.js';
import { flushUsage, waitFor, type TestGateway } from '../support/gateway.js';
import { chatSteps, openChatSocket } from './chat-client.js';

let gateway: TestGateway;
let client: ReturnType<typeof api>;
let alice: Session;
let bob: Session;
let model: string;

beforeAll(async () => {
  gateway = await startAuthGateway();
  client = api(gateway);
  alice = await client.userWithRole('member');
  bob = await client.userWithRole('viewer');
  const models = await client.inject({ method: 'GET', url: '/api/chat/models', headers: bearer(alice) });
  expect(models.statusCode, models.body).toBe(200);
  const listed = (JSON.parse(models.body) as { data: Array<{ id: string; simulated: boolean }> }).data;
  expect(listed.length).toBeGreaterThan(0);
  expect(listed.every((m) => m.simulated)).toBe(true);
  model = (listed[0] as { id: string }).id;
});
afterAll(() => gateway?.close());

const { conversationOf, signedInSocket, storedMessages } = chatSteps(() => ({
  url: gateway.url,
  inject: (options) => client.inject(options),
}));

describe('the chat socket handshake', () => {
  it('refuses a foreign Origin, and a handshake without one, with 403', async () => {
    await expect(openChatSocket(gateway.url, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    await expect(openChatSocket(gateway.url, {})).rejects.toThrow(/403/);
  });

  it('closes with 4401 on a bad token and on a send before auth', async () => {
    const bad = await openChatSocket(gateway.url);
    bad.send({ type: 'auth', token: 'not-a-token' });
    expect((await bad.closed).code).toBe(4401);
    const early = await openChatSocket(gateway.url);
    early.send({ type: 'send', conversationId: crypto.randomUUID(), model, content: 'hi' });
    expect((await early.closed).code).toBe(4401);
    expect(early.events).toEqual([]);
  });

  it('closes with 4403 for a user who must change their password first', async () => {
    const due = await client.userWithRole('member', { mustChangePassword: true });
    const socket = await openChatSocket(gateway.url);
    socket.send({ type: 'auth', token: due.accessToken });
    expect((await socket.closed).code).toBe(4403);
  });
});

describe('answers over the chat socket', () => {
  it('streams an answer with one request id and consecutive sequence numbers, then stores both turns', async () => {
    const conversationId = await conversationOf(alice);
    const socket = await signedInSocket(alice);
    socket.send({
      type: 'send',
      ref: 'q1',
      conversationId,
      model,
      content: 'Tell me something [[mock words=12]]',
    });
    const started = await socket.next('started');
    expect(started).toMatchObject({ ref: 'q1', conversationId, model, seq: 0 });
    const done = await socket.next('done');
    const answer = socket.events.filter((e) => 'requestId' in e && e.requestId === started.requestId);
    expect(answer.map((e) => (e as { seq: number }).seq)).toEqual(answer.map((_, i) => i));
    const deltas = answer.filter((e) => e.type === 'delta');
    expect(deltas).toHaveLength(12);
    expect(done).toMatchObject({ state: 'complete', stopReason: 'end_turn' });
    expect(done.usage.outputTokens).toBe(12);
    const text = deltas.map((d) => d.text).join('');
    const stored = await storedMessages(alice, conversationId);
    expect(stored.map((m) => [m.role, m.text, m.state])).toEqual([
      ['user', 'Tell me something [[mock words=12]]', null],
      ['assistant', text, 'complete'],
    ]);
    expect(stored[1]?.requestId).toBe(started.requestId);
    // The first question names the conversation.
    const list = await client.inject({ method: 'GET', url: '/api/conversations', headers: bearer(alice) });
    expect(JSON.parse(list.body).data[0]).toMatchObject({
      id: conversationId,
      title: 'Tell me something [[mock words=12]]',
    });
    // Usage is the user's, through the per-user web principal.
    await flushUsage(gateway);
    const [row] = await gateway.runtime.store.usage.list({ requestId: started.requestId });
    expect(row).toMatchObject({
      userId: alice.userId,
      apiKeyId: webPrincipalKeyId(alice.userId),
      status: 200,
      outputTokens: 12,
    });
    socket.close();
  });

  it('sends the earlier turns upstream with the new question', async () => {
    const conversationId = await conversationOf(alice);
    const socket = await signedInSocket(alice);
    socket.send({ type: 'send', conversationId, model, content: 'first question' });
    await socket.next('done');
    socket.send({ type: 'send', conversationId, model, content: 'again [[mock echo]]' });
    const second = await socket.next(
      'started',
      (e) => e.seq === 0 && socket.events.filter((x) => x.type === 'started').length === 2,
    );
    await socket.next('done', (e) => e.requestId === second.requestId);
    const stored = await storedMessages(alice, conversationId);
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(stored[3]?.text).toBe('again');
    socket.close();
  });

  it('stops a long answer: the upstream call is cancelled and the partial text is stored as stopped', async () => {
    const conversationId = await conversationOf(alice);
    const socket = await signedInSocket(alice);
    socket.send({ type: 'send', conversationId, model, content: 'long one [[mock words=400 tps=20]]' });
    const started = await socket.next('started');
    await socket.next('delta', (e) => e.seq >= 3);
    socket.send({ type: 'stop', requestId: started.requestId });
    const done = await socket.next('done');
    expect(done.state).toBe('stopped');
    const text = socket.events
      .filter((e) => e.type === 'delta' && e.requestId === started.requestId)
      .map((e) => (e as { text: string }).text)
      .join('');
    const words = text.trim().split(/\s+/).length;
    expect(words).toBeGreaterThanOrEqual(3);
    expect(words).toBeLessThan(100);
    const stored = await storedMessages(alice, conversationId);
    expect(stored[1]).toMatchObject({ role: 'assistant', text, state: 'stopped' });
    await flushUsage(gateway);
    const [row] = await waitFor(async () => {
      await flushUsage(gateway);
      const rows = await gateway.runtime.store.usage.list({ requestId: started.requestId });
      return rows.length ? rows : undefined;
    });
    expect(row?.status).toBe(499);
    socket.close();
  });

  it("refuses another user's conversation like a missing one; a failing answer ends in an error event", async () => {
    const alices = await conversationOf(alice);
    const socket = await signedInSocket(bob);
    socket.send({ type: 'send', ref: 'x', conversationId: alices, model, content: 'let me in' });
    const rejected = await socket.next('rejected');
    expect(rejected).toMatchObject({ ref: 'x', error: { type: 'not_found_error' } });
    expect(await storedMessages(alice, alices)).toEqual([]);
    const own = await conversationOf(bob);
    socket.send({
      type: 'send',
      conversationId: own,
      model,
      content: '[[mock error-event-after=2 error-type=overloaded_error]]',
    });
    const failed = await socket.next('error');
    expect(failed.error.type).toBe('overloaded_error');
    const stored = await storedMessages(bob, own);
    expect(stored.map((m) => m.state)).toEqual([null, 'error']);
    // What arrived before the error is kept.
    expect(stored[1]?.text.split(' ')).toHaveLength(2);
    socket.close();
  });

  it('checks the session again on every send: after logout the socket refuses', async () => {
    const carol = await client.userWithRole('member');
    const conversationId = await conversationOf(carol);
    const socket = await signedInSocket(carol);
    const logout = await client.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(carol) });
    expect(logout.statusCode).toBe(204);
    socket.send({ type: 'send', ref: 'late', conversationId, model, content: 'still there?' });
    expect(await socket.next('rejected')).toMatchObject({
      ref: 'late',
      error: { type: 'authentication_error' },
    });
    socket.close();
  });
});
