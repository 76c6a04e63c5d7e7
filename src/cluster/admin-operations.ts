/**
 * The admin pages' moving parts in one gateway (docs/admin-operations.md): the call board the
 * pipeline fills, the settings and how they reach the pool, and, in distributed mode, the Redis
 * feeds that let each gateway list and cancel every gateway's requests and announce settings
 * changes. The composition root builds this before the pipeline and starts it before bootstrap.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/index.js';
import { CallBoard } from '../gateway/call-board.js';
import type { AccountPool } from '../gateway/scheduler/account-pool.js';
import type { Logger } from '../observability/logger.js';
import type { AdmissionQueue } from '../queue/admission-queue.js';
import { laneOf } from '../queue/job.js';
import type { OperationsRouteDeps } from '../server/routes/operations.js';
import { scrubbedAudit } from '../services/audit-context.js';
import { RequestQueueService } from '../services/request-queue.js';
import { COMPLIANT_KIND, defaultSettings, SettingsService } from '../services/settings.js';
import type { Settings } from '../services/settings-types.js';
import { WorkersService } from '../services/workers.js';
import type { Store } from '../store/types.js';
import {
  LocalCallBoardFeed,
  RedisCallBoardFeed,
  RedisChangeFeed,
  type CallBoardFeed,
} from './call-board-feed.js';
import type { GatewayCluster } from './gateway-cluster.js';
import { InProcessJobControl } from './job-control.js';
import { servedByWorker } from './served-by.js';

export interface AdminOperations {
  board: CallBoard;
  settings: SettingsService;
  routes: OperationsRouteDeps;
  /** Loads the settings and applies them to the pool; subscribes to the other gateways. */
  start(): Promise<void>;
  stop(): void;
}

export function createAdminOperations(deps: {
  config: Config;
  store: Store;
  pool: AccountPool;
  queue: AdmissionQueue;
  logger: Logger;
  cluster?: GatewayCluster | undefined;
}): AdminOperations {
  const { config, store, pool, queue, logger, cluster } = deps;
  const gatewayId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const board = new CallBoard();
  const audit = scrubbedAudit(store.audit);
  const pubsub = cluster?.parts.pubsub;
  const prefix = config.redis?.keyPrefix ?? 'sy';
  const changes = pubsub && new RedisChangeFeed(pubsub.command, `${prefix}:settings:changed`, gatewayId);
  const settings = new SettingsService({
    repository: store.settings,
    audit,
    accounts: store.accounts,
    defaults: defaultSettings(config),
    onChange: () =>
      void changes?.publish().catch((error: unknown) => {
        logger.warn({ err: error }, 'could not tell other gateways about a settings change');
      }),
  });
  const apply = (values: Settings) =>
    pool.setAccountFilter(values.anthropicApiOnly ? (record) => record.kind === COMPLIANT_KIND : undefined);
  settings.onApply(apply);

  const redisFeed = pubsub && new RedisCallBoardFeed(board, gatewayId, pubsub.command, prefix);
  const feed: CallBoardFeed = redisFeed ?? new LocalCallBoardFeed(board, gatewayId);
  const mode = cluster ? 'distributed' : 'embedded';
  const parts = cluster?.parts;
  const workers = new WorkersService({
    mode,
    registry: parts?.workers ?? {
      heartbeat: async () => ({ drain: false }),
      deregister: async () => {},
      setDrain: async () => false,
      list: async () => [],
    },
    accounts: store.accounts,
    audit,
    self: () => {
      const accounts = pool.accounts();
      return {
        accounts: accounts.map((a) => ({ id: a.id, name: a.name })),
        capacity: accounts.reduce((sum, a) => sum + a.record.maxConcurrency, 0),
        inFlight: accounts.reduce((sum, a) => sum + a.inFlight, 0),
      };
    },
  });
  const requestQueue = new RequestQueueService({
    mode,
    feed,
    depth: () => queue.depth,
    ...(parts
      ? {
          jobs: {
            queue: parts.jobs,
            lanes: async () =>
              (await store.accounts.list()).filter(servedByWorker).map((r) => laneOf(r.id, true)),
          },
        }
      : {}),
    control: parts?.control ?? new InProcessJobControl(),
    apiKeys: store.apiKeys,
    users: store.users,
    accounts: store.accounts,
    audit,
  });

  let timer: NodeJS.Timeout | undefined;
  const reload = () =>
    settings.load().catch((error: unknown) => logger.warn({ err: error }, 'could not reload the settings'));
  return {
    board,
    settings,
    routes: { workers, requestQueue, settings },
    async start() {
      await settings.load();
      apply(settings.values);
      if (pubsub && redisFeed && changes) {
        await redisFeed.start(await pubsub.subscriber('board'));
        await changes.start(await pubsub.subscriber('settings'), () => void reload());
      }
      // A missed announcement (a gateway restarting, Redis away) is caught up on this beat.
      timer = setInterval(() => void reload(), config.accountRefreshIntervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      feed.close();
      changes?.close();
    },
  };
}
