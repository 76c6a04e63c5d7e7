/**
 * Redis connections for the distributed mode, set up as BullMQ's production guide asks:
 * - `command` connections (a gateway's request path: submit, read) fail fast. With the offline
 *   queue off, a command issued while Redis is away rejects at once instead of waiting in memory,
 *   so the gateway can answer 503 with retry-after.
 * - `blocking` connections (BullMQ workers, stream followers) retry for ever
 *   (`maxRetriesPerRequest: null`): a blocking read survives a Redis restart or a failover.
 * Every client is made here, from a URL or through Sentinel (docs/high-availability.md), and every
 * one reconnects with the same capped exponential backoff with jitter, so a failover does not
 * bring every gateway and worker back in lockstep. At start, Redis must run with
 * `maxmemory-policy noeviction`: evicting keys would silently lose jobs, locks and streams.
 */
import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'command' | 'blocking';

export interface RedisConnectionOptions {
  /** CLIENT SETNAME, so `CLIENT LIST` shows which part of Switchyard holds a connection. */
  name?: string;
  connectTimeoutMs?: number;
}

/** Redis found through Sentinel: the sentinels to ask and the master group's name. */
export interface SentinelTarget {
  sentinels: { host: string; port: number }[];
  masterName: string;
  /** The sentinels' own password (REDIS_SENTINEL_PASSWORD), if they require one. */
  password?: string;
}

/**
 * Where Redis is: a URL, or Sentinel. With Sentinel, the URL (optional) only lends the master its
 * user, password, database and TLS (`rediss:`); its host and port are not used.
 */
export interface RedisTarget {
  url?: string;
  sentinel?: SentinelTarget;
}

export type RedisEndpoint = string | RedisTarget;

const CONNECT_TIMEOUT_MS = 10_000;
const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 2_000;

/**
 * Reconnect delay after `attempt` failures: doubling from 50 ms, capped at 2 s, with equal jitter
 * (half fixed, half random) so a thousand clients cut at the same instant spread their retries.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * A former master that comes back as a replica answers writes with READONLY: reconnect (through
 * Sentinel, to the new master) and resend the command instead of failing it.
 */
function reconnectOnError(error: Error): 2 | false {
  return /^(READONLY|MASTERDOWN|LOADING)/.test(error.message) ? 2 : false;
}

export function redisOptionsFor(role: RedisRole, options: RedisConnectionOptions = {}): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    connectionName: options.name,
    retryStrategy: (times) => reconnectDelayMs(times),
    reconnectOnError,
    ...(role === 'command'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null }),
  };
}

/** Sentinel's part of the ioredis options; the URL, if any, adds credentials, database and TLS. */
function sentinelOptions(sentinel: SentinelTarget, tls: boolean): RedisOptions {
  return {
    sentinels: sentinel.sentinels,
    name: sentinel.masterName,
    role: 'master',
    ...(sentinel.password === undefined ? {} : { sentinelPassword: sentinel.password }),
    sentinelRetryStrategy: (times) => reconnectDelayMs(times),
    // Not ioredis's failoverDetector: its +switch-master handler can land while the client is
    // reconnecting, and that connect attempt then ends the client for good ("Connection is
    // closed", status end; seen in test/faults/sentinel-failover.test.ts). Without it, a client
    // finds the new master on its next reconnect, and a demoted master's READONLY sends it there.
    // With TLS to the master (rediss:), the sentinels are spoken to over TLS too.
    ...(tls ? { enableTLSForSentinelMode: true } : {}),
  };
}

/** A client for the target, not yet connected (it connects on first use). */
export function createRedis(
  endpoint: RedisEndpoint,
  role: RedisRole,
  options: RedisConnectionOptions = {},
): Redis {
  const target: RedisTarget = typeof endpoint === 'string' ? { url: endpoint } : endpoint;
  const { url, sentinel } = target;
  const all: RedisOptions = {
    ...(sentinel ? sentinelOptions(sentinel, url?.startsWith('rediss:') === true) : {}),
    ...redisOptionsFor(role, options),
  };
  const client = url === undefined ? new Redis(all) : new Redis(url, all);
  // Without a listener, ioredis reports every reconnect attempt as an unhandled 'error' event.
  client.on('error', () => {});
  return client;
}

/** A connected client. Rejects (and closes the client) when Redis cannot be reached in time. */
export async function connectRedis(
  endpoint: RedisEndpoint,
  role: RedisRole,
  options: RedisConnectionOptions = {},
): Promise<Redis> {
  const client = createRedis(endpoint, role, options);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new RedisUnreachableError(describeRedis(endpoint), error);
  }
  return client;
}

/** Where Redis is, without user or password: safe to log. */
export function describeRedis(endpoint: RedisEndpoint): string {
  if (typeof endpoint === 'string' || !endpoint.sentinel) {
    const url = typeof endpoint === 'string' ? endpoint : endpoint.url;
    return url === undefined ? '(no Redis URL)' : describeRedisUrl(url);
  }
  const { masterName, sentinels } = endpoint.sentinel;
  return `sentinel master ${masterName} via ${sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
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
  constructor(where: string, cause: unknown) {
    super(`Cannot connect to Redis at ${where}.`, { cause });
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
