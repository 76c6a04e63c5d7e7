import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeMasterKey } from '../config/schema.js';

export interface MasterKeySource {
  key: Buffer;
  /** Where the key came from, for the start-up log (never the key itself). */
  origin: 'environment' | 'generated' | 'file';
  file?: string;
}

/**
 * SWITCHYARD_MASTER_KEY wins; otherwise a key file in the data dir is used, created with mode
 * 0600 on first start. Losing that file means losing every stored credential: it is logged.
 */
export async function resolveMasterKey(
  configured: string | undefined,
  dataDir: string,
): Promise<MasterKeySource> {
  if (configured !== undefined) {
    const key = decodeMasterKey(configured);
    if (key) return { key, origin: 'environment' };
  }
  const file = path.join(dataDir, 'master.key');
  try {
    const key = decodeMasterKey(await readFile(file, 'utf8'));
    if (!key) throw new Error(`${file} does not hold a 32-byte key; restore it from a backup.`);
    return { key, origin: 'file', file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, origin: 'generated', file };
}
