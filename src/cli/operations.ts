import { type Command, InvalidArgumentError } from 'commander';
import { runCommand } from './context.js';

const positive = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a positive integer');
  return parsed;
};

/** backup, restore and rotate-master-key; each loads its module only when it runs. */
export function registerOperationsCommands(program: Command): void {
  program
    .command('backup')
    .description('write a consistent, compressed archive of the database (PGlite or PostgreSQL)')
    .option('--out <file>', 'archive to write (default: BACKUP_DIR/switchyard-<time>.sybak)')
    .option('--encrypt', 'encrypt with BACKUP_PASSPHRASE (scrypt + AES-256-GCM)')
    .action((options: { out?: string; encrypt?: boolean }) =>
      runCommand(async () => (await import('./backup.js')).backupCommand(options)),
    );

  program
    .command('restore')
    .description('restore an archive into the configured database (empty unless --force)')
    .argument('<file>', 'an archive written by `switchyard backup` or a scheduled backup')
    .option('--force', 'replace everything the target database holds')
    .action((file: string, options: { force?: boolean }) =>
      runCommand(async () => (await import('./backup.js')).restoreCommand(file, options)),
    );

  program
    .command('prune')
    .description(
      'roll up the usage ledger and delete rows past USAGE_RETENTION_DAYS now (what USAGE_RETENTION_CRON runs)',
    )
    .action(() => runCommand(async () => (await import('./prune.js')).pruneCommand()));

  program
    .command('rotate-master-key')
    .description('re-encrypt every stored credential under a new master key, without downtime')
    .option(
      '--new-key-env <name>',
      'take the new key from this environment variable instead of generating one',
    )
    .option('--finish', 'last step: check nothing needs the previous key any more, then retire it')
    .option('--batch-size <n>', 'credentials re-encrypted per batch', positive, 100)
    .action((options: { newKeyEnv?: string; finish?: boolean; batchSize: number }) =>
      runCommand(async () => (await import('./rotate-master-key.js')).rotateMasterKeyCommand(options)),
    );

  program
    .command('conversations')
    .description('stored web chat conversations')
    .command('encrypt')
    .description('seal conversation rows stored in plaintext with the master key (CONVERSATION_ENCRYPTION)')
    .option('--batch-size <n>', 'rows read per batch', positive, 100)
    .action((options: { batchSize: number }) =>
      runCommand(async () =>
        (await import('./conversations-encrypt.js')).encryptConversationsCommand(options),
      ),
    );
}
