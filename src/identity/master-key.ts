import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeMasterKey } from '../config/schema.js';
import { SecretBox, type KeyRing } from './secret-box.js';

export interface MasterKeySource {
  key: Buffer;
  /** Keys still accepted for reading during a rotation (SWITCHYARD_PREVIOUS_MASTER_KEY, master.key.previous). */
  previous: Buffer[];
  /** Where the key came from, for the start-up log (never the key itself). */
  origin: 'environment' | 'generated' | 'file';
  file?: string;
}

export const keyFileOf = (dataDir: string) => path.join(dataDir, 'master.key');
export const previousKeyFileOf = (dataDir: string) => path.join(dataDir, 'master.key.previous');

function parseKeyFile(file: string, text: string): Buffer {
  const key = decodeMasterKey(text);
  if (!key) throw new Error(`${file} does not hold a 32-byte key; restore it from a backup.`);
  return key;
}

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  try {
    return parseKeyFile(file, await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * SWITCHYARD_MASTER_KEY wins (with SWITCHYARD_PREVIOUS_MASTER_KEY still read during a rotation);
 * otherwise a key file in the data dir is used, created with mode 0600 on first start, with
 * master.key.previous beside it while a rotation is being finished. Losing the key file means
 * losing every stored credential: it is logged.
 */
export async function resolveMasterKey(
  configured: string | undefined,
  dataDir: string,
  previousConfigured?: string,
): Promise<MasterKeySource> {
  if (configured !== undefined) {
    const key = decodeMasterKey(configured);
    const previous = previousConfigured === undefined ? undefined : decodeMasterKey(previousConfigured);
    if (key) return { key, previous: previous ? [previous] : [], origin: 'environment' };
  }
  const file = keyFileOf(dataDir);
  const existing = await readKeyFile(file);
  if (existing) {
    const previous = await readKeyFile(previousKeyFileOf(dataDir));
    return { key: existing, previous: previous ? [previous] : [], origin: 'file', file };
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, previous: [], origin: 'generated', file };
}

/** Re-reads the key files; synchronous because SecretBox.open is (it runs rarely: once per rotation). */
function readKeyFilesSync(dataDir: string): KeyRing | undefined {
  const read = (file: string) => {
    try {
      return parseKeyFile(file, readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
  };
  const current = read(keyFileOf(dataDir));
  if (!current) return undefined;
  const previous = read(previousKeyFileOf(dataDir));
  return { current, previous: previous ? [previous] : [] };
}

/**
 * The box a process seals and opens credentials with. With key files, a process that meets an
 * envelope under a key it does not know re-reads the files: `rotate-master-key` run beside a
 * running server does not take its accounts away.
 */
export function secretBoxOf(source: MasterKeySource | Buffer, dataDir?: string): SecretBox {
  if (Buffer.isBuffer(source)) return new SecretBox(source);
  const ring = { current: source.key, previous: source.previous };
  const refresh =
    source.origin !== 'environment' && dataDir !== undefined ? () => readKeyFilesSync(dataDir) : undefined;
  return new SecretBox(ring, refresh);
}

/** Writes a key file atomically (temp file + rename), mode 0600 from the start. */
async function writeKeyFileAtomically(file: string, key: Buffer): Promise<void> {
  const scratch = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(scratch, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    await chmod(scratch, 0o600);
    await rename(scratch, file);
  } finally {
    await rm(scratch, { force: true });
  }
}

/**
 * First step of a key-file rotation: the current key is kept as master.key.previous, then the
 * new key becomes master.key. At every moment both keys are on disk, so a crash in between loses
 * nothing. Refuses while an earlier rotation is unfinished (its .previous still needed).
 */
export async function installNewKeyFile(dataDir: string, newKey: Buffer): Promise<void> {
  const current = await readKeyFile(keyFileOf(dataDir));
  if (!current) throw new Error(`There is no key file at ${keyFileOf(dataDir)} to rotate.`);
  const previous = await readKeyFile(previousKeyFileOf(dataDir));
  if (previous && !previous.equals(current)) {
    throw new Error(
      `${previousKeyFileOf(dataDir)} exists: finish the earlier rotation first (switchyard rotate-master-key --finish).`,
    );
  }
  await writeKeyFileAtomically(previousKeyFileOf(dataDir), current);
  await writeKeyFileAtomically(keyFileOf(dataDir), newKey);
}

/** Last step: once nothing is sealed under it any more, the previous key file is removed. */
export async function removePreviousKeyFile(dataDir: string): Promise<boolean> {
  const file = previousKeyFileOf(dataDir);
  const existed = (await readKeyFile(file)) !== undefined;
  await rm(file, { force: true });
  return existed;
}
