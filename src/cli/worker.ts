import { resolveMasterKey, secretBoxOf } from '../identity/master-key.js';
import { createLogger } from '../observability/logger.js';
import {
  serveWorkerMetrics,
  workerMetricsRegistry,
  workerMetricsSourceOf,
} from '../cluster/worker-metrics.js';
import { startWorkerNode, WorkerAccountsError } from '../cluster/worker-node.js';
import { openStore } from '../store/index.js';
import { CliError, loadConfigOrExit } from './context.js';
import { stopOnSignals } from './shutdown.js';
import { openClusterParts, requireDistributedConfig } from './distributed.js';

export interface WorkerCommandOptions {
  accounts: string;
  capacity?: number;
  id?: string;
}

/**
 * `switchyard worker --accounts a,b`: holds those accounts and runs the attempts gateways queue for
 * them. A claude_cli account's config dir lives in this machine's data dir (SWITCHYARD_DATA_DIR):
 * run its worker where that is.
 */
export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const config = loadConfigOrExit();
  requireDistributedConfig(config, 'worker');
  const logger = createLogger({ level: config.logLevel });
  const accounts = options.accounts
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  let store;
  try {
    store = await openStore(config.database);
  } catch (error) {
    throw new CliError(`Cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  }
  const masterKey = await resolveMasterKey(config.masterKey, config.dataDir, config.previousMasterKey);
  if (masterKey.origin !== 'environment') {
    logger.warn(
      { file: masterKey.file, generated: masterKey.origin === 'generated' },
      'credentials are decrypted with the key file in the data dir: every gateway and worker must use the same key (SWITCHYARD_MASTER_KEY)',
    );
  }
  const parts = await openClusterParts(config, logger, 'worker', () => store.close());
  let node;
  try {
    node = await startWorkerNode({
      config,
      repository: store.accounts,
      secretBox: secretBoxOf(masterKey, config.dataDir),
      parts,
      logger,
      options: {
        accounts,
        ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
        ...(options.id === undefined ? {} : { id: options.id }),
      },
    });
  } catch (error) {
    await parts.close();
    await store.close();
    if (error instanceof WorkerAccountsError) throw new CliError(error.message, 2);
    throw error;
  }
  const names = node.accounts.map((a) => a.name);
  const metricsPort = config.cluster.metricsPort;
  const metricsServer =
    metricsPort === undefined
      ? undefined
      : await serveWorkerMetrics(
          workerMetricsRegistry(workerMetricsSourceOf(node)),
          metricsPort,
          config.host,
        ).catch(async (error: unknown) => {
          await node.stop(0);
          await parts.close();
          await store.close();
          throw new CliError(
            `Cannot serve worker metrics on ${config.host}:${metricsPort} (WORKER_METRICS_PORT): ${(error as Error).message}`,
          );
        });
  logger.info({ id: node.id, accounts: names, metricsPort }, 'worker ready');
  process.stdout.write(`  Switchyard worker ${node.id} is serving: ${names.join(', ')}.\n`);

  stopOnSignals(
    logger,
    { message: 'worker shutting down: finishing running jobs', graceMs: config.shutdownGraceMs },
    async () => {
      metricsServer?.close();
      const { finished } = await node.stop(config.shutdownGraceMs);
      if (!finished) logger.warn('grace period over: unfinished jobs go to another worker');
      await parts.close();
      await store.close();
    },
  );
}
