/** The connection factory against real servers: our own redis-server where its config must differ. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config/index.js';
import { jobIdOf, SHARED_LANE } from '../../src/queue/job.js';
import { QueueUnavailableError } from '../../src/queue/queue-unavailable-error.js';
import {
  checkEvictionPolicy,
  connectRedis,
  describeRedis,
  describeRedisUrl,
  reconnectDelayMs,
  redisOptionsFor,
  RedisEvictionPolicyError,
  RedisUnreachableError,
} from '../../src/queue/redis-connection.js';
import { RedisJobQueue } from '../../src/queue/redis-job-queue.js';
import { RedisKeys } from '../../src/queue/redis-keys.js';
import { isConnectionError } from '../../src/queue/redis-result-stream.js';
import { startOwnRedis, TEST_REDIS_URL } from './redis-test-support.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('redis connections', () => {
  it('applies BullMQ production settings per role', () => {
    expect(redisOptionsFor('command')).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    expect(redisOptionsFor('blocking')).toMatchObject({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });
    const delay = redisOptionsFor('command').retryStrategy?.(100);
    expect(delay).toBeGreaterThanOrEqual(1000);
    expect(delay).toBeLessThanOrEqual(2000);
  });

  it('backs off exponentially with jitter, capped at 2 s, for every role and for sentinels', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => reconnectDelayMs(n, () => 1))).toEqual([
      50, 100, 200, 400, 800, 1600, 2000, 2000,
    ]);
    expect([1, 2, 3, 50].map((n) => reconnectDelayMs(n, () => 0))).toEqual([25, 50, 100, 1000]);
    const spread = new Set(Array.from({ length: 50 }, () => reconnectDelayMs(10)));
    expect(spread.size).toBeGreaterThan(10);
    expect(
      redisOptionsFor('blocking').reconnectOnError?.(
        new Error('READONLY You cannot write against a read only replica.'),
      ),
    ).toBe(2);
    expect(redisOptionsFor('blocking').reconnectOnError?.(new Error('ERR unknown command'))).toBe(false);
  });

  it('counts failover errors as connection errors (503, retry), not as bugs', () => {
    for (const message of [
      "READONLY You can't write against a read only replica.",
      'All sentinels are unreachable. Retrying from scratch after 100ms.',
      'Connection is closed.',
      "Stream isn't writeable and enableOfflineQueue options is false",
      'LOADING Redis is loading the dataset in memory',
    ])
      expect(isConnectionError(new Error(message)), message).toBe(true);
    expect(isConnectionError(new Error('ERR wrong number of arguments'))).toBe(false);
  });

  it('accepts the shared server (noeviction) and refuses or warns about an evicting one', async () => {
    const shared = await connectRedis(TEST_REDIS_URL, 'command');
    stops.push(async () => void shared.disconnect());
    const warnings: string[] = [];
    const warn = (message: string) => void warnings.push(message);
    expect(await checkEvictionPolicy(shared, 'shared', { require: true, warn })).toEqual({
      policy: 'noeviction',
      ok: true,
    });

    const own = await startOwnRedis(['--maxmemory-policy', 'allkeys-lru']);
    stops.push(own.stop);
    const evicting = await connectRedis(own.url, 'command');
    stops.push(async () => void evicting.disconnect());
    await expect(checkEvictionPolicy(evicting, 'own', { require: true, warn })).rejects.toBeInstanceOf(
      RedisEvictionPolicyError,
    );
    expect(warnings).toEqual([]);
    expect(await checkEvictionPolicy(evicting, 'own', { require: false, warn })).toEqual({
      policy: 'allkeys-lru',
      ok: false,
    });
    expect(warnings[0]).toContain('maxmemory-policy allkeys-lru');
  });

  it('fails fast with 503 and retry-after when Redis is away', async () => {
    const own = await startOwnRedis();
    stops.push(own.stop);
    const command = await connectRedis(own.url, 'command');
    stops.push(async () => void command.disconnect());
    const queue = new RedisJobQueue({
      url: own.url,
      keys: new RedisKeys('sytest'),
      command,
      retentionMs: 60_000,
    });
    stops.push(() => queue.close());
    const job = (n: number) => {
      const requestId = `req_${randomUUID().replaceAll('-', '')}`;
      return {
        jobId: jobIdOf(requestId, n),
        requestId,
        attempt: n,
        lane: SHARED_LANE,
        accountId: 'a',
        operation: 'messages' as const,
        stream: false,
        model: 'm',
        deadline: Date.now() + 10_000,
        firstByteTimeoutMs: 1_000,
        idleTimeoutMs: 1_000,
      };
    };
    await queue.submit(job(1), Buffer.from('{}'));
    await own.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    const failure = await queue.submit(job(1), Buffer.from('{}')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueueUnavailableError);
    expect(failure).toMatchObject({ status: 503, retryAfterSeconds: 2 });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('names the server without its password when it cannot connect', async () => {
    const url = 'redis://user:hunter2@127.0.0.1:1/0';
    const error = await connectRedis(url, 'command', { connectTimeoutMs: 500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnreachableError);
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect(describeRedisUrl(url)).toBe('redis://127.0.0.1:1/0');
  });
});

describe('distributed mode configuration', () => {
  it('is off without REDIS_URL and validated with it', () => {
    expect(loadConfig({}).redis).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'sy',
      requireNoEviction: true,
    });
    expect(() => loadConfig({ REDIS_URL: 'http://user:secret@host' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_SENTINELS: 'host-without-port' })).toThrow(/REDIS_SENTINELS/);
    expect(() => loadConfig({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_MASTER: 'a b' })).toThrow(
      /REDIS_SENTINEL_MASTER/,
    );
    expect(() => loadConfig({ REDIS_URL: 'http://user:secret@host' })).toThrow(/value hidden/);
    expect(() => loadConfig({ REDIS_KEY_PREFIX: 'a:b' })).toThrow(/REDIS_KEY_PREFIX/);
    expect(() => loadConfig({ WORKER_HEARTBEAT_INTERVAL_MS: '5000', WORKER_LOST_AFTER_MS: '5000' })).toThrow(
      /WORKER_LOST_AFTER_MS must be greater/,
    );
    // Sentinel alone turns distributed mode on; REDIS_URL then lends only credentials and database.
    const sentinel = loadConfig({
      REDIS_SENTINELS: 's1:26379, s2:26380,[::1]:26381',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_URL: 'redis://:master-secret@ignored:6379/2',
    }).redis!;
    expect(sentinel.sentinel).toEqual({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'mymaster',
      password: 'sentinel-secret',
    });
    expect(sentinel.url).toBe('redis://:master-secret@ignored:6379/2');
    expect(describeRedis(sentinel)).toBe('sentinel master mymaster via s1:26379,s2:26380,::1:26381');
    expect(loadConfig({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_MASTER: 'cache-a' }).redis).toMatchObject(
      {
        sentinel: { masterName: 'cache-a' },
      },
    );
    expect(() => loadConfig({ REDIS_SENTINELS: 's1:x', REDIS_SENTINEL_PASSWORD: 'p' })).toThrow(
      /REDIS_SENTINELS/,
    );
    expect(loadConfig({}).cluster).toMatchObject({
      heartbeatIntervalMs: 5_000,
      lostAfterMs: 15_000,
      resultStream: { maxEntries: 10_000, ttlMs: 600_000 },
      jobRetentionMs: 3_600_000,
    });
  });
});
