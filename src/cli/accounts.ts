import type { Command } from 'commander';
import { readNamedSecret } from '../config/index.js';
import { ACCOUNT_KINDS, type AccountKind } from '../upstreams/types.js';
import { claudeLoginCommand } from './claude-login.js';
import { CliError, runCommand } from './context.js';
import { withAdmin } from './local-admin.js';
import { printTable } from './print.js';

const integer = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new CliError(`'${value}' is not a whole number.`, 2);
  return parsed;
};

interface AddOptions {
  kind: string;
  name: string;
  apiKeyEnv?: string;
  oauthTokenEnv?: string;
  baseUrl?: string;
  maxConcurrency?: number;
  priority?: number;
  weight?: number;
  models?: string;
  servedBy?: string;
}

export function registerAccountCommands(program: Command): void {
  const accounts = program.command('accounts').description('manage upstream accounts');

  accounts
    .command('add')
    .description('add an upstream account')
    .requiredOption('--kind <kind>', `account kind: ${ACCOUNT_KINDS.join(', ')}`)
    .requiredOption('--name <name>', 'a unique name')
    .option(
      '--api-key-env <VAR>',
      'read the API key from this environment variable (keeps it out of shell history)',
    )
    .option(
      '--oauth-token-env <VAR>',
      'claude_cli only: read an OAuth token made with `claude setup-token` from this environment variable',
    )
    .option('--base-url <url>', 'upstream base URL (default: https://api.anthropic.com)')
    .option('--max-concurrency <n>', 'requests in flight at once (default 8)', integer)
    .option('--priority <n>', 'lower numbers are tried first (default 10)', integer)
    .option('--weight <n>', 'share of load among accounts of equal priority (default 1)', integer)
    .option('--models <ids>', 'comma-separated model ids this account serves (default: every model)')
    .option(
      '--served-by <where>',
      'distributed mode: gateway (gateways call it) or worker (only `switchyard worker` holding it does); default: worker for claude_cli, gateway otherwise',
    )
    .action((options: AddOptions) =>
      runCommand(async () => {
        if (!(ACCOUNT_KINDS as readonly string[]).includes(options.kind)) {
          throw new CliError(`--kind must be one of ${ACCOUNT_KINDS.join(', ')}.`, 2);
        }
        if (options.apiKeyEnv !== undefined && options.oauthTokenEnv !== undefined)
          throw new CliError('Give either --api-key-env or --oauth-token-env, not both.', 2);
        if (options.oauthTokenEnv !== undefined && options.kind !== 'claude_cli')
          throw new CliError('--oauth-token-env is for --kind claude_cli only.', 2);
        const secretEnv = options.apiKeyEnv ?? options.oauthTokenEnv;
        let apiKey: string | undefined;
        if (secretEnv !== undefined) {
          apiKey = readNamedSecret(secretEnv);
          if (apiKey === undefined)
            throw new CliError(`The environment variable ${secretEnv} is not set.`, 2);
        }
        if (options.servedBy !== undefined && !['gateway', 'worker'].includes(options.servedBy))
          throw new CliError('--served-by must be gateway or worker.', 2);
        const credentialType =
          options.oauthTokenEnv !== undefined ? 'oauth_token' : apiKey !== undefined ? 'api_key' : 'none';
        const view = await withAdmin((admin) =>
          admin.addAccount({
            kind: options.kind as AccountKind,
            name: options.name,
            apiKey,
            baseUrl: options.baseUrl,
            maxConcurrency: options.maxConcurrency,
            priority: options.priority,
            weight: options.weight,
            models: options.models
              ? options.models
                  .split(',')
                  .map((m) => m.trim())
                  .filter(Boolean)
              : undefined,
            settings:
              options.kind === 'claude_cli' || options.servedBy !== undefined
                ? {
                    ...(options.kind === 'claude_cli' ? { credentialType } : {}),
                    ...(options.servedBy !== undefined ? { servedBy: options.servedBy } : {}),
                  }
                : undefined,
          }),
        );
        process.stdout.write(`Added account ${view.name} (${view.kind}, id ${view.id}).\n`);
        if (view.kind === 'claude_cli' && credentialType === 'none') {
          process.stdout.write(`Sign it in with: switchyard accounts login ${view.name}\n`);
        }
      }),
    );

  accounts
    .command('list')
    .description('list accounts and their state')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      runCommand(async () => {
        const list = await withAdmin((admin) => admin.listAccounts());
        if (options.json) return void process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        printTable(
          ['NAME', 'KIND', 'STATE', 'CONCURRENCY', 'PRIORITY', 'BASE URL', 'ID'],
          list.map((a) => [
            a.name + (a.simulated ? ' (simulated)' : ''),
            a.kind,
            a.state + (a.cooldownUntil ? ` until ${a.cooldownUntil}` : ''),
            a.inFlight === null ? String(a.maxConcurrency) : `${a.inFlight}/${a.maxConcurrency}`,
            String(a.priority),
            a.baseUrl ?? '-',
            a.id,
          ]),
        );
      }),
    );

  accounts
    .command('remove <account>')
    .description('remove an account (by name or id)')
    .action((ref: string) =>
      runCommand(async () => {
        await withAdmin((admin) => admin.removeAccount(ref));
        process.stdout.write(`Removed account ${ref}.\n`);
      }),
    );

  for (const [command, state] of [
    ['enable', 'active'],
    ['disable', 'disabled'],
  ] as const) {
    accounts
      .command(`${command} <account>`)
      .description(`${command} an account (by name or id)`)
      .action((ref: string) =>
        runCommand(async () => {
          const view = await withAdmin((admin) => admin.updateAccount(ref, { state }));
          process.stdout.write(`Account ${view.name} is now ${view.state}.\n`);
        }),
      );
  }

  accounts
    .command('login <account>')
    .description(
      'sign a claude_cli account in: runs the official `claude auth login` in its config dir, in this terminal',
    )
    .option('--console', 'sign in to the Anthropic Console (API billing) instead of a Claude subscription')
    .action((ref: string, options: { console?: boolean }) =>
      runCommand(() => claudeLoginCommand(ref, options)),
    );

  accounts
    .command('test <account>')
    .description('check that an account’s credentials work (spends no tokens where possible)')
    .action((ref: string) =>
      runCommand(async () => {
        const result = await withAdmin((admin) => admin.testAccount(ref));
        process.stdout.write(
          `${result.ok ? 'OK' : 'FAILED'} ${result.account}: ${result.detail} (${result.latencyMs} ms)\n`,
        );
        if (!result.ok) process.exitCode = 1;
      }),
    );
}
