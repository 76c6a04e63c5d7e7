import type { Config } from '../config/index.js';
import { openStore, StoreLockedError, type Store } from '../store/index.js';
import { CliError } from './context.js';
import { readServerFile } from './server-file.js';

/**
 * Opens the database for backup, restore or key rotation, without migrating it. The embedded
 * database admits one process: while a server runs on it these commands refuse, saying what to do.
 */
export async function openMaintenanceStore(config: Config, what: string): Promise<Store> {
  if (config.database.kind === 'pglite') {
    const server = await readServerFile(config.dataDir);
    if (server) {
      throw new CliError(
        `The embedded database in ${config.dataDir} is in use by the running server (pid ${server.pid}). ` +
          `Stop it to ${what}` +
          (what.startsWith('back up') ? ', or let it take scheduled backups (BACKUP_CRON).' : '.'),
      );
    }
  }
  try {
    return await openStore(config.database, { migrate: false });
  } catch (error) {
    if (error instanceof StoreLockedError) {
      throw new CliError(
        `The embedded database in ${error.dir} is in use by process ${error.pid}. Stop it to ${what}.`,
      );
    }
    throw new CliError(`Cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  }
}
