import { mkdir } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { GatewayCluster } from '../cluster/gateway-cluster.js';
import { heapGrowthFlag } from './heap-growth.js';
import { initializeInChild, needsInitdb } from './initialize-embedded.js';
import type { QueueParts } from '../cluster/queue-parts.js';
import { ConfigError, type Config } from '../config/index.js';
import { resolveMasterKey } from '../identity/master-key.js';
import { createLogger } from '../observability/logger.js';
import { createRuntime } from '../runtime.js';
import { loadTls } from '../server/hardening/http-server.js';
import type { Registry } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import { openStore, StoreLockedError, type Store } from '../store/index.js';
import { CliError, loadConfigOrExit } from './context.js';
import { readServerFile, removeServerFile, writeServerFile } from './server-file.js';
import { stopOnSignals } from './shutdown.js';

/** `switchyard start`: the gateway in one process, on the embedded database by default. */
export async function startCommand(): Promise<void> {
  await serve(loadConfigOrExit(), 'embedded');
}

/**
 * `switchyard gateway`: the same HTTP server, in distributed mode (PostgreSQL and Redis required);
 * accounts served by workers go through the queue. Any number of them behind a load balancer.
 */
export async function gatewayCommand(): Promise<void> {
  const config = loadConfigOrExit();
  const { requireDistributedConfig } = await import('./distributed.js');
  requireDistributedConfig(config, 'gateway');
  await serve(config, 'gateway');
}

async function serve(config: Config, mode: 'embedded' | 'gateway'): Promise<void> {
  const logger = createLogger({ level: config.logLevel });
  const heapFlag = heapGrowthFlag(config.heapGrowingPercent, process.execArgv);
  if (heapFlag) setFlagsFromString(heapFlag);
  try {
    loadTls(config.http.tls); // a bad certificate is a configuration error: exit 2 before opening anything
  } catch (error) {
    throw error instanceof ConfigError ? new CliError(error.message, 2) : error;
  }
  await mkdir(config.dataDir, { recursive: true });
  if (needsInitdb(config.database)) await initializeInChild(logger);
  let store;
  try {
    store = await openStore(config.database);
  } catch (error) {
    if (error instanceof StoreLockedError) {
      const running = await readServerFile(config.dataDir);
      throw new CliError(
        `Another Switchyard process (pid ${error.pid}) is using ${error.dir}` +
          (running ? `; it serves ${running.url}.` : '.') +
          ' Stop it first, or set SWITCHYARD_DATA_DIR to another directory.',
      );
    }
    throw new CliError(`Cannot open the database: ${error instanceof Error ? error.message : String(error)}`);
  }
  const masterKey = await resolveMasterKey(config.masterKey, config.dataDir, config.previousMasterKey);
  if (masterKey.origin !== 'environment') {
    logger.warn(
      { file: masterKey.file, generated: masterKey.origin === 'generated' },
      'credentials are encrypted with the key file in the data dir: back it up, or set SWITCHYARD_MASTER_KEY',
    );
  }
  let parts: QueueParts | undefined;
  if (mode === 'gateway') {
    // Loaded only here: embedded mode never loads the Redis clients.
    const { openClusterParts } = await import('./distributed.js');
    parts = await openClusterParts(config, logger, 'gateway', () => store.close());
  }
  const closeParts = async () => parts?.close();
  const cluster = parts ? new GatewayCluster(parts, config, logger) : undefined;
  let runtime;
  try {
    runtime = await createRuntime(config, store, masterKey, logger, cluster);
  } catch (error) {
    await closeParts();
    throw error;
  }
  try {
    await runtime.app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await runtime.stop();
    await closeParts();
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'EADDRINUSE'
        ? `Port ${config.port} on ${config.host} is in use. Set PORT to a free port.`
        : `Cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`,
    );
  }
  const address = runtime.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const scheme = config.http.tls ? 'https' : 'http';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  await writeServerFile(config.dataDir, { pid: process.pid, url, token: runtime.adminToken });
  const backups = await startBackups(config, store, logger, runtime.metrics.registry, mode);
  logger.info({ url, database: store.kind, dataDir: config.dataDir, mode }, 'switchyard listening');
  printBanner(url, store.kind, runtime.firstStart, mode);

  stopOnSignals(
    logger,
    { message: 'shutting down: finishing live requests', graceMs: config.shutdownGraceMs },
    async () => {
      const graceEnds = Date.now() + config.shutdownGraceMs;
      await runtime.stop();
      if (cluster) {
        // Answers relayed from workers are followed to their end even when their client is gone
        // (metered, kept for a resume), so they can outlive the HTTP connections: give them what
        // is left of the grace period, then stop following them. Either way each call records what
        // it relayed, after the ledger's own flush in runtime.stop(): write those rows too.
        await cluster.calls.settled(Math.max(0, graceEnds - Date.now()));
        await closeParts();
        await cluster.calls.settled(1_000);
        await runtime.ledger.stop();
      } else await closeParts();
      await backups?.stop();
      await removeServerFile(config.dataDir);
      await store.close();
    },
  );
}

/** BACKUP_CRON: scheduled backups in this process (loaded only when set). */
async function startBackups(
  config: Config,
  store: Store,
  logger: Logger,
  registry: Registry,
  mode: 'embedded' | 'gateway',
): Promise<{ stop(): Promise<void> } | undefined> {
  const { cron } = config.backup;
  if (cron === undefined) return undefined;
  const { BackupSchedule } = await import('../backup/schedule.js');
  const schedule = new BackupSchedule({ ...config.backup, cron }, store, logger, {
    distributed: mode === 'gateway',
    registry,
  });
  schedule.start();
  logger.info({ cron, dir: config.backup.dir, keep: config.backup.keep }, 'scheduled backups on');
  return schedule;
}

function printBanner(
  url: string,
  database: string,
  firstStart: Awaited<ReturnType<typeof createRuntime>>['firstStart'],
  mode: 'embedded' | 'gateway',
) {
  const lines = [
    mode === 'gateway'
      ? `Switchyard gateway is listening on ${url} (database: ${database}, distributed mode).`
      : `Switchyard is listening on ${url} (database: ${database}).`,
  ];
  if (firstStart.createdAccount) {
    const a = firstStart.createdAccount;
    lines.push(
      a.simulated
        ? `No account was configured, so a MOCK demo account "${a.name}" was added: its answers are simulated.`
        : `Added account "${a.name}" (${a.kind}) from ANTHROPIC_API_KEY.`,
    );
  }
  if (firstStart.adminPassword) {
    lines.push(`Created user "admin" with the one-time password: ${firstStart.adminPassword}`);
    lines.push('It is shown only now; you will be asked to change it at first sign-in.');
  }
  lines.push('Create an API key with: npx switchyard keys create --name laptop');
  process.stdout.write(lines.map((l) => `  ${l}`).join('\n') + '\n');
}
