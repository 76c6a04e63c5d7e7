/**
 * GET /api/conversations/search against a real gateway, on PGlite and on PostgreSQL: ranking,
 * highlights as ranges (never markup), Chinese, hostile queries, paging, and that another user's
 * messages never appear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, expectError, startAuthGateway, type Session } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';
import { caller, seedConversation } from './history-support.js';

interface Result {
  conversationId: string;
  conversationTitle: string | null;
  messageId: string;
  role: string;
  createdAt: string;
  snippet: { text: string; highlights: Array<{ start: number; end: number }> };
}
interface Page {
  data: Result[];
  match: 'words' | 'substring' | null;
  next_cursor: string | null;
}

const marked = (r: Result) => r.snippet.highlights.map((h) => r.snippet.text.slice(h.start, h.end));

describe.each(['pglite', 'postgres'] as const)('history search on %s', (database) => {
  let gateway: TestGateway;
  let alice: Session;
  let bob: Session;
  let call: ReturnType<typeof caller>;
  const search = async (q: string, extra = '') => {
    const response = await call('GET', `/api/conversations/search?q=${encodeURIComponent(q)}${extra}`);
    expect(response.statusCode, response.body).toBe(200);
    return JSON.parse(response.body) as Page;
  };
  const seeded: Record<string, { id: string; messageIds: string[] }> = {};

  beforeAll(async () => {
    gateway = await startAuthGateway({ database });
    const client = api(gateway);
    alice = await client.userWithRole('member');
    bob = await client.userWithRole('member');
    call = caller(gateway, alice);
    seeded.redis = await seedConversation(gateway, alice.userId, 'Redis notes', [
      { text: 'How should I configure Redis persistence? Redis AOF or Redis RDB?' },
      {
        text: `Both work. ${'Here is a long digression about disks and fsync. '.repeat(15)}In short, Redis AOF.`,
        model: 'claude-haiku-4-5',
        state: 'complete',
      },
    ]);
    seeded.zh = await seedConversation(gateway, alice.userId, '缓存设计', [
      { text: '请解释一下缓存穿透和缓存雪崩的区别' },
      { text: '缓存穿透是指查询不存在的数据；缓存雪崩是指大量缓存同时失效。' },
    ]);
    seeded.html = await seedConversation(gateway, alice.userId, null, [
      { text: 'What does <b>bold</b> markup do? And <img src=x onerror=alert(1)> markup?' },
    ]);
    seeded.bob = await seedConversation(gateway, bob.userId, 'Bob secrets', [
      { text: 'Bob keeps Redis passwords and 缓存穿透 notes here' },
    ]);
  });
  afterAll(() => gateway?.close());

  it('finds words in both roles, best match first, highlighted as ranges of plain text', async () => {
    const page = await search('redis');
    expect(page.match).toBe('words');
    expect(page.data.map((r) => r.messageId)).toEqual(seeded.redis?.messageIds);
    const [first, second] = page.data as [Result, Result];
    expect(first).toMatchObject({
      conversationId: seeded.redis?.id,
      conversationTitle: 'Redis notes',
      role: 'user',
    });
    expect(second.role).toBe('assistant');
    expect(marked(first)).toEqual(['Redis', 'Redis', 'Redis']);
    expect(marked(second)).toContain('Redis');
    expect(new Date(first.createdAt).toISOString()).toBe('2026-03-01T10:01:00.000Z');
    // Phrases and exclusions in websearch syntax.
    expect((await search('"redis aof" -digression')).data.map((r) => r.messageId)).toEqual([
      seeded.redis?.messageIds[0],
    ]);
  });

  it("never shows another user's messages", async () => {
    for (const q of ['redis', 'bob', 'secrets', '缓存穿透', 'passwords']) {
      const page = await search(q);
      expect(
        page.data.every((r) => r.conversationId !== seeded.bob?.id),
        q,
      ).toBe(true);
    }
    expect((await search('passwords')).data).toEqual([]);
    const bobs = caller(gateway, bob);
    const response = await bobs('GET', '/api/conversations/search?q=redis');
    expect((JSON.parse(response.body) as Page).data.map((r) => r.conversationId)).toEqual([seeded.bob?.id]);
  });

  it('matches Chinese by substring and marks each term', async () => {
    const page = await search('缓存穿透');
    expect(page.match).toBe('substring');
    expect(page.data.map((r) => r.conversationTitle)).toEqual(['缓存设计', '缓存设计']);
    for (const result of page.data) expect(marked(result)).toContain('缓存穿透');
    const two = await search('缓存 雪崩');
    expect(two.data).toHaveLength(2);
    expect(marked(two.data[0] as Result).sort()).toEqual(expect.arrayContaining(['缓存', '雪崩']));
    // A run of Han characters is one word to the text-search parser: substring matching finds inside it.
    expect((await search('穿透')).data).toHaveLength(2);
  });

  it('returns markup in messages as text inside the snippet, and no markup of its own', async () => {
    const page = await search('markup');
    expect(page.data).toHaveLength(1);
    const [result] = page.data as [Result];
    expect(result.conversationTitle).toBeNull();
    // Verbatim: PostgreSQL's own headlines would have dropped the tags.
    expect(result.snippet.text).toBe(
      'What does <b>bold</b> markup do? And <img src=x onerror=alert(1)> markup?',
    );
    expect(result.snippet.text).not.toMatch(/<\/?mark|\uE000|\uE001/);
    expect(marked(result)).toEqual(['markup', 'markup']);
  });

  it('treats SQL, tsquery operators and odd input as text', async () => {
    for (const q of [
      "'; drop table conversation_messages; --",
      'redis & !aof | (x <-> y):*',
      '"unbalanced',
      '\\',
      '%_',
      '!!!',
      '\uE000redis\uE001',
      '缓存%',
    ]) {
      const response = await call('GET', `/api/conversations/search?q=${encodeURIComponent(q)}`);
      expect(response.statusCode, `${q}: ${response.body}`).toBe(200);
      const page = JSON.parse(response.body) as Page;
      expect(page.data.every((r) => r.conversationId !== seeded.bob?.id)).toBe(true);
    }
    expect((await search('redis')).data).toHaveLength(2);
    expect((await search('  ')).data).toEqual([]);
    expect((await search('')).match).toBeNull();
  });

  it('pages with a cursor, and refuses bad parameters with 400', async () => {
    const first = await search('缓存', '&limit=1');
    expect(first.data).toHaveLength(1);
    expect(first.next_cursor).not.toBeNull();
    const second = await search('缓存', `&limit=1&cursor=${first.next_cursor}`);
    expect(second.data).toHaveLength(1);
    expect(second.data[0]?.messageId).not.toBe(first.data[0]?.messageId);
    expect(second.next_cursor).toBeNull();
    for (const bad of ['&cursor=nonsense', '&limit=0', '&limit=51', `&q=${'x'.repeat(201)}`, '&other=1']) {
      const response = await call('GET', `/api/conversations/search?q=redis${bad}`);
      expectError(response, 400, 'invalid_request_error');
    }
  });
});
