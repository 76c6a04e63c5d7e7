/**
 * Real Redis for queue tests: the machine's server at TEST_REDIS_URL, a fresh key prefix per test,
 * and every key under it deleted afterwards. Tests that restart Redis start their own server.
 */
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { connectRedis } from '../../src/queue/redis-connection.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function freshPrefix(): string {
  return `sytest-${randomUUID().slice(0, 8)}`;
}

export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
}

export async function countKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

export function commandConnection(): Promise<Redis> {
  return connectRedis(TEST_REDIS_URL, 'command', { name: 'switchyard-test' });
}

export function blockingConnection(): Promise<Redis> {
  return connectRedis(TEST_REDIS_URL, 'blocking', { name: 'switchyard-test-blocking' });
}

async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** A throwaway redis-server on a spare port (never the shared one), with extra config args. */
export async function startOwnRedis(
  args: string[] = [],
): Promise<{ url: string; stop: () => Promise<void>; restart: () => Promise<void> }> {
  const port = await sparePort();
  const url = `redis://127.0.0.1:${port}`;
  let child = await launch(port, args);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return {
    url,
    stop,
    // Without persistence, a restarted server starts empty: like a failover to a fresh replica.
    restart: async () => {
      await stop();
      child = await launch(port, args);
    },
  };
}

async function launch(port: number, args: string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: 'ignore' },
  );
  const probe = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    for (let tries = 0; ; tries++) {
      try {
        await probe.connect();
        await probe.ping();
        return child;
      } catch {
        if (tries > 100) {
          child.kill('SIGKILL');
          throw new Error('redis-server did not start');
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    probe.disconnect();
  }
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
