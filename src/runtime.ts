import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import type { GatewayCluster } from './cluster/gateway-cluster.js';
import { createPipeline } from './cluster/gateway-cluster.js';
import { resumableStreamsOf } from './cluster/resumable-streams.js';
import { Admission } from './gateway/limits/admission.js';
import { MemoryLimitStore } from './gateway/limits/memory-limit-store.js';
import { Catalogue } from './gateway/catalogue/catalogue.js';
import { SHIPPED_ALIASES, SHIPPED_MODELS } from './gateway/catalogue/shipped.js';
import { ModelCatalog } from './gateway/models.js';
import { AccountPool } from './gateway/scheduler/account-pool.js';
import { Scheduler } from './gateway/scheduler/scheduler.js';
import { StickyMap } from './gateway/scheduler/sticky-map.js';
import { UsageLedger } from './gateway/usage/ledger.js';
import { ApiKeyAuthenticator } from './identity/api-key-authenticator.js';
import { guardedLookup } from './identity/guarded-lookup.js';
import { createOutboundUrlGuard } from './identity/outbound-url.js';
import { secretBoxOf, type MasterKeySource } from './identity/master-key.js';
import type { Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { InProcessAdmissionQueue } from './queue/in-process-admission-queue.js';
import { buildApp } from './server/app.js';
import { gatewayReadiness } from './server/readiness.js';
import { createImageFetcher } from './server/openai/remote-images.js';
import { serverOptionsOf } from './server/hardening/http-server.js';
import type { AccountsService } from './services/accounts.js';
import { createAdminServices } from './services/admin-services.js';
import type { ApiKeysService } from './services/api-keys.js';
import type { ModelCatalogueService } from './services/model-catalogue.js';
import type { SettingsService } from './services/settings.js';
import { createAdminOperations } from './cluster/admin-operations.js';
import { scrubbedAudit } from './services/audit-context.js';
import { BackupsService } from './services/backups.js';
import { bootstrap, type BootstrapResult } from './services/bootstrap.js';
import { ChatAttachmentsService } from './services/chat-attachments.js';
import { conversationHistoryServices } from './services/conversation-history-services.js';
import { ConversationsService } from './services/conversations.js';
import { sealedConversationRepositories } from './store/sealed-conversations.js';
import { UsageReportsService } from './services/usage-reports.js';
import type { UsageRetentionService } from './services/usage-retention.js';
import { startUsageRetention } from './retention/schedule.js';
import { createIdentityServices } from './services/identity-services.js';
import type { Store } from './store/types.js';
import { ClaudeCliContext, claudeCliOptionsOf } from './upstreams/claude-cli/index.js';
import { createUpstreamKinds } from './upstreams/index.js';
import { registerClaudeCliMetrics } from './observability/claude-cli-metrics.js';
import { registerClusterMetrics } from './observability/cluster-metrics.js';
import { UsageMetrics } from './observability/usage-metrics.js';
import { modelAccountCounts } from './gateway/scheduler/model-availability.js';
import { UsageGauges } from './services/usage-gauges.js';
import { createAccountAlerts } from './services/account-alerts.js';

const SWEEP_INTERVAL_MS = 1_000;
/** Unsent chat uploads are deleted an hour after upload; checking every few minutes is plenty. */
const CHAT_ATTACHMENT_SWEEP_MS = 5 * 60_000;

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
  /** The model catalogue's admin side; `catalogue` is what the request path reads. */
  models: ModelCatalogueService;
  catalogue: Catalogue;
  /** Gateway-wide settings (registration, key defaults, the compliance switch). */
  settings: SettingsService;
  /** Usage roll-up and pruning (docs/retention.md), also on USAGE_RETENTION_CRON. */
  usageRetention: UsageRetentionService;
  adminToken: string;
  firstStart: BootstrapResult;
  /** Stops accepting, lets live answers finish within the grace period, flushes the ledger. */
  stop(): Promise<void>;
}

