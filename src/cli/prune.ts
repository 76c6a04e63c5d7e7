import type { Config } from '../config/index.js';
import { scrubbedAudit } from '../services/audit-context.js';
import { UsageRetentionService, type RetentionRun, type RetentionView } from '../services/usage-retention.js';
import { openStore, StoreLockedError } from '../store/index.js';
import { CliError, loadConfigOrExit } from './context.js';
import { serverAnswers } from './local-admin.js';
import { printTable } from './print.js';
import { RemoteAdmin } from './remote-admin.js';
import { readServerFile } from './server-file.js';

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
const days = (n: number) => (n === 0 ? 'for good' : `${n} days`);

/** Runs the job in this process, on the database itself (no server, or PostgreSQL). */
async function runHere(config: Config): Promise<{ run: RetentionRun; view: RetentionView }> {
  let store;
  try {
    store = await openStore(config.database);
  } catch (error) {
    if (error instanceof StoreLockedError) {
      throw new CliError(
        `The embedded database in ${error.dir} is in use by process ${error.pid}, which does not answer as a ` +
          'Switchyard server. Wait for it to finish or stop it, then try again.',
      );
    }
    throw new CliError(`Cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const { rawDays, hourlyDays } = config.usage.retention;
    const service = new UsageRetentionService(
      store.usageRollups,
      { rawDays, hourlyDays },
      { audit: scrubbedAudit(store.audit) },
    );
    const run = await service.runNow({ actor: { type: 'cli', id: null } });
    return { run, view: await service.status() };
  } finally {
    await store.close();
  }
}

/** `switchyard prune`: through the running server when there is one (PGlite admits one process). */
export async function pruneCommand(): Promise<void> {
  const config = loadConfigOrExit();
  const server = await readServerFile(config.dataDir);
  const remote = server && (await serverAnswers(server.url)) ? new RemoteAdmin(server) : undefined;
  const { run, view } = remote
    ? { run: await remote.runUsageRetention(), view: await remote.usageRetention() }
    : await runHere(config);
  const via = remote && server ? ` (by the running server, pid ${server.pid})` : '';
  if (!run.ran) {
    process.stdout.write(
      `Another gateway is rolling up and pruning usage right now${via}; nothing was done.\n`,
    );
  } else {
    process.stdout.write(
      `Rolled up ${run.hoursRolledUp} hours; pruned ${run.rawPruned} ledger rows and ${run.hourlyPruned} ` +
        `hourly roll-ups in ${(run.ms / 1000).toFixed(1)} s${via}.\n`,
    );
  }
  const { policy, watermarks } = view;
  process.stdout.write(
    `Kept: ledger rows (the request log) ${days(policy.rawDays)}, hourly roll-ups ${days(policy.hourlyDays)}, ` +
      'daily roll-ups for good.\n',
  );
  printTable(
    ['table', 'rows (estimate)', 'size'],
    view.tables.map((t) => [t.table, String(Math.round(t.rowsEstimate)), megabytes(t.bytes)]),
  );
  process.stdout.write(
    `Rolled up through ${watermarks.rolledThrough ?? '(nothing yet)'}; ledger rows pruned before ` +
      `${watermarks.rawPrunedBefore ?? '(none)'}, hourly roll-ups before ${watermarks.hourlyPrunedBefore ?? '(none)'}.\n`,
  );
}
