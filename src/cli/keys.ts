import type { Command } from 'commander';
import { runCommand } from './context.js';
import { withAdmin } from './local-admin.js';
import { printTable } from './print.js';

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('manage Switchyard API keys (sk-sy-…)');

  keys
    .command('create')
    .description('create a key; the secret is printed once')
    .requiredOption('--name <name>', 'a name to recognise the key by')
    .option('--expires-at <iso-date>', 'expiry time, e.g. 2027-01-01T00:00:00Z')
    .action((options: { name: string; expiresAt?: string }) =>
      runCommand(async () => {
        const { key, secret } = await withAdmin((admin) =>
          admin.createKey({
            name: options.name,
            ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
          }),
        );
        process.stderr.write(`Created key ${key.name} (id ${key.id}). It is shown only this once:\n`);
        process.stdout.write(`${secret}\n`);
      }),
    );

  keys
    .command('list')
    .description('list keys (never their secrets)')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      runCommand(async () => {
        const list = await withAdmin((admin) => admin.listKeys());
        if (options.json) return void process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        printTable(
          ['NAME', 'PREFIX', 'STATE', 'LAST USED', 'ID'],
          list.map((k) => [
            k.name,
            `${k.prefix}…`,
            k.revokedAt ? 'revoked' : 'active',
            k.lastUsedAt ?? '-',
            k.id,
          ]),
        );
      }),
    );

  keys
    .command('revoke <key>')
    .description('revoke a key (by id, or by name when unique); effective at once')
    .action((ref: string) =>
      runCommand(async () => {
        const key = await withAdmin((admin) => admin.revokeKey(ref));
        process.stdout.write(`Revoked key ${key.name} (id ${key.id}).\n`);
      }),
    );
}
