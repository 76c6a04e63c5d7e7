import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import type { GatewayCluster } from './cluster/gateway-cluster.js';
import { createPipeline } from './cluster/gateway-cluster.js';
import { ModelCatalog } from './gateway/models.js';
import { AccountPool } from './gateway/scheduler/account-pool.js';
import { Scheduler } from './gateway/scheduler/scheduler.js';
import { StickyMap } from './gateway/scheduler/sticky-map.js';
import { UsageLedger } from './gateway/usage/ledger.js';
import { ApiKeyAuthenticator } from './identity/api-key-authenticator.js';
import { SecretBox } from './identity/secret-box.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { InProcessAdmissionQueue } from './queue/in-process-admission-queue.js';
import { buildApp } from './server/app.js';
import type { AccountsService } from './services/accounts.js';
import { createAdminServices } from './services/admin-services.js';
import type { ApiKeysService } from './services/api-keys.js';
import { bootstrap, type BootstrapResult } from './services/bootstrap.js';
import { createIdentityServices } from './services/identity-services.js';
import type { Store } from './store/types.js';
import { ClaudeCliContext, claudeCliOptionsOf } from './upstreams/claude-cli/index.js';
import { createUpstreamKinds } from './upstreams/index.js';
import { registerClaudeCliMetrics } from './observability/claude-cli-metrics.js';

const SWEEP_INTERVAL_MS = 1_000;

export interface Runtime {
  app: FastifyInstance;
  store: Store;
  pool: AccountPool;
  ledger: UsageLedger;
  metrics: Metrics;
  /** The `claude` process pool of claude_cli accounts. */
  claudeCli: ClaudeCliContext;
  accounts: AccountsService;
  apiKeys: ApiKeysService;
  adminToken: string;
  firstStart: BootstrapResult;
  /** Stops accepting, lets live answers finish within the grace period, flushes the ledger. */
  stop(): Promise<void>;
}

/** The composition root: builds every part from the config, wires them, starts the timers. */
export async function createRuntime(
  config: Config,
  store: Store,
  masterKey: Buffer,
  logger: Logger,
  /** Distributed mode (`switchyard gateway`): worker-served accounts go through the queue. */
  cluster?: GatewayCluster,
): Promise<Runtime> {
  const secretBox = new SecretBox(masterKey);
  const queue = new InProcessAdmissionQueue(config.queue.maxDepth);
  const claudeCli = new ClaudeCliContext(claudeCliOptionsOf(config), logger);
  const kinds = createUpstreamKinds({ claudeCli });
  const pool = new AccountPool({
    repository: store.accounts,
    secretBox,
    kinds,
    logger,
    onCapacity: () => queue.wakeAll(),
    ...(cluster ? { remote: cluster.poolRemote() } : {}),
  });
  const ledger = new UsageLedger(store.usage, logger, {
    flushIntervalMs: config.usage.flushIntervalMs,
    batchSize: config.usage.flushBatch,
  });
  const metrics = new Metrics(() => ({
    accounts: pool.accounts().map((a) => ({
      name: a.name,
      kind: a.record.kind,
      state: a.state,
      inFlight: a.inFlight,
      maxConcurrency: a.record.maxConcurrency,
    })),
    queueDepth: queue.depth,
    ledgerPending: ledger.stats.pending,
  }));
  registerClaudeCliMetrics(metrics.registry, claudeCli);
  const authenticator = new ApiKeyAuthenticator(store.apiKeys, logger, config.apiKeyCacheTtlMs);
  const scheduler = new Scheduler(pool, queue, new StickyMap(config.scheduler.stickyTtlMs), {
    maxQueueWaitMs: config.queue.maxWaitMs,
  });
  const pipeline = createPipeline(cluster, {
    scheduler,
    ledger,
    metrics,
    logger,
    options: {
      maxAttempts: config.scheduler.maxFailoverAttempts,
      streamFirstByteTimeoutMs: config.upstream.streamFirstByteTimeoutMs,
      firstByteTimeoutMs: config.upstream.firstByteTimeoutMs,
      idleTimeoutMs: config.upstream.idleTimeoutMs,
      pingAfterMs: config.stream.pingAfterMs,
      pingIntervalMs: config.stream.pingIntervalMs,
    },
  });
  const { accounts, apiKeys } = createAdminServices(store, secretBox, {
    kinds,
    inFlight: (id) => pool.get(id)?.inFlight,
    onAccountsChange: () => pool.reload(),
    onKeyRevoked: (id) => authenticator.invalidate(id),
  });

  const identity = createIdentityServices(store, { masterKey, auth: config.auth, apiKeys });

  const firstStart = await bootstrap(store, accounts, config.bootstrapAnthropicApiKey);
  await pool.reload();
  await cluster?.start(pool);
  for (const account of pool.accounts()) {
    if (account.simulated) {
      logger.warn(
        { account: account.name },
        'account is a mock: its answers are simulated, not from a model',
      );
    }
  }
  ledger.start();
  authenticator.start();
  claudeCli.startMaintenance();
  const timers = [
    setInterval(() => pool.sweep(Date.now()), SWEEP_INTERVAL_MS),
    setInterval(() => {
      pool.reload().catch((error: unknown) => logger.warn({ err: error }, 'could not reload accounts'));
    }, config.accountRefreshIntervalMs),
  ];
  for (const timer of timers) timer.unref();

  const adminToken = randomBytes(32).toString('base64url');
  const app = buildApp({
    logger,
    messages: { pipeline, authenticator, requestDeadlineMs: config.requestDeadlineMs },
    catalog: new ModelCatalog(pool),
    health: { ping: () => store.ping(), metrics },
    admin: { accounts, apiKeys, adminToken, ...identity },
    requestEvents: cluster?.requestEvents,
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const timer of timers) clearInterval(timer);
      cluster?.stop();
      await closeWithGrace(app, config.shutdownGraceMs, logger);
      await ledger.stop();
      await authenticator.stop();
      await pool.close();
      await claudeCli.close();
    })());

  return { app, store, pool, ledger, metrics, claudeCli, accounts, apiKeys, adminToken, firstStart, stop };
}

/** Waits for live requests up to the grace period, then cuts what is left. */
async function closeWithGrace(app: FastifyInstance, graceMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const closed = app.close().then(() => 'closed' as const);
  // Kept-alive connections become idle as their answers finish; close them as they do, or
  // close() would wait for the clients to hang up. Once no request is left, connections that
  // never sent one are closed too (Node counts them as busy).
  const reaper = setInterval(() => {
    if (app.requestsInFlight() === 0) app.server.closeAllConnections();
    else app.server.closeIdleConnections();
  }, 100);
  const result = await Promise.race([closed, grace]);
  clearTimeout(timer);
  clearInterval(reaper);
  if (result === 'timeout') {
    logger.warn({ graceMs }, 'grace period over: closing remaining connections');
    app.server.closeAllConnections();
    await closed;
  }
}
