/**
 * Redis connections for the distributed mode, set up as BullMQ's production guide asks:
 * - `command` connections (a gateway's request path: submit, read) fail fast. With the offline
 *   queue off, a command issued while Redis is away rejects at once instead of waiting in memory,
 *   so the gateway can answer 503 with retry-after.
 * - `blocking` connections (BullMQ workers, stream followers) retry for ever
 *   (`maxRetriesPerRequest: null`): a blocking read survives a Redis restart.
 * Both reconnect with ioredis's backoff of min(50·n, 2000) ms. At start, Redis must run with
 * `maxmemory-policy noeviction`: evicting keys would silently lose jobs, locks and streams.
 */
import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'command' | 'blocking';

export interface RedisConnectionOptions {
  /** CLIENT SETNAME, so `CLIENT LIST` shows which part of Switchyard holds a connection. */
  name?: string;
  connectTimeoutMs?: number;
}

const CONNECT_TIMEOUT_MS = 10_000;

export function redisOptionsFor(role: RedisRole, options: RedisConnectionOptions = {}): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    connectionName: options.name,
    retryStrategy: (times) => Math.min(50 * times, 2000),
    ...(role === 'command'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null }),
  };
}

/** A connected client. Rejects (and closes the client) when Redis cannot be reached in time. */
export async function connectRedis(
  url: string,
  role: RedisRole,
  options: RedisConnectionOptions = {},
): Promise<Redis> {
  const client = new Redis(url, redisOptionsFor(role, options));
  // Without a listener, ioredis reports every reconnect attempt as an unhandled 'error' event.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new RedisUnreachableError(url, error);
  }
  return client;
}

/** Host, port and database of a Redis URL, without user or password: safe to log. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}${parsed.pathname || ''}`;
  } catch {
    return '(unparsable Redis URL)';
  }
}

export class RedisUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(`Cannot connect to Redis at ${describeRedisUrl(url)}.`, { cause });
    this.name = 'RedisUnreachableError';
  }
}

export class RedisEvictionPolicyError extends Error {
  constructor(
    readonly where: string,
    readonly policy: string,
  ) {
    super(
      `Redis at ${where} runs with maxmemory-policy ${policy}; Switchyard needs noeviction, or Redis may ` +
        'silently drop queued jobs, locks and result streams under memory pressure. Set ' +
        '`maxmemory-policy noeviction` in redis.conf (or CONFIG SET), or set REDIS_REQUIRE_NOEVICTION=false ' +
        'to start anyway with a warning.',
    );
    this.name = 'RedisEvictionPolicyError';
  }
}

export interface EvictionPolicyCheck {
  policy: string | undefined;
  ok: boolean;
}

/**
 * Reads maxmemory-policy from INFO. Not noeviction: throws RedisEvictionPolicyError when required,
 * else calls `warn`. A server that hides INFO (some managed services) only gets a warning.
 */
export async function checkEvictionPolicy(
  client: Redis,
  where: string,
  options: { require: boolean; warn: (message: string) => void },
): Promise<EvictionPolicyCheck> {
  let policy: string | undefined;
  try {
    const info = await client.info('memory');
    policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  } catch {
    policy = undefined;
  }
  if (policy === undefined) {
    options.warn(`Could not read maxmemory-policy from Redis at ${where}; make sure it is noeviction.`);
    return { policy, ok: false };
  }
  if (policy === 'noeviction') return { policy, ok: true };
  const error = new RedisEvictionPolicyError(where, policy);
  if (options.require) throw error;
  options.warn(error.message);
  return { policy, ok: false };
}
