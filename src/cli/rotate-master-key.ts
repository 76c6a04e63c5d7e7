import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { resealConversations, staleConversationRows } from '../backup/reseal-conversations.js';
import { resealCredentials, type ResealReport } from '../backup/reseal-credentials.js';
import { sqlOf } from '../backup/sql.js';
import { readNamedSecret, type Config } from '../config/index.js';
import { decodeMasterKey } from '../config/schema.js';
import {
  installNewKeyFile,
  previousKeyFileOf,
  removePreviousKeyFile,
  resolveMasterKey,
  secretBoxOf,
} from '../identity/master-key.js';
import { keyIdOf, SecretBox } from '../identity/secret-box.js';
import type { Store } from '../store/types.js';
import { CliError, loadConfigOrExit } from './context.js';
import { openMaintenanceStore } from './maintenance-store.js';

interface RotateOptions {
  newKeyEnv?: string;
  finish?: boolean;
  batchSize: number;
}

const say = (text: string) => process.stderr.write(text.replace(/^ +/gm, '') + '\n');

function newKeyOf(options: RotateOptions): Buffer | undefined {
  if (options.newKeyEnv === undefined) return undefined;
  const value = readNamedSecret(options.newKeyEnv);
  const key = value === undefined ? undefined : decodeMasterKey(value);
  if (!key) throw new CliError(`${options.newKeyEnv} must hold 32 bytes as 64 hex characters or base64.`, 2);
  return key;
}

/**
 * Envelopes not yet sealed under the key with this id (v1 envelopes name no key: they count),
 * credentials and sealed conversation rows together.
 */
async function staleCount(store: Store, keyId: string): Promise<number> {
  const prefix = `v2:${keyId}:`;
  const [row] = await sqlOf(store).query<{ n: number }>(sql`
    select count(*)::int as n from accounts
    where encrypted_credential is not null and left(encrypted_credential, ${prefix.length}) <> ${prefix}`);
  return (row?.n ?? 0) + (await staleConversationRows(store, keyId));
}

async function reseal(store: Store, box: SecretBox, batchSize: number): Promise<ResealReport> {
  const report = await resealCredentials(store, box, batchSize);
  const conversations = await resealConversations(store, box, batchSize);
  await store.audit.append({
    actorType: 'cli',
    actorId: null,
    action: 'master_key.rotate',
    targetType: null,
    targetId: null,
    ip: null,
    details: {
      keyId: box.keyId,
      resealed: report.resealed,
      unreadable: report.unreadable,
      conversationRowsResealed: conversations.resealed,
      conversationRowsUnreadable: conversations.unreadable,
    },
  });
  say(
    `Re-encrypted ${report.resealed} credential(s) under key ${box.keyId}; ${report.current} already were` +
      (report.unreadable > 0
        ? `; ${report.unreadable} open with neither key and were left as they are`
        : '') +
      '.',
  );
  if (conversations.resealed + conversations.current + conversations.unreadable > 0) {
    say(
      `Re-encrypted ${conversations.resealed} sealed conversation row(s); ${conversations.current} already were` +
        (conversations.unreadable > 0 ? `; ${conversations.unreadable} open with neither key` : '') +
        '.',
    );
  }
  return report;
}

/** `switchyard rotate-master-key [--new-key-env NAME] [--finish]` */
export async function rotateMasterKeyCommand(options: RotateOptions): Promise<void> {
  const config = loadConfigOrExit();
  if (config.masterKey !== undefined) await rotateEnvironmentKey(config, options);
  else await rotateKeyFile(config, options);
}

