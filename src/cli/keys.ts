import type { Command } from 'commander';
import { runCommand } from './context.js';
import { withAdmin } from './local-admin.js';
import { printTable } from './print.js';

interface AccessOptions {
  models?: string;
  modelFallback?: boolean;
  rpm?: string;
  tpm?: string;
  maxConcurrency?: string;
  usdPerDay?: string;
  usdPerMonth?: string;
  tokensPerDay?: string;
  tokensPerMonth?: string;
}

/** The limit and model options both `create` and `update` take. */
function withAccessOptions(command: Command): Command {
  return command
    .option('--models <ids>', 'comma-separated models (ids or aliases) the key may use; "all" for any')
    .option('--model-fallback', "use the model's fallback chain when its accounts are all cooling down")
    .option('--rpm <n>', 'requests per minute')
    .option('--tpm <n>', 'tokens per minute (input, cache writes and output)')
    .option('--max-concurrency <n>', 'requests in flight at once')
    .option('--usd-per-day <usd>', 'daily budget in USD (UTC days)')
    .option('--usd-per-month <usd>', 'monthly budget in USD')
    .option('--tokens-per-day <n>', 'daily token budget')
    .option('--tokens-per-month <n>', 'monthly token budget');
}

/** The options as API input; numbers are checked by the same schema the API uses. */
function accessOf(options: AccessOptions) {
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const limits = Object.fromEntries(
    Object.entries({
      requestsPerMinute: number(options.rpm),
      tokensPerMinute: number(options.tpm),
      maxConcurrency: number(options.maxConcurrency),
      usdPerDay: number(options.usdPerDay),
      usdPerMonth: number(options.usdPerMonth),
      tokensPerDay: number(options.tokensPerDay),
      tokensPerMonth: number(options.tokensPerMonth),
    }).filter(([, value]) => value !== undefined),
  );
  return {
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(options.models !== undefined
      ? { models: options.models === 'all' ? null : options.models.split(',').map((m) => m.trim()) }
      : {}),
    ...(options.modelFallback ? { modelFallback: true } : {}),
  };
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('manage Switchyard API keys (sk-sy-…)');

  withAccessOptions(
    keys
      .command('create')
      .description('create a key; the secret is printed once')
      .requiredOption('--name <name>', 'a name to recognise the key by')
      .option('--expires-at <iso-date>', 'expiry time, e.g. 2027-01-01T00:00:00Z'),
  ).action((options: { name: string; expiresAt?: string } & AccessOptions) =>
    runCommand(async () => {
      const { key, secret } = await withAdmin((admin) =>
        admin.createKey({
          name: options.name,
          ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
          ...accessOf(options),
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

  withAccessOptions(
    keys
      .command('update <key>')
      .description(
        "change a key's limits or models (by id, or by name when unique); a limit given replaces all its limits",
      ),
  ).action((ref: string, options: AccessOptions) =>
    runCommand(async () => {
      const key = await withAdmin((admin) => admin.updateKey(ref, accessOf(options)));
      process.stdout.write(
        `Updated key ${key.name}: ${JSON.stringify({ limits: key.limits, models: key.models, modelFallback: key.modelFallback })}\n`,
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
