import { resealConversations } from '../backup/reseal-conversations.js';
import { resolveMasterKey, secretBoxOf } from '../identity/master-key.js';
import { loadConfigOrExit } from './context.js';
import { openMaintenanceStore } from './maintenance-store.js';

const say = (text: string) => process.stderr.write(`${text}\n`);

/**
 * `switchyard conversations encrypt`: seals the conversation rows written before
 * CONVERSATION_ENCRYPTION was turned on (docs/conversation-encryption.md). Row by row with a
 * compare-and-set, so it can run beside the servers and be run again.
 */
export async function encryptConversationsCommand(options: { batchSize: number }): Promise<void> {
  const config = loadConfigOrExit();
  const store = await openMaintenanceStore(config, 'encrypt stored conversations');
  try {
    const keys = await resolveMasterKey(config.masterKey, config.dataDir, config.previousMasterKey);
    const box = secretBoxOf(keys);
    const report = await resealConversations(store, box, options.batchSize, 'seal');
    await store.audit.append({
      actorType: 'cli',
      actorId: null,
      action: 'conversations.encrypt',
      targetType: null,
      targetId: null,
      ip: null,
      details: { keyId: box.keyId, sealed: report.resealed, raced: report.raced },
    });
    say(
      `Sealed ${report.resealed} plaintext conversation row(s) (titles, messages, files) under key ${box.keyId}` +
        (report.raced > 0 ? `; ${report.raced} changed meanwhile: run this again` : '') +
        '.',
    );
    if (!config.chat.encryption) {
      say('CONVERSATION_ENCRYPTION is off: conversations written from now on are stored in plaintext.');
    }
  } finally {
    await store.close();
  }
}
