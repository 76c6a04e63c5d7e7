import { randomUUID } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { StoreLockedError } from './types.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holderOf(lockPath: string): Promise<number | undefined> {
  const text = await readFile(lockPath, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Creates the lockfile with our pid already in it: link() fails when the name exists, atomically. */
async function tryCreate(lockPath: string): Promise<boolean> {
  const scratch = `${lockPath}.${randomUUID()}.tmp`;
  await writeFile(scratch, `${process.pid}\n`);
  try {
    await link(scratch, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(scratch, { force: true });
  }
}

/**
 * PGlite admits one process per data directory and corrupts it when two share it, so the opener
 * writes its pid into `${dir}.lock`. A lock whose process is gone is taken over. Returns the
 * function that releases it.
 */
export async function lockDataDir(dir: string, lockPath: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(lockPath)) {
      return async () => {
        if ((await holderOf(lockPath)) === process.pid) await rm(lockPath, { force: true });
      };
    }
    const pid = await holderOf(lockPath);
    if (pid !== undefined && isAlive(pid)) throw new StoreLockedError(dir, pid);
    // Stale. Re-reading right before removing narrows (without closing) the window in which two
    // processes taking over the same stale lock could remove each other's fresh one.
    if ((await holderOf(lockPath)) === pid) await rm(lockPath, { force: true });
  }
  throw new StoreLockedError(dir, (await holderOf(lockPath)) ?? 0);
}