async function rotateEnvironmentKey(config: Config, options: RotateOptions): Promise<void> {
  const current = decodeMasterKey(config.masterKey as string) as Buffer;
  if (config.previousMasterKey === undefined) {
    if (options.finish) throw new CliError('Nothing to finish: SWITCHYARD_PREVIOUS_MASTER_KEY is not set.');
    const given = newKeyOf(options);
    const key = given ?? randomBytes(32);
    if (key.equals(current)) throw new CliError('The new key is the current key.');
    if (!given) process.stdout.write(`${key.toString('hex')}\n`);
    say(`${given ? 'The new key' : 'A new master key (printed above, once)'} has id ${keyIdOf(key)}. SWITCHYARD_MASTER_KEY is
      set, so the environment holds the key and you change it; nothing in the database changed yet:
        1. Give every Switchyard process SWITCHYARD_PREVIOUS_MASTER_KEY=<the current key> and
           SWITCHYARD_MASTER_KEY=<the new key>, and restart them one at a time. Each then reads
           credentials under either key and writes new ones under the new key.
        2. Run \`switchyard rotate-master-key\` again with that environment: it re-encrypts every credential.
        3. Run \`switchyard rotate-master-key --finish\`, then drop SWITCHYARD_PREVIOUS_MASTER_KEY at the next restart.
      Keep the old key with backups taken before the rotation: their credentials are sealed under it.`);
    return;
  }
  const previous = decodeMasterKey(config.previousMasterKey) as Buffer;
  const box = new SecretBox({ current, previous: [previous] });
  const store = await openMaintenanceStore(config, 'rotate the master key');
  try {
    await reseal(store, box, options.batchSize);
    const stale = await staleCount(store, box.keyId);
    if (options.finish && stale > 0) {
      throw new CliError(
        `${stale} sealed value(s) (credentials, conversation rows) are still not under the new key; SWITCHYARD_PREVIOUS_MASTER_KEY is still needed.`,
      );
    }
    say(
      stale > 0
        ? `${stale} sealed value(s) (credentials, conversation rows) are still not under the new key (changed meanwhile, or sealed under another key). Run this again.`
        : options.finish
          ? 'Every credential is under the new key: remove SWITCHYARD_PREVIOUS_MASTER_KEY from the environment at the next restart.'
          : 'Every credential is under the new key. Run `switchyard rotate-master-key --finish` once every process runs with the new key.',
    );
  } finally {
    await store.close();
  }
}

async function rotateKeyFile(config: Config, options: RotateOptions): Promise<void> {
  // Opened first: with a server on the embedded database this refuses before any key file changes.
  const store = await openMaintenanceStore(config, 'rotate the master key');
  try {
    let keys = await resolveMasterKey(undefined, config.dataDir);
    if (options.finish) {
      if (keys.previous.length === 0)
        throw new CliError('Nothing to finish: there is no master.key.previous.');
    } else if (keys.previous.length === 0) {
      const key = newKeyOf(options) ?? randomBytes(32);
      if (key.equals(keys.key)) throw new CliError('The new key is the current key.');
      await installNewKeyFile(config.dataDir, key);
      keys = await resolveMasterKey(undefined, config.dataDir);
      say(
        `Installed a new master key (id ${keyIdOf(keys.key)}) in ${keys.file}; the old one is in ${previousKeyFileOf(config.dataDir)}.`,
      );
    } else say('Resuming the unfinished rotation (master.key.previous exists).');
    const box = secretBoxOf(keys);
    await reseal(store, box, options.batchSize);
    const stale = await staleCount(store, box.keyId);
    if (!options.finish) {
      say(
        `Running processes pick up the new key file when they meet a credential under it. Once every process has
        restarted or done so, run \`switchyard rotate-master-key --finish\` to retire master.key.previous.
        Keep a copy of it with backups taken before the rotation: their credentials are sealed under it.` +
          (stale > 0
            ? `\n${stale} sealed value(s) (credentials, conversation rows) are still not under the new key; --finish will retry them.`
            : ''),
      );
      return;
    }
    if (stale > 0) {
      throw new CliError(
        `${stale} sealed value(s) (credentials, conversation rows) still need the previous key; master.key.previous was kept.`,
      );
    }
    await removePreviousKeyFile(config.dataDir);
    say('Every credential is under the new key; master.key.previous was removed.');
  } finally {
    await store.close();
  }
}
