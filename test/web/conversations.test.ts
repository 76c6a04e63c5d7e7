/** The conversations API: what a signed-in user can do with their own conversations. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, bearer, expectError, type Session, startAuthGateway } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';

let gateway: TestGateway;
let client: ReturnType<typeof api>;
let viewer: Session;

beforeAll(async () => {
  gateway = await startAuthGateway();
  client = api(gateway);
  viewer = await client.userWithRole('viewer');
});
afterAll(() => gateway?.close());

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  client.inject({
    method,
    url,
    headers: bearer(viewer),
    ...(payload === undefined
      ? {}
      : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });

interface Conversation {
  id: string;
  title: string | null;
  pinned: boolean;
  updatedAt: string;
}

describe('/api/conversations', () => {
  it('creates with or without a title, renames, pins first, deletes with its messages', async () => {
    const bare = await call('POST', '/api/conversations');
    expect(bare.statusCode, bare.body).toBe(201);
    const untitled = JSON.parse(bare.body) as Conversation;
    expect(untitled).toMatchObject({ title: null, pinned: false });
    const named = JSON.parse(
      (await call('POST', '/api/conversations', { title: '  Plans  ' })).body,
    ) as Conversation;
    expect(named.title).toBe('Plans');

    const renamed = await call('PATCH', `/api/conversations/${untitled.id}`, { title: 'Renamed' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(JSON.parse(renamed.body)).toMatchObject({ id: untitled.id, title: 'Renamed' });
    // The most recently touched first, unless pinned.
    const order = async () =>
      (JSON.parse((await call('GET', '/api/conversations')).body) as { data: Conversation[] }).data.map(
        (c) => c.title,
      );
    expect(await order()).toEqual(['Renamed', 'Plans']);
    await call('PATCH', `/api/conversations/${named.id}`, { pinned: true });
    expect(await order()).toEqual(['Plans', 'Renamed']);

    await gateway.runtime.store.conversations.appendMessage({
      id: crypto.randomUUID(),
      conversationId: named.id,
      role: 'user',
      content: { text: 'hello' },
      createdAt: new Date(),
    });
    const messages = await call('GET', `/api/conversations/${named.id}/messages`);
    expect(JSON.parse(messages.body).data).toMatchObject([{ role: 'user', text: 'hello', state: null }]);
    const deleted = await call('DELETE', `/api/conversations/${named.id}`);
    expect(deleted.statusCode).toBe(204);
    expect(await order()).toEqual(['Renamed']);
    expect(await gateway.runtime.store.conversations.listMessages(named.id, 10)).toEqual([]);
    expectError(await call('DELETE', `/api/conversations/${named.id}`), 404, 'not_found_error');
  });

  it('refuses bad input with 400 and names the field', async () => {
    const { id } = JSON.parse((await call('POST', '/api/conversations', {})).body) as Conversation;
    expect(
      expectError(await call('PATCH', `/api/conversations/${id}`, {}), 400, 'invalid_request_error'),
    ).toMatch(/title or pinned/);
    expect(
      expectError(
        await call('PATCH', `/api/conversations/${id}`, { title: ' ' }),
        400,
        'invalid_request_error',
      ),
    ).toMatch(/^title/);
    expectError(
      await call('PATCH', `/api/conversations/${id}`, { pinned: 'yes' }),
      400,
      'invalid_request_error',
    );
    expectError(
      await call('POST', '/api/conversations', { title: 'x', userId: viewer.userId }),
      400,
      'invalid_request_error',
    );
    expectError(await call('POST', '/api/conversations', '{not json'), 400, 'invalid_request_error');
    expectError(
      await call('PATCH', `/api/conversations/${id}`, { title: 'x'.repeat(201) }),
      400,
      'invalid_request_error',
    );
  });

  it('lists the models the pool serves, and refuses the local admin token (it has no account)', async () => {
    const models = await call('GET', '/api/chat/models');
    expect(models.statusCode).toBe(200);
    const data = (JSON.parse(models.body) as { data: Array<{ id: string }> }).data;
    expect(data.map((m) => m.id)).toContain('claude-haiku-4-5-20251001');
    for (const url of ['/api/chat/models', '/api/conversations']) {
      const local = await client.inject({ method: 'GET', url, headers: client.asAdminToken });
      expectError(local, 403, 'permission_error');
    }
  });

  it("lists only the models the user's allowed models permit", async () => {
    const limited = await client.userWithRole('member');
    await gateway.runtime.store.users.update(limited.userId, {
      allowedModels: ['claude-haiku-4-5-20251001'],
    });
    const models = await client.inject({ method: 'GET', url: '/api/chat/models', headers: bearer(limited) });
    const ids = (JSON.parse(models.body) as { data: Array<{ id: string }> }).data.map((m) => m.id);
    expect(ids).toEqual(['claude-haiku-4-5-20251001']);
  });
});
