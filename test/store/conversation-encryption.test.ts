/**
 * CONVERSATION_ENCRYPTION (docs/conversation-encryption.md) on both databases: what reaches the
 * tables is ciphertext, what the services return is the plaintext, old plaintext rows stay
 * readable, envelopes cannot change rows, search/export/import work and rotation re-seals.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resealConversations, staleConversationRows } from '../../src/backup/reseal-conversations.js';
import { sqlOf } from '../../src/backup/sql.js';
import { SecretBox } from '../../src/identity/secret-box.js';
import { conversationHistoryServices } from '../../src/services/conversation-history-services.js';
import { SCAN_MAX } from '../../src/services/conversation-search.js';
import { ConversationsService } from '../../src/services/conversations.js';
import { openValue, SealedContentError, sealValue } from '../../src/store/sealed-content.js';
import { sealedConversationRepositories } from '../../src/store/sealed-conversations.js';
import { freshStore, type Kind, type TestStore } from '../ops/support.js';
import { newUser } from './contract/harness.js';

const MARKER = `zebra${randomBytes(4).toString('hex')}`;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const FILE = Buffer.concat([PNG, Buffer.from(`bytes ${MARKER} bytes`)]);
const limits = { imageMaxBytes: 5_000_000, pdfMaxBytes: 5_000_000 };

describe.each<Kind>(['pglite', 'postgres'])('conversation encryption on %s', (kind) => {
  const key = randomBytes(32);
  const box = new SecretBox(key);
  let db: TestStore;
  let userId: string;
  const sealed = () => sealedConversationRepositories(db.store, box, true);
  const plain = () => sealedConversationRepositories(db.store, box, false);
  const raw = async () => {
    const q = sqlOf(db.store);
    const rows = await q.query<{ v: string }>(sql`
      select title as v from conversations where title is not null
      union all select content::text from conversation_messages
      union all select data from chat_attachments`);
    return rows.map((r) => r.v).join('\n');
  };

  /** A conversation with a titled question (carrying a file) and an answer, all holding MARKER. */
  async function seed(repos = sealed()) {
    const service = new ConversationsService(repos.conversations);
    const conversation = await service.create(userId, { title: `Title ${MARKER}` });
    const fileId = randomUUID();
    await repos.chatAttachments.insert({
      id: fileId,
      userId,
      conversationId: null,
      name: 'pic.png',
      mediaType: 'image/png',
      size: FILE.length,
      data: FILE.toString('base64'),
    });
    await repos.chatAttachments.claim([fileId], userId, conversation.id);
    const record = await service.get(userId, conversation.id);
    const at = Date.now();
    await service.addQuestion(record, `question about ${MARKER}`, new Date(at), [
      { id: fileId, name: 'pic.png', mediaType: 'image/png', size: FILE.length },
    ]);
    await service.addAnswer(
      conversation.id,
      { text: `answer with ${MARKER}`, state: 'complete' },
      new Date(at + 1),
    );
    return { service, conversationId: conversation.id, fileId };
  }

  beforeAll(async () => {
    db = await freshStore(kind);
    userId = (await db.store.users.insert(newUser())).id;
  });
  afterAll(async () => {
    await db?.close();
  });

  it('stores no plaintext of a title, message or file, and gives it all back', async () => {
    const { service, conversationId, fileId } = await seed();
    const stored = await raw();
    expect(stored).not.toContain(MARKER);
    expect(stored).not.toContain(FILE.toString('base64'));
    expect(stored).toContain('{"sealed": "v2:');
    expect((await service.get(userId, conversationId)).title).toBe(`Title ${MARKER}`);
    const messages = await service.messages(userId, conversationId);
    expect(messages.map((m) => m.text)).toEqual([`question about ${MARKER}`, `answer with ${MARKER}`]);
    expect(messages[0]?.attachments[0]?.id).toBe(fileId);
    const file = await sealed().chatAttachments.getOwned(fileId, userId);
    expect(Buffer.from(file?.data ?? '', 'base64').equals(FILE)).toBe(true);
    expect((await service.list(userId)).map((c) => c.title)).toContain(`Title ${MARKER}`);
  });

  it('reads plaintext rows from before the switch and sealed rows after it is turned off', async () => {
    const before = await seed(plain());
    expect(await raw()).toContain(`question about ${MARKER}`);
    const after = await seed(sealed());
    for (const repos of [sealed(), plain()]) {
      const service = new ConversationsService(repos.conversations);
      for (const id of [before.conversationId, after.conversationId]) {
        expect((await service.messages(userId, id)).map((m) => m.text)).toEqual([
          `question about ${MARKER}`,
          `answer with ${MARKER}`,
        ]);
        expect((await service.get(userId, id)).title).toBe(`Title ${MARKER}`);
      }
    }
    // A plaintext title shaped like a sealed one is sealed even with encryption off: never ambiguous.
    const odd = await new ConversationsService(plain().conversations).create(userId, {
      title: 'sealed:v2:x',
    });
    expect((await new ConversationsService(plain().conversations).get(userId, odd.id)).title).toBe(
      'sealed:v2:x',
    );
  });

  it('refuses a sealed message moved to another row, with an error that names the row', async () => {
    const { service, conversationId } = await seed();
    const [question, answer] = await db.store.conversations.listMessages(conversationId, 10);
    const q = sqlOf(db.store);
    await q.query(sql`update conversation_messages set content = ${JSON.stringify(answer?.content)}::jsonb
      where id = ${question?.id}::uuid`);
    const error = await service.messages(userId, conversationId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SealedContentError);
    expect((error as SealedContentError).status).toBe(500);
    expect((error as Error).message).toContain(`conversation_messages.content of ${question?.id}`);
    // A title's envelope cannot become a message of the same id either: the column is bound too.
    const title = sealValue(box, 'conversations.title', question?.id as string, '"x"') as string;
    const moved = { sealed: title.slice('sealed:'.length) };
    expect(() => openValue(box, 'conversations.title', question?.id as string, title)).not.toThrow();
    expect(() => openValue(box, 'conversation_messages.content', question?.id as string, moved)).toThrow(
      SealedContentError,
    );
  });

  it('finds encrypted messages by scanning, with snippets, skips rows no key opens, says when the scan was cut', async () => {
    await seed();
    const history = conversationHistoryServices(sealed(), limits, true);
    const page = await history.search.search(userId, { q: `answer ${MARKER}` });
    expect(page.partial).toBe(false);
    expect(page.data.length).toBeGreaterThan(0);
    expect(page.data[0]?.snippet.text).toContain(MARKER);
    expect(page.data[0]?.snippet.highlights.length).toBeGreaterThan(0);
    expect(page.data[0]?.conversationTitle).toBe(`Title ${MARKER}`);
    // The SQL index sees none of the sealed messages.
    const indexed = conversationHistoryServices(sealed(), limits, false);
    const sealedIds = new Set(
      (
        await sqlOf(db.store).query<{ id: string }>(sql`
        select id::text as id from conversation_messages where content ? 'sealed'`)
      ).map((r) => r.id),
    );
    const viaIndex = await indexed.search.search(userId, { q: MARKER, limit: 50 });
    expect(viaIndex.data.some((hit) => sealedIds.has(hit.messageId))).toBe(false);
    const { ConversationSearchService } = await import('../../src/services/conversation-search.js');
    const bounded = new ConversationSearchService(sealed().conversationHistory, { max: 1 });
    const cut = await bounded.search(userId, { q: 'nothing-matches-this' });
    expect(cut).toMatchObject({ data: [], partial: true });
  });

  it('scans at most SCAN_MAX sealed messages per search, and measures how long that takes', async () => {
    await sqlOf(db.store).query(sql`delete from conversations`);
    const conversationId = randomUUID();
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    await sealed().conversationHistory.importConversations(userId, [
      {
        conversation: {
          id: conversationId,
          title: 'many',
          pinned: false,
          createdAt: new Date(start),
          updatedAt: new Date(start),
        },
        messages: Array.from({ length: SCAN_MAX + 1 }, (_, i) => ({
          id: randomUUID(),
          conversationId,
          role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
          content: { text: `message ${i} ${'lorem ipsum dolor sit amet '.repeat(20)}` },
          createdAt: new Date(start + i * 1_000),
        })),
        attachments: [],
      },
    ]);
    const history = conversationHistoryServices(sealed(), limits, true);
    const began = process.hrtime.bigint();
    const page = await history.search.search(userId, { q: 'nowhere' });
    const ms = Number(process.hrtime.bigint() - began) / 1e6;
    process.stderr.write(
      `${kind}: a search scanning ${SCAN_MAX} sealed 560-byte messages took ${ms.toFixed(0)} ms\n`,
    );
    expect(page).toMatchObject({ data: [], partial: true });
    // The oldest message is beyond the bound; the newest are found.
    expect((await history.search.search(userId, { q: 'message 0' })).data).toEqual([]);
    expect((await history.search.search(userId, { q: `"message ${SCAN_MAX}"`, limit: 1 })).data).toHaveLength(
      1,
    );
  });

  it('exports plaintext and imports sealed', async () => {
    await sqlOf(db.store).query(sql`delete from conversations`);
    const { conversationId } = await seed();
    const history = conversationHistoryServices(sealed(), limits, true);
    const exported = await history.archive.export(userId, conversationId, 'json');
    let text = '';
    for await (const chunk of exported.chunks) text += chunk;
    expect(text).toContain(`answer with ${MARKER}`);
    expect(text).toContain(FILE.toString('base64'));
    const report = await history.archive.import(userId, JSON.parse(text));
    expect(report.imported).toEqual({ conversations: 1, messages: 2, attachments: 1 });
    const newId = report.conversations[0]?.id as string;
    expect(await raw()).not.toContain(MARKER);
    const service = new ConversationsService(sealed().conversations);
    const messages = await service.messages(userId, newId);
    expect(messages.map((m) => m.text)).toEqual([`question about ${MARKER}`, `answer with ${MARKER}`]);
    const file = await sealed().chatAttachments.getOwned(messages[0]?.attachments[0]?.id as string, userId);
    expect(Buffer.from(file?.data ?? '', 'base64').equals(FILE)).toBe(true);
  });

  it('seals old plaintext rows, and rotation re-seals every row under the new key', async () => {
    await sqlOf(db.store).query(sql`delete from conversations`);
    await seed(plain());
    const { conversationId } = await seed(sealed());
    const sealing = await resealConversations(db.store, box, 2, 'seal');
    expect(sealing.resealed).toBe(4);
    expect(await raw()).not.toContain(MARKER);

    const newKey = randomBytes(32);
    const rotating = new SecretBox({ current: newKey, previous: [key] });
    expect(await staleConversationRows(db.store, rotating.keyId)).toBe(8);
    const report = await resealConversations(db.store, rotating, 3);
    expect(report).toEqual({ resealed: 8, current: 0, raced: 0, unreadable: 0 });
    expect(await staleConversationRows(db.store, rotating.keyId)).toBe(0);
    const onlyNew = sealedConversationRepositories(db.store, new SecretBox(newKey), true);
    const messages = await new ConversationsService(onlyNew.conversations).messages(userId, conversationId);
    expect(messages.map((m) => m.text)).toEqual([`question about ${MARKER}`, `answer with ${MARKER}`]);
    const oldOnly = sealedConversationRepositories(db.store, new SecretBox(key), true);
    await expect(oldOnly.conversations.listMessages(conversationId, 10)).rejects.toThrow(SealedContentError);
  });
});

describe('conversation encryption cost', () => {
  it('costs microseconds per message write and read', () => {
    const box = new SecretBox(randomBytes(32));
    const content = { text: 'word '.repeat(200), model: 'claude-sonnet-4-5', state: 'complete' };
    const id = randomUUID();
    const n = 2_000;
    let stored: unknown;
    let start = process.hrtime.bigint();
    for (let i = 0; i < n; i++)
      stored = sealValue(box, 'conversation_messages.content', id, JSON.stringify(content));
    const writeUs = Number(process.hrtime.bigint() - start) / 1_000 / n;
    start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) openValue(box, 'conversation_messages.content', id, stored);
    const readUs = Number(process.hrtime.bigint() - start) / 1_000 / n;
    process.stderr.write(
      `conversation encryption, 1 KB message: seal ${writeUs.toFixed(1)} µs, open ${readUs.toFixed(1)} µs\n`,
    );
    expect(openValue(box, 'conversation_messages.content', id, stored)).toEqual(content);
    expect(writeUs).toBeLessThan(1_000);
    expect(readUs).toBeLessThan(1_000);
  });
});
