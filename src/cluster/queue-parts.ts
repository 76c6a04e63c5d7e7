/**
 * The job queue, result streams and worker registry as one set, built from the config: in this
 * process for embedded mode, on Redis when REDIS_URL is set. The composition root picks one; the
 * rest of the code sees only the interfaces.
 */
import type { Redis } from 'ioredis';
import type { ClusterConfig, RedisConfig } from '../config/index.js';
import { InProcessJobQueue } from '../queue/in-process-job-queue.js';
import { InProcessResultStream } from '../queue/in-process-result-stream.js';
import type { LimitStore } from '../gateway/limits/limit-store.js';
import type { JobQueue } from '../queue/job-queue.js';
import { checkEvictionPolicy, connectRedis, describeRedis } from '../queue/redis-connection.js';
import { RedisJobQueue } from '../queue/redis-job-queue.js';
import { RedisKeys } from '../queue/redis-keys.js';
import { RedisResultStream } from '../queue/redis-result-stream.js';
import type { ResultStream } from '../queue/result-stream.js';
import { InMemoryWorkerRegistry } from './in-memory-worker-registry.js';
import { InProcessJobControl, RedisJobControl, type JobControl } from './job-control.js';
import { RedisKeyChanges, type KeyChangeFeed } from './key-changes.js';
import { RedisAccountState } from './redis-account-state.js';
import { RedisLimitStore } from './redis-limit-store.js';
import { RedisWorkerRegistry } from './redis-worker-registry.js';
import type { WorkerRegistry } from './worker-registry.js';

export interface QueueParts {
  mode: 'embedded' | 'distributed';
  jobs: JobQueue;
  results: ResultStream;
  workers: WorkerRegistry;
  /** Cancels and the request index (src/cluster/job-control.ts). */
  control: JobControl;
  /** Rate-limit, concurrency and budget counters every gateway shares (distributed mode). */
  limits?: LimitStore;
  /** Tells every gateway that an API key was revoked or changed (distributed mode). */
  keyChanges?: KeyChangeFeed;
  /** Leases, cooldowns, sticky bindings and the wait queue every gateway shares (distributed). */
  accountState?: RedisAccountState;
  /** Distributed: the fail-fast command connection, and new subscriber connections (admin feeds). */
  pubsub?: { command: Redis; subscriber(name: string): Promise<Redis> };
  /** Resolves while this process can write to Redis (its master, through Sentinel or not). */
  ping?: () => Promise<void>;
  /** Closes consumers gracefully, then every connection. */
  close(): Promise<void>;
}

export function createEmbeddedParts(cluster: ClusterConfig): QueueParts {
  const jobs = new InProcessJobQueue({ retentionMs: cluster.jobRetentionMs });
  const results = new InProcessResultStream(cluster.resultStream);
  const control = new InProcessJobControl();
  return {
    mode: 'embedded',
    jobs,
    results,
    workers: new InMemoryWorkerRegistry({
      lostAfterMs: cluster.lostAfterMs,
      forgetAfterMs: cluster.forgetAfterMs,
    }),
    control,
    close: async () => {
      await jobs.close();
      await results.close();
      await control.close();
    },
  };
}

/**
 * Connects, checks that Redis does not evict keys, and builds the parts. Rejects when Redis is
 * unreachable, or evicts while `requireNoEviction` is set: better to refuse to start than to lose
 * jobs later. A gateway's commands fail fast (its clients hear 503 while Redis is away); a
 * worker's writes (result entries, heartbeats) wait for Redis to come back instead, so an answer
 * in progress survives a Redis restart.
 */
export async function openDistributedParts(
  redis: RedisConfig,
  cluster: ClusterConfig,
  warn: (message: string) => void,
  options: { role: 'gateway' | 'worker' } = { role: 'gateway' },
): Promise<QueueParts> {
  const opened: Redis[] = [];
  try {
    const command = await connectRedis(redis, 'command', { name: `${redis.keyPrefix}-command` });
    opened.push(command);
    await checkEvictionPolicy(command, describeRedis(redis), {
      require: redis.requireNoEviction,
      warn,
    });
    const blocking = await connectRedis(redis, 'blocking', { name: `${redis.keyPrefix}-streams` });
    opened.push(blocking);
    let writes = command;
    if (options.role === 'worker') {
      writes = await connectRedis(redis, 'blocking', {
        name: `${redis.keyPrefix}-worker-writes`,
      });
      opened.push(writes);
    }
    const keys = new RedisKeys(redis.keyPrefix);
    const jobs = new RedisJobQueue({
      url: redis,
      keys,
      command,
      retentionMs: cluster.jobRetentionMs,
      // Equal, as BullMQ's defaults are: a dead worker's job returns within about twice the lock.
      lockDurationMs: cluster.jobLockMs,
      stalledIntervalMs: cluster.jobLockMs,
    });
    const results = new RedisResultStream(writes, blocking, keys, cluster.resultStream);
    const control = new RedisJobControl(writes, keys, redis);
    const keyChanges = new RedisKeyChanges(command, redis, `${redis.keyPrefix}:keys:changed`);
    const accountState = new RedisAccountState(command, redis.keyPrefix, redis, {
      warn: (message, error) => warn(`${message}: ${error instanceof Error ? error.message : String(error)}`),
    });
    return {
      mode: 'distributed',
      jobs,
      results,
      workers: new RedisWorkerRegistry(writes, keys, {
        lostAfterMs: cluster.lostAfterMs,
        forgetAfterMs: cluster.forgetAfterMs,
      }),
      control,
      limits: new RedisLimitStore(command, redis.keyPrefix),
      keyChanges,
      accountState,
      pubsub: {
        command,
        subscriber: (name) => connectRedis(redis, 'blocking', { name: `${redis.keyPrefix}-${name}` }),
      },
      // ROLE, not PING: a former master demoted to replica answers PING but refuses writes.
      ping: async () => {
        const [role] = (await command.call('ROLE')) as [string, ...unknown[]];
        if (role !== 'master') throw new Error(`Redis answers as ${role}, not master`);
      },
      close: async () => {
        keyChanges.close();
        accountState.close();
        await jobs.close();
        await results.close();
        await control.close();
        for (const client of opened) client.disconnect();
      },
    };
  } catch (error) {
    for (const client of opened) client.disconnect();
    throw error;
  }
}