/** The composition root: builds every part from the config, wires them, starts the timers. */
export async function createRuntime(
  config: Config,
  store: Store,
  /** A bare key, or the keys resolved at start (with the previous one during a rotation). */
  masterKey: Buffer | MasterKeySource,
  logger: Logger,
  /** Distributed mode (`switchyard gateway`): worker-served accounts go through the queue. */
  cluster?: GatewayCluster,
): Promise<Runtime> {
  const secretBox = secretBoxOf(masterKey, config.dataDir);
  const queue =
    cluster?.admissionQueue(config.queue.maxDepth) ?? new InProcessAdmissionQueue(config.queue.maxDepth);
  const claudeCli = new ClaudeCliContext(claudeCliOptionsOf(config), logger);
  const outboundUrls = createOutboundUrlGuard(config.outbound);
  const resumable = resumableStreamsOf(config, logger, cluster);
  const kinds = createUpstreamKinds({ claudeCli, connectLookup: guardedLookup(outboundUrls) });
  // Shipped data until the admins' edits are loaded below, before any request is served.
  const catalogue = new Catalogue({ models: SHIPPED_MODELS, aliases: SHIPPED_ALIASES });
  const accountAlerts = createAccountAlerts(config.observability.alertWebhookUrl, {
    guard: outboundUrls,
    logger,
    models: () => catalogue.snapshot().models.map((m) => m.id),
    accounts: () => pool.accounts(),
  });
  const pool = new AccountPool({
    repository: store.accounts,
    secretBox,
    kinds,
    logger,
    onCapacity: () => queue.wakeAll(),
    modelNames: catalogue,
    ...(cluster ? { remote: cluster.poolRemote() } : {}),
    ...(resumable ? { direct: resumable.wrapDirect } : {}),
    ...(accountAlerts ? { onStateChange: accountAlerts.onStateChange } : {}),
  });
  // The admin pages' parts: call board, settings (applied to the pool), cross-gateway feeds.
  const operations = createAdminOperations({ config, store, pool, queue, logger, cluster });
  const ledger = new UsageLedger(store.usage, logger, {
    flushIntervalMs: config.usage.flushIntervalMs,
    batchSize: config.usage.flushBatch,
  });
  const metrics = new Metrics(
    () => ({
      accounts: pool.accounts().map((a) => ({
        name: a.name,
        kind: a.record.kind,
        state: a.state,
        inFlight: a.inFlight,
        maxConcurrency: a.record.maxConcurrency,
      })),
      queueDepth: queue.depth,
      queueMaxDepth: queue.maxDepth,
      ledgerPending: ledger.stats.pending,
      ledgerDropped: ledger.stats.dropped,
    }),
    {
      modelAccounts: () =>
        modelAccountCounts(
          catalogue.snapshot().models.map((m) => m.id),
          pool.accounts(),
        ),
    },
  );
  registerClaudeCliMetrics(metrics.registry, claudeCli);
  if (cluster) registerClusterMetrics(metrics.registry, cluster);
  const usageGauges = new UsageGauges(store, new UsageMetrics(metrics.registry), logger, {
    intervalMs: config.observability.usageGaugesIntervalMs,
    top: config.observability.usageGaugesTop,
  });
  const authenticator = new ApiKeyAuthenticator(store.apiKeys, logger, config.apiKeyCacheTtlMs);
  const scheduler = new Scheduler(pool, queue, new StickyMap(config.scheduler.stickyTtlMs), {
    maxQueueWaitMs: config.queue.maxWaitMs,
    // Distributed gateways decide from leases, cooldowns and bindings every gateway shares.
    shared: cluster?.parts.accountState,
    onQueueWait: (waitedMs, leased) => metrics.observeQueueWait(waitedMs / 1000, leased),
  });
  const admission = new Admission({
    store: cluster?.parts.limits ?? new MemoryLimitStore(),
    spend: (scope, since) =>
      store.usage.spendSince(scope.type === 'key' ? { apiKeyId: scope.id } : { userId: scope.id }, since),
    resolveModel: (name) => catalogue.resolve(name),
    ipRequestsPerMinute: config.limits.ipRequestsPerMinute,
    logger,
  });
  const pipeline = createPipeline(resumable?.calls ?? cluster?.calls, {
    scheduler,
    board: operations.board,
    catalogue,
    admission,
    // A fallback model must be one the key may use, like the model it asked for.
    fallbackAllowed: (principal, model) => admission.allowsModel(principal, model),
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
  const { accounts, apiKeys, models } = createAdminServices(store, secretBox, {
    kinds,
    outboundUrls,
    inFlight: (id) => pool.get(id)?.inFlight,
    onAccountsChange: () => pool.reload(),
    onKeyRevoked: (id) => {
      authenticator.invalidate(id);
      cluster?.parts.keyChanges?.publish(id).catch((error: unknown) => {
        logger.warn({ err: error, apiKeyId: id }, 'could not tell other gateways about a key change');
      });
    },
    catalogue,
    settings: operations.settings,
  });

  const identity = createIdentityServices(store, {
    masterKey: Buffer.isBuffer(masterKey) ? masterKey : masterKey.key,
    auth: config.auth,
    apiKeys,
    registrationOpen: () => operations.settings.values.registrationOpen,
  });

  // Settings first: the compliance switch decides whether the first start may add the mock demo.
  await operations.start();
  const firstStart = await bootstrap(store, accounts, config.bootstrapAnthropicApiKey);
  await models.load();
  await pool.reload();
  await cluster?.start(pool);
  await cluster?.parts.keyChanges?.subscribe((id) => authenticator.invalidate(id));
  for (const account of pool.accounts()) {
    if (account.simulated) {
      logger.warn(
        { account: account.name },
        'account is a mock: its answers are simulated, not from a model',
      );
    }
  }
  // CONVERSATION_ENCRYPTION (docs/conversation-encryption.md): the chat's services see plaintext only.
  const chatStore = sealedConversationRepositories(store, secretBox, config.chat.encryption, (error) =>
    logger.error({ err: error }, 'stored conversation content cannot be decrypted'),
  );
  const chatAttachments = new ChatAttachmentsService(chatStore.chatAttachments, config.chat.upload);
  ledger.start();
  usageGauges.start();
  const usageRetention = startUsageRetention(config.usage.retention, store, logger, metrics.registry);
  authenticator.start();
  claudeCli.startMaintenance();
  const timers = [
    setInterval(() => pool.sweep(Date.now()), SWEEP_INTERVAL_MS),
    setInterval(() => {
      pool.reload().catch((error: unknown) => logger.warn({ err: error }, 'could not reload accounts'));
      // Catalogue edits made by other processes arrive on the same beat as account changes.
      models
        .load()
        .catch((error: unknown) => logger.warn({ err: error }, 'could not reload the model catalogue'));
    }, config.accountRefreshIntervalMs),
    setInterval(() => {
      chatAttachments
        .sweep()
        .catch((error: unknown) => logger.warn({ err: error }, 'could not sweep unsent chat attachments'));
    }, CHAT_ATTACHMENT_SWEEP_MS),
  ];
  for (const timer of timers) timer.unref();

  const adminToken = randomBytes(32).toString('base64url');
  const app = buildApp({
    logger,
    messages: {
      pipeline,
      authenticator,
      requestDeadlineMs: config.requestDeadlineMs,
      remoteImages: config.openAiRemoteImages,
      ...(config.openAiRemoteImages === 'fetch' ? { fetchImage: createImageFetcher(outboundUrls) } : {}),
    },
    catalog: new ModelCatalog(
      pool,
      (principal, models) => models.filter((model) => admission.allowsModel(principal, model.id)),
      catalogue,
    ),
    health: { readiness: gatewayReadiness(store, cluster?.parts), metrics },
    admin: {
      accounts,
      apiKeys,
      models,
      adminToken,
      ...identity,
      backups: new BackupsService({
        store,
        config: config.backup,
        audit: scrubbedAudit(store.audit),
        actor: { type: 'cli', id: null },
      }),
      operations: operations.routes,
      usageRetention: usageRetention.service,
      usageReports: new UsageReportsService(store.usageReports, store.usageRollups, () => ({
        queueDepth: queue.depth,
        accounts: pool.accounts().map((a) => ({
          id: a.id,
          name: a.name,
          kind: a.record.kind,
          state: a.state,
          inFlight: a.inFlight,
          maxConcurrency: a.record.maxConcurrency,
          cooldownUntil: a.cooldownUntil,
        })),
      })),
    },
    web: {
      conversations: new ConversationsService(chatStore.conversations),
      attachments: chatAttachments,
      history: conversationHistoryServices(chatStore, chatAttachments.limits, config.chat.encryption),
      resume: {
        graceMs: config.chat.resumeGraceMs,
        maxBytes: config.chat.resumeMaxBytes,
        // Distributed mode: chat answers resume and stop through any gateway.
        shared: cluster && {
          results: cluster.parts.results,
          control: cluster.parts.control,
          ttlMs: config.cluster.resultStream.ttlMs,
        },
      },
    },
    requestEvents: resumable?.source ?? cluster?.requestEvents,
    http: {
      server: serverOptionsOf(config.http),
      corsOrigins: config.http.corsOrigins,
      trustedProxies: config.trustedProxies,
    },
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const graceEnds = Date.now() + config.shutdownGraceMs;
      for (const timer of timers) clearInterval(timer);
      cluster?.stop();
      operations.stop();
      await closeWithGrace(app, config.shutdownGraceMs, logger);
      // Streams whose client left are read to their end (for a resume) and outlive their HTTP
      // connection: within the grace period, let them record their usage before the ledger stops.
      await resumable?.calls.settled(Math.max(0, graceEnds - Date.now()));
      await ledger.stop();
      await usageGauges.stop();
      await usageRetention.stop();
      await authenticator.stop();
      await pool.close();
      await claudeCli.close();
    })());

  return {
    app,
    store,
    pool,
    ledger,
    metrics,
    claudeCli,
    accounts,
    apiKeys,
    models,
    catalogue,
    settings: operations.settings,
    usageRetention: usageRetention.service,
    adminToken,
    firstStart,
    stop,
  };
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
