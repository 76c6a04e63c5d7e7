import { openDistributedParts, type QueueParts } from '../cluster/queue-parts.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../observability/logger.js';
import { describeRedis } from '../queue/redis-connection.js';
import { CliError } from './context.js';

/** `gateway` and `worker` share state through PostgreSQL and Redis: both must be configured. */
export function requireDistributedConfig(config: Config, command: 'gateway' | 'worker'): void {
  const missing: string[] = [];
  if (config.database.kind !== 'postgres') missing.push('DATABASE_URL (postgres://…)');
  if (!config.redis) missing.push('REDIS_URL (redis://…) or REDIS_SENTINELS');
  if (missing.length === 0) return;
  process.stderr.write(
    `switchyard: \`switchyard ${command}\` runs in distributed mode and needs ${missing.join(' and ')}; ` +
      'for one process on the embedded database, use `switchyard start`.\n',
  );
  process.exit(2);
}

/** Connects to Redis (and checks its eviction policy), or fails with one line. */
export async function openClusterParts(
  config: Config,
  logger: Logger,
  role: 'gateway' | 'worker',
  onFailure: () => Promise<void>,
): Promise<QueueParts> {
  const redis = config.redis!;
  try {
    const parts = await openDistributedParts(redis, config.cluster, (message) => logger.warn(message), {
      role,
    });
    logger.info({ redis: describeRedis(redis), prefix: redis.keyPrefix, role }, 'connected to Redis');
    return parts;
  } catch (error) {
    await onFailure();
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
}
