import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryWorkerRegistry } from '../../src/cluster/in-memory-worker-registry.js';
import { RedisWorkerRegistry } from '../../src/cluster/redis-worker-registry.js';
import { WorkerHeartbeat } from '../../src/cluster/worker-heartbeat.js';
import {
  liveAccounts,
  type WorkerAnnouncement,
  type WorkerRegistry,
  type WorkerRegistryTiming,
} from '../../src/cluster/worker-registry.js';
import { RedisKeys } from '../../src/queue/redis-keys.js';
import { commandConnection, countKeys, deleteKeys, waitFor } from '../queue/redis-test-support.js';

const TIMING: WorkerRegistryTiming = { lostAfterMs: 300, forgetAfterMs: 1_200 };

const worker = (id: string, accounts: string[]): WorkerAnnouncement => ({
  id,
  host: 'box-1',
  accounts,
  capacity: 8,
  version: '0.1.0',
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function inMemory(): Promise<WorkerRegistry> {
  return new InMemoryWorkerRegistry(TIMING);
}

async function redis(): Promise<WorkerRegistry> {
  const client = await commandConnection();
  const keys = new RedisKeys(`sytest-${randomUUID().slice(0, 8)}`);
  cleanups.push(async () => {
    await deleteKeys(client, keys.prefix);
    expect(await countKeys(client, keys.prefix)).toBe(0);
    client.disconnect();
  });
  return new RedisWorkerRegistry(client, keys, TIMING);
}

const status = async (registry: WorkerRegistry, id: string) =>
  (await registry.list()).find((record) => record.id === id)?.status;

describe.each([
  ['in memory', inMemory],
  ['redis', redis],
])('worker registry: %s', (_name, make) => {
  it('lists what a worker registered, live', async () => {
    const registry = await make();
    await registry.heartbeat(worker('w1', ['alice-max', 'team-pro']));
    const [record] = await registry.list();
    expect(record).toMatchObject({ ...worker('w1', ['alice-max', 'team-pro']), status: 'live' });
    expect(record!.lastSeenAt).toBeGreaterThanOrEqual(record!.startedAt);
  });

  it('keeps a worker that heartbeats live, and marks one that stops lost', async () => {
    const registry = await make();
    const steady = new WorkerHeartbeat(
      registry,
      () => worker('steady', ['a']),
      50,
      () => {},
    );
    await steady.start();
    cleanups.push(() => steady.stop());
    await registry.heartbeat(worker('silent', ['b']));
    await waitFor(async () => ((await status(registry, 'silent')) === 'lost' ? true : undefined));
    expect(await status(registry, 'steady')).toBe('live');
    expect([...liveAccounts(await registry.list()).keys()]).toEqual(['a']);
  });

  it('makes a lost worker live again when it returns, keeping its start time', async () => {
    const registry = await make();
    await registry.heartbeat(worker('w1', ['a']));
    const startedAt = (await registry.list())[0]!.startedAt;
    await waitFor(async () => ((await status(registry, 'w1')) === 'lost' ? true : undefined));
    await registry.heartbeat(worker('w1', ['a', 'c']));
    const [back] = await registry.list();
    expect(back).toMatchObject({ status: 'live', accounts: ['a', 'c'], startedAt });
    expect(liveAccounts(await registry.list()).get('c')).toEqual(['w1']);
  });

  it('forgets a worker lost for long, and one that deregisters at once', async () => {
    const registry = await make();
    await registry.heartbeat(worker('gone', ['a']));
    await registry.heartbeat(worker('leaving', ['b']));
    await registry.deregister('leaving');
    expect((await registry.list()).map((record) => record.id)).toEqual(['gone']);
    await waitFor(async () => ((await registry.list()).length === 0 ? true : undefined), 5_000);
  });
});
