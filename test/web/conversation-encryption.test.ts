/**
 * CONVERSATION_ENCRYPTION=true through the API, on PGlite and PostgreSQL
 * (docs/conversation-encryption.md): an import is stored sealed, every read returns plaintext,
 * search finds sealed messages, export gives plaintext back, and a tampered row answers an error.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOf } from '../../src/backup/sql.js';
import { api, expectError, startAuthGateway, type Session } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';
import { caller, PNG } from './history-support.js';

const MARKER = `quokka${randomBytes(4).toString('hex')}`;
const T = '2026-03-01T10:00:00.000Z';
const archive = JSON.stringify({
  format: 'switchyard.conversations',
  version: 1,
  conversations: [
    {
      title: `About ${MARKER}`,
      pinned: false,
      createdAt: T,
      updatedAt: T,
      messages: [
        {
          role: 'user',
          content: {
            text: `tell me about ${MARKER}`,
            attachments: [{ id: 'f1', name: 'dot.png', mediaType: 'image/png', size: PNG.length }],
          },
          createdAt: T,
        },
        { role: 'assistant', content: { text: `${MARKER} is a marsupial`, state: 'complete' }, createdAt: T },
      ],
      attachments: [
        {
          id: 'f1',
          name: 'dot.png',
          mediaType: 'image/png',
          size: PNG.length,
          createdAt: T,
          data: PNG.toString('base64'),
        },
      ],
    },
  ],
});

describe.each(['pglite', 'postgres'] as const)('conversation encryption on %s', (database) => {
  let gateway: TestGateway;
  let alice: Session;
  let call: ReturnType<typeof caller>;
  let conversationId: string;
  const stored = async () =>
    (
      await sqlOf(gateway.runtime.store).query<{ v: string }>(sql`
        select title as v from conversations union all select content::text from conversation_messages
        union all select data from chat_attachments`)
    )
      .map((r) => r.v)
      .join('\n');

  beforeAll(async () => {
    gateway = await startAuthGateway({ database, env: { CONVERSATION_ENCRYPTION: 'true' } });
    alice = await api(gateway).userWithRole('member');
    call = caller(gateway, alice);
    const imported = await call('POST', '/api/conversations/import', archive);
    expect(imported.statusCode, imported.body).toBe(200);
    conversationId = (JSON.parse(imported.body) as { conversations: Array<{ id: string }> }).conversations[0]
      ?.id as string;
  });
  afterAll(() => gateway?.close());

  it('stores ciphertext and answers plaintext', async () => {
    const raw = await stored();
    expect(raw).not.toContain(MARKER);
    expect(raw).not.toContain(PNG.toString('base64'));
    const created = await call('POST', '/api/conversations', JSON.stringify({ title: `New ${MARKER}` }));
    expect(created.statusCode, created.body).toBe(201);
    expect(await stored()).not.toContain(MARKER);
    const list = await call('GET', '/api/conversations');
    expect(list.body).toContain(`About ${MARKER}`);
    expect(list.body).toContain(`New ${MARKER}`);
    const messages = await call('GET', `/api/conversations/${conversationId}/messages`);
    expect(messages.statusCode, messages.body).toBe(200);
    expect(messages.body).toContain(`tell me about ${MARKER}`);
    expect(messages.body).toContain(`${MARKER} is a marsupial`);
  });

  it('searches sealed messages in the server and exports plaintext', async () => {
    const found = await call('GET', `/api/conversations/search?q=marsupial`);
    expect(found.statusCode, found.body).toBe(200);
    const page = JSON.parse(found.body) as {
      data: Array<{ messageId: string; conversationTitle: string; snippet: { text: string } }>;
      partial: boolean;
    };
    expect(page.partial).toBe(false);
    expect(page.data).toHaveLength(1);
    expect(page.data[0]?.snippet.text).toBe(`${MARKER} is a marsupial`);
    expect(page.data[0]?.conversationTitle).toBe(`About ${MARKER}`);
    const exported = await call('GET', `/api/conversations/${conversationId}/export?format=json`);
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.body).toContain(`${MARKER} is a marsupial`);
    expect(exported.body).toContain(PNG.toString('base64'));
  });

  it('answers an API error, not a crash, for a sealed message moved to another row', async () => {
    const q = sqlOf(gateway.runtime.store);
    const rows = await q.query<{ id: string; content: string }>(sql`
      select id::text as id, content::text as content from conversation_messages
      where conversation_id = ${conversationId}::uuid order by created_at, id`);
    const [first, second] = rows;
    await q.query(sql`update conversation_messages set content = ${second?.content}::jsonb
      where id = ${first?.id}::uuid`);
    const broken = await call('GET', `/api/conversations/${conversationId}/messages`);
    expectError(broken, 500, 'api_error');
    // The server still serves everything else.
    const list = await call('GET', '/api/conversations');
    expect(list.statusCode).toBe(200);
  });
});
