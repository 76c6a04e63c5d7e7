/**
 * `switchyard rotate-master-key` with sealed conversations (docs/conversation-encryption.md): the
 * command re-seals them with the credentials, and `--finish` refuses while a conversation row is
 * not under the new key. Runs the command's function in this process (the vitest pool forks, so
 * the environment it reads is this file's own).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staleConversationRows } from '../../src/backup/reseal-conversations.js';
import { sqlOf } from '../../src/backup/sql.js';
import { encryptConversationsCommand } from '../../src/cli/conversations-encrypt.js';
import { rotateMasterKeyCommand } from '../../src/cli/rotate-master-key.js';
import { SecretBox } from '../../src/identity/secret-box.js';
import { ConversationsService } from '../../src/services/conversations.js';
import { openStore, type Store } from '../../src/store/index.js';
import { sealedConversationRepositories } from '../../src/store/sealed-conversations.js';
import { newUser } from '../store/contract/harness.js';
import { createTestDatabase } from '../support/postgres.js';
import { scratchDir } from './support.js';

describe('rotate-master-key with sealed conversations', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let store: Store;
  let drop: () => Promise<void>;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let conversationId: string;
  let userId: string;

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    scratch = await scratchDir();
    store = await openStore({ kind: 'postgres', url: database.url });
    Object.assign(process.env, {
      DATABASE_URL: database.url,
      SWITCHYARD_DATA_DIR: scratch.dir,
      SWITCHYARD_MASTER_KEY: newKey.toString('hex'),
      SWITCHYARD_PREVIOUS_MASTER_KEY: oldKey.toString('hex'),
      LOG_LEVEL: 'silent',
    });
    userId = (await store.users.insert(newUser())).id;
    const service = new ConversationsService(
      sealedConversationRepositories(store, new SecretBox(oldKey), true).conversations,
    );
    const conversation = await service.create(userId, { title: 'secret plans' });
    conversationId = conversation.id;
    await service.addQuestion(await service.get(userId, conversationId), 'the plan is', new Date());
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
    await scratch?.remove();
  });

  it('re-seals conversations, and --finish counts a conversation row it could not', async () => {
    const stranger = new SecretBox(randomBytes(32));
    const strangerConversation = await new ConversationsService(
      sealedConversationRepositories(store, stranger, true).conversations,
    ).create(userId, { title: 'under a key nobody holds' });
    expect(await staleConversationRows(store, new SecretBox(newKey).keyId)).toBe(3);

    await expect(rotateMasterKeyCommand({ finish: true, batchSize: 1 })).rejects.toThrow(
      /1 sealed value\(s\) \(credentials, conversation rows\) are still not under the new key/,
    );
    await sqlOf(store).query(sql`delete from conversations where id = ${strangerConversation.id}::uuid`);
    await expect(rotateMasterKeyCommand({ finish: true, batchSize: 1 })).resolves.toBeUndefined();
    expect(await staleConversationRows(store, new SecretBox(newKey).keyId)).toBe(0);

    const newOnly = new ConversationsService(
      sealedConversationRepositories(store, new SecretBox(newKey), true).conversations,
    );
    expect((await newOnly.get(userId, conversationId)).title).toBe('secret plans');
    expect((await newOnly.messages(userId, conversationId)).map((m) => m.text)).toEqual(['the plan is']);
  });

  it('`conversations encrypt` seals rows stored in plaintext, and is safe to run again', async () => {
    const plain = new ConversationsService(
      sealedConversationRepositories(store, new SecretBox(newKey), false).conversations,
    );
    const conversation = await plain.create(userId, { title: 'plain marker title' });
    await plain.addQuestion(await plain.get(userId, conversation.id), 'plain marker text', new Date());
    const stored = async () =>
      (
        await sqlOf(store).query<{ v: string }>(sql`
          select title as v from conversations union all select content::text from conversation_messages`)
      )
        .map((r) => r.v)
        .join('\n');
    expect(await stored()).toContain('plain marker');
    await encryptConversationsCommand({ batchSize: 1 });
    expect(await stored()).not.toContain('plain marker');
    await encryptConversationsCommand({ batchSize: 1 });
    expect((await plain.messages(userId, conversation.id)).map((m) => m.text)).toEqual(['plain marker text']);
    expect((await plain.get(userId, conversation.id)).title).toBe('plain marker title');
    expect(await staleConversationRows(store, new SecretBox(newKey).keyId)).toBe(0);
  });
});
