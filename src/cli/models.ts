import type { Command } from 'commander';
import { runCommand } from './context.js';
import { withAdmin } from './local-admin.js';
import { printTable } from './print.js';

/** Prices are per million tokens; the shortest exact form reads best in a table. */
const usd = (value: number) => `$${value}`;

export function registerModelCommands(program: Command): void {
  const models = program
    .command('models')
    .description('the model catalogue: ids, aliases, limits and prices (edit through /api/admin/models)');

  models
    .command('list')
    .description('list catalogue models with their aliases, limits, prices per MTok and fallbacks')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      runCommand(async () => {
        const list = await withAdmin((admin) => admin.listModels());
        if (options.json) return void process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        printTable(
          [
            'ID',
            'NAME',
            'ALIASES',
            'CONTEXT',
            'MAX OUT',
            'IN',
            'OUT',
            'CACHE W',
            'CACHE R',
            'FALLBACKS',
            'SOURCE',
          ],
          list.map((m) => [
            m.id,
            m.displayName,
            m.aliases.join(',') || '-',
            String(m.contextWindow),
            String(m.maxOutput),
            usd(m.inputPrice),
            usd(m.outputPrice),
            usd(m.cacheWritePrice),
            usd(m.cacheReadPrice),
            m.fallbacks.join(' → ') || '-',
            m.removed ? 'removed' : m.source,
          ]),
        );
      }),
    );
}
