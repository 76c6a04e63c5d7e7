import { copyFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ArchiveError } from '../backup/archive-reader.js';
import { createBackup } from '../backup/backup.js';
import { ArchiveKeyError } from '../backup/encryption.js';
import { RestoreRefusedError, restoreBackup } from '../backup/restore.js';
import { backupFileName } from '../backup/schedule.js';
import { resolveMasterKey, secretBoxOf } from '../identity/master-key.js';
import { CliError, loadConfigOrExit } from './context.js';
import { openMaintenanceStore } from './maintenance-store.js';
import { printTable } from './print.js';
import { RemoteAdmin } from './remote-admin.js';
import { readServerFile, type ServerFile } from './server-file.js';

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** `switchyard backup [--out FILE] [--encrypt]` */
export async function backupCommand(options: { out?: string; encrypt?: boolean }): Promise<void> {
  const config = loadConfigOrExit();
  if (config.database.kind === 'pglite') {
    // The embedded database admits one process: the running server takes the backup.
    const server = await readServerFile(config.dataDir);
    if (server) return backupThroughServer(server, options);
  }
  if (options.encrypt && config.backup.passphrase === undefined) {
    throw new CliError('--encrypt needs the passphrase in BACKUP_PASSPHRASE.', 2);
  }
  const file = path.resolve(options.out ?? path.join(config.backup.dir, backupFileName(new Date())));
  const store = await openMaintenanceStore(config, 'back up from the command line');
  try {
    const result = await createBackup(
      store,
      file,
      options.encrypt ? { passphrase: config.backup.passphrase as string } : {},
    );
    if (!result) throw new CliError('The backup could not be taken.');
    process.stdout.write(
      `Backup written to ${result.file}: ${result.rows} rows in ${result.tables.length} tables, ` +
        `${megabytes(result.bytes)}${options.encrypt ? ', encrypted' : ''}, ${(result.ms / 1000).toFixed(1)} s.\n`,
    );
  } finally {
    await store.close();
  }
}

async function backupThroughServer(server: ServerFile, options: { out?: string; encrypt?: boolean }) {
  const result = await new RemoteAdmin(server).runBackup({ encrypt: options.encrypt === true });
  let file = result.file;
  if (options.out !== undefined) {
    const out = path.resolve(options.out);
    await moveFile(file, out).catch((error: unknown) => {
      throw new CliError(
        `The running server wrote the backup to ${file}, but it could not be moved to ${out}: ` +
          `${error instanceof Error ? error.message : String(error)}`,
      );
    });
    file = out;
  }
  process.stdout.write(
    `Backup written by the running server (pid ${server.pid}) to ${file}: ${result.rows} rows in ` +
      `${result.tables} tables, ${megabytes(result.bytes)}${result.encrypted ? ', encrypted' : ''}, ` +
      `${(result.ms / 1000).toFixed(1)} s.\n`,
  );
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await rm(from);
  }
}

/** `switchyard restore FILE [--force]` */
export async function restoreCommand(file: string, options: { force?: boolean }): Promise<void> {
  const config = loadConfigOrExit();
  const store = await openMaintenanceStore(config, 'restore into it');
  try {
    const result = await restoreBackup(store, path.resolve(file), {
      ...(config.backup.passphrase !== undefined ? { passphrase: config.backup.passphrase } : {}),
      force: options.force === true,
    }).catch((error: unknown) => {
      if (
        error instanceof ArchiveError ||
        error instanceof ArchiveKeyError ||
        error instanceof RestoreRefusedError
      ) {
        throw new CliError(`${error.message} Nothing was changed.`);
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`No such file: ${file}`);
      throw error;
    });
    printTable(
      ['table', 'rows'],
      result.tables.map((t) => [t.name, String(t.rows)]),
    );
    process.stdout.write(
      `Restored the backup of ${result.manifest.createdAt} (${result.manifest.source.kind}) into ` +
        `${config.database.kind} in ${(result.ms / 1000).toFixed(1)} s; every table's rows and checksum match.\n`,
    );
    // Credentials stay sealed under the key of the installation that made the backup.
    const keys = await resolveMasterKey(config.masterKey, config.dataDir, config.previousMasterKey);
    const box = secretBoxOf(keys);
    const unreadable = (await store.accounts.list()).filter((account) => {
      if (account.encryptedCredential === null) return false;
      try {
        box.open(account.encryptedCredential, account.id);
        return false;
      } catch {
        return true;
      }
    });
    if (unreadable.length > 0) {
      process.stderr.write(
        `Warning: ${unreadable.length} account credential(s) do not open with this installation's master key. ` +
          'Use the master key of the installation the backup came from (SWITCHYARD_MASTER_KEY or its master.key file).\n',
      );
    }
  } finally {
    await store.close();
  }
}
