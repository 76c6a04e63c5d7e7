#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { registerAccountCommands } from './cli/accounts.js';
import { loadConfigOrExit, runCommand } from './cli/context.js';
import { registerKeyCommands } from './cli/keys.js';
import { registerModelCommands } from './cli/models.js';
import { registerOperationsCommands } from './cli/operations.js';
import { registerOperationsAdminCommands } from './cli/operations-admin.js';
import { migrateStore } from './store/index.js';

const number = (value: string) => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new InvalidArgumentError('expected a non-negative number');
  return parsed;
};

// Each command's module is loaded when it runs: `start` never loads the distributed mode's Redis
// clients, and a CLI call never loads the server.
const program = new Command('switchyard')
  .description('Serve one Claude API from many Claude accounts.')
  .showHelpAfterError()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program
  .command('start')
  .description('run the gateway (embedded database unless DATABASE_URL is set)')
  .action(() => runCommand(async () => (await import('./cli/start.js')).startCommand()));

program
  .command('gateway')
  .description('run a gateway in distributed mode (needs DATABASE_URL postgres:// and REDIS_URL)')
  .action(() => runCommand(async () => (await import('./cli/start.js')).gatewayCommand()));

program
  .command('worker')
  .description('run a worker holding some accounts (needs DATABASE_URL postgres:// and REDIS_URL)')
  .requiredOption('--accounts <names>', 'comma-separated account names (or ids) this worker holds')
  .option(
    '--capacity <n>',
    "jobs run at once in total (default: the sum of the accounts' max concurrency)",
    number,
  )
  .option('--id <id>', 'worker id in the registry (default: host-pid-random)')
  .action((options) => runCommand(async () => (await import('./cli/worker.js')).workerCommand(options)));

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(() =>
    runCommand(async () => {
      const config = loadConfigOrExit();
      await migrateStore(config.database);
      process.stdout.write(`Migrations applied (${config.database.kind}).\n`);
    }),
  );

registerAccountCommands(program);
registerKeyCommands(program);
registerModelCommands(program);
registerOperationsCommands(program);
registerOperationsAdminCommands(program);

program
  .command('mock-upstream')
  .description('run the mock Messages API (simulated answers) for tests, benchmarks and demos')
  .option('--port <n>', 'port to listen on', number, 4010)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--latency <ms>', 'delay before response headers', number)
  .option('--ttft <ms>', 'extra delay before the first token', number)
  .option('--tps <n>', 'output tokens per second (0: all at once)', number)
  .option('--words <n>', 'answer length in words', number)
  .action((options) =>
    runCommand(async () => (await import('./cli/mock-upstream.js')).mockUpstreamCommand(options)),
  );

await program.parseAsync();
