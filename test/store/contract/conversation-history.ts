import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MessageSearchHit, MessageSearchMatch, Store } from '../../../src/store/index.js';
import { newUser, useStore, type OpenStore } from './harness.js';

const words = (query: string): MessageSearchMatch => ({ kind: 'words', query });
const substring = (...terms: string[]): MessageSearchMatch => ({ kind: 'substring', terms });

async function conversationOf(store: Store, userId: string, title: string, contents: unknown[]) {
  const conversation = await store.conversations.insert({ id: randomUUID(), userId, title, pinned: false });
  const ids: string[] = [];
  let at = Date.parse('2026-03-01T10:00:00.000Z');
  for (const [i, content] of contents.entries()) {
    const id = randomUUID();
    ids.push(id);
    at += 60_000;
    await store.conversations.appendMessage({
      id,
      conversationId: conversation.id,
      role: i % 2 === 0 ? 'user' : 'assistant',
      content,
      createdAt: new Date(at),
    });
  }
  return { conversation, ids };
}

export function conversationHistoryContract(open: OpenStore): void {
  describe('conversationHistory', () => {
    const store = useStore(open);
    const search = (userId: string, match: MessageSearchMatch, limit = 10) =>
      store().conversationHistory.search(userId, match, { limit });
    const idsOf = (hits: MessageSearchHit[]) => hits.map((h) => h.messageId);
    let alice: string;
    let bob: string;
    let dense: string;
    let sparse: string;
    let chinese: string;
    let blocks: string;
    beforeAll(async () => {
      alice = (await store().users.insert(newUser())).id;
      bob = (await store().users.insert(newUser())).id;
      const tuning = await conversationOf(store(), alice, 'Tuning', [
        { text: 'How do I tune PostgreSQL vacuum? PostgreSQL autovacuum and PostgreSQL settings.' },
        {
          text: `${'Many other words about disks, memory and caches. '.repeat(20)}Also PostgreSQL once.`,
          model: 'claude-haiku-4-5',
          state: 'complete',
        },
      ]);
      [dense, sparse] = tuning.ids as [string, string];
      const cn = await conversationOf(store(), alice, '数据库', [
        { text: '今天我们讨论数据库的设计和索引' },
        { text: '好的，数据库设计首先要考虑范式。' },
      ]);
      chinese = cn.ids[0] as string;
      const attached = await conversationOf(store(), alice, 'Blocks', [
        {
          text: '',
          blocks: [
            { type: 'text', text: 'zebra crossing notes' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'c2VjcmV0aW1hZ2U=' } },
            { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { query: 'hiddenword' } },
          ],
          attachments: [{ id: randomUUID(), name: 'plan.pdf', mediaType: 'application/pdf', size: 10 }],
        },
      ]);
      blocks = attached.ids[0] as string;
      await conversationOf(store(), bob, 'Bob', [
        { text: 'Bob also asks about PostgreSQL and 数据库 and zebra' },
      ]);
    });

    it('finds words, best rank first, and returns the searchable text', async () => {
      const hits = await search(alice, words('postgresql'));
      expect(idsOf(hits)).toEqual([dense, sparse]);
      expect((hits[0] as MessageSearchHit).rank).toBeGreaterThan((hits[1] as MessageSearchHit).rank);
      expect(hits[0]).toMatchObject({
        conversationTitle: 'Tuning',
        role: 'user',
        text: 'How do I tune PostgreSQL vacuum? PostgreSQL autovacuum and PostgreSQL settings.',
        createdAt: new Date('2026-03-01T10:01:00.000Z'),
      });
      expect(hits[1]?.role).toBe('assistant');
      // Case does not matter; websearch syntax: phrases and exclusions.
      expect(idsOf(await search(alice, words('"POSTGRESQL autovacuum"')))).toEqual([dense]);
      expect(idsOf(await search(alice, words('postgresql -vacuum')))).toEqual([sparse]);
      expect(idsOf(await search(alice, words('autovacuum or disks')))).toEqual([dense, sparse]);
    });

    it("never returns another user's messages", async () => {
      for (const match of [words('postgresql'), words('zebra'), substring('数据库'), substring('bob')]) {
        const hits = await search(alice, match, 50);
        expect(
          hits.every((h) => h.conversationTitle !== 'Bob'),
          JSON.stringify(match),
        ).toBe(true);
      }
      expect((await search(bob, words('postgresql'), 50)).map((h) => h.conversationTitle)).toEqual(['Bob']);
      expect(await search('not-a-uuid', words('postgresql'))).toEqual([]);
    });

    it('matches Chinese by substring, newest first', async () => {
      // The parser keeps a run of Han characters as one word, so '数据' does not match as a word.
      expect(await search(alice, words('数据'))).toEqual([]);
      const hits = await search(alice, substring('数据'));
      expect(hits.map((h) => h.conversationTitle)).toEqual(['数据库', '数据库']);
      expect(hits[1]).toMatchObject({ messageId: chinese, text: '今天我们讨论数据库的设计和索引', rank: 0 });
      // Every term must appear, in whatever order.
      const both = await search(alice, substring('范式', '数据库'));
      expect(both.map((h) => h.text)).toEqual(['好的，数据库设计首先要考虑范式。']);
      expect(await search(alice, substring('数据库', '不存在'))).toEqual([]);
      // A term with a character JSON escapes is matched on the text itself, not the raw document.
      const windows = await conversationOf(store(), alice, 'Paths', [{ text: '文件在 C:\\数据\\"报告" 里' }]);
      expect(idsOf(await search(alice, substring('\\数据\\"报告"')))).toEqual(windows.ids);
      expect(idsOf(await search(alice, substring('数据\\"报')))).toEqual(windows.ids);
    });

    it('joins text blocks to the text, and cuts very long texts', async () => {
      const joined = await conversationOf(store(), alice, 'Joined', [
        { text: 'first part', blocks: [{ type: 'text', text: 'second part' }] },
        [
          { type: 'text', text: 'array shaped' },
          { type: 'text', text: 'content part' },
        ],
        { text: `${'long '.repeat(50_000)}needle` },
      ]);
      const hits = await search(alice, words('part'));
      expect(hits.map((h) => h.text).sort()).toEqual([
        'array shaped\ncontent part',
        'first part\nsecond part',
      ]);
      // Found by the index over the whole text, returned cut.
      const [long] = await search(alice, words('needle'));
      expect(long?.messageId).toBe(joined.ids[2]);
      expect(long?.text.length).toBe(200_000);
    });

    it('indexes text blocks, not images, tool input or file names', async () => {
      const hits = await search(alice, words('zebra'));
      expect(idsOf(hits)).toEqual([blocks]);
      expect(hits[0]?.text).toBe('\nzebra crossing notes');
      for (const hidden of ['c2VjcmV0aW1hZ2U', 'hiddenword', 'lookup', 'image/png', 'plan.pdf']) {
        expect(await search(alice, words(hidden)), hidden).toEqual([]);
      }
    });

    it('treats SQL and tsquery syntax in the query as text', async () => {
      for (const query of [
        "'); drop table conversation_messages; --",
        'postgresql & !x | y <-> z:*',
        '"unterminated',
        '\\',
        '%_%',
        '!!! ::: ***',
        '\uE000',
      ]) {
        await expect(search(alice, words(query)), query).resolves.toBeInstanceOf(Array);
        // Taken literally: whatever matches holds the query as typed.
        const literal = await search(alice, substring(query));
        expect(
          literal.every((h) => h.text.includes(query)),
          query,
        ).toBe(true);
      }
      expect(await search(alice, words('postgresql'))).toHaveLength(2);
      expect(await search(alice, substring('%'))).toEqual([]);
      expect(await search(alice, substring("'; drop"))).toEqual([]);
    });

    it('imports conversations with their messages and files in one transaction: all or none', async () => {
      const owner = (await store().users.insert(newUser())).id;
      const at = new Date('2026-04-01T00:00:00.000Z');
      const one = (title: string, messageId = randomUUID()) => {
        const id = randomUUID();
        return {
          conversation: { id, title, pinned: true, createdAt: at, updatedAt: at },
          messages: [
            {
              id: messageId,
              conversationId: id,
              role: 'user' as const,
              content: { text: `${title} imported` },
              createdAt: at,
            },
          ],
          attachments: [
            {
              id: randomUUID(),
              conversationId: id,
              name: 'a.png',
              mediaType: 'image/png',
              size: 3,
              data: 'AAAA',
              createdAt: at,
            },
          ],
        };
      };
      const first = one('First');
      await store().conversationHistory.importConversations(owner, [first, one('Second')]);
      const listed = await store().conversations.listByUser(owner, 10);
      expect(listed.map((c) => c.title).sort()).toEqual(['First', 'Second']);
      // Times and pins as given, not now() and false.
      expect(listed.every((c) => c.pinned && c.createdAt.getTime() === at.getTime())).toBe(true);
      expect(listed.every((c) => c.updatedAt.getTime() === at.getTime())).toBe(true);
      expect(
        (await store().conversations.listMessages(first.conversation.id, 10)).map((m) => m.content),
      ).toEqual([{ text: 'First imported' }]);
      expect(await store().chatAttachments.getOwned(first.attachments[0]?.id ?? '', owner)).toMatchObject({
        conversationId: first.conversation.id,
        data: 'AAAA',
      });
      expect((await search(owner, words('imported'))).length).toBe(2);
      // The second conversation reuses a message id: the whole import fails and leaves nothing.
      const clash = one('Clash', first.messages[0]?.id);
      await expect(
        store().conversationHistory.importConversations(owner, [one('Third'), clash]),
      ).rejects.toThrow();
      expect((await store().conversations.listByUser(owner, 10)).map((c) => c.title).sort()).toEqual([
        'First',
        'Second',
      ]);
    });

    it('pages with a cursor: no result twice, none lost', async () => {
      const conversation = await conversationOf(
        store(),
        alice,
        'Pages',
        Array.from({ length: 7 }, (_, i) => ({ text: `paging test ${'paging '.repeat(i)}` })),
      );
      for (const match of [words('paging'), substring('paging')]) {
        const seen: string[] = [];
        let after: MessageSearchHit | undefined;
        for (let round = 0; round < 10; round++) {
          const hits = await store().conversationHistory.search(alice, match, {
            limit: 3,
            ...(after
              ? { after: { rank: after.rank, createdAt: after.createdAt, messageId: after.messageId } }
              : {}),
          });
          seen.push(...idsOf(hits));
          after = hits.at(-1);
          if (hits.length < 3) break;
        }
        expect(seen.sort()).toEqual([...conversation.ids].sort());
      }
    });
  });
}
