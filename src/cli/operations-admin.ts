import type { Command } from 'commander';
import { runCommand } from './context.js';

const load = () => import('./operations-admin-run.js');

/**
 * `workers list|drain|undrain` and `settings get|set` (docs/admin-operations.md). Workers need a
 * running server on this host (its server file); settings are read and written through it when
 * one answers, and in the database otherwise.
 */
export function registerOperationsAdminCommands(program: Command): void {
  const workers = program
    .command('workers')
    .description('list, drain and undrain workers (through the server running on this host)');
  workers
    .command('list')
    .description("each worker's state, host, accounts, jobs in flight and last heartbeat")
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => runCommand(async () => (await load()).listWorkers(options)));
  workers
    .command('drain')
    .description('stop a worker taking jobs; it finishes the running ones, then reports drained')
    .argument('<id>', 'the worker id (workers list)')
    .action((id: string) => runCommand(async () => (await load()).setDrain(id, true)));
  workers
    .command('undrain')
    .description('let a drained worker take jobs again')
    .argument('<id>', 'the worker id (workers list)')
    .action((id: string) => runCommand(async () => (await load()).setDrain(id, false)));

  const settings = program
    .command('settings')
    .description('gateway-wide settings: registrationOpen, defaultKeyLimits, anthropicApiOnly');
  settings
    .command('get')
    .description('print the settings (JSON)')
    .action(() => runCommand(async () => (await load()).getSettings()));
  settings
    .command('set')
    .description('change one setting (audited; every gateway applies it at once)')
    .argument('<name>', 'registrationOpen, defaultKeyLimits or anthropicApiOnly')
    .argument('<value>', 'JSON: true, false, or limits like \'{"requestsPerMinute":60}\'')
    .action((name: string, value: string) => runCommand(async () => (await load()).setSetting(name, value)));
}
