import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedParts, openDistributedParts, type QueueParts } from '../../src/cluster/queue-parts.js';
import { loadConfig } from '../../src/config/index.js';
import { QueueUnavailableError } from '../../src/queue/queue-unavailable-error.js';
import { RedisEvictionPolicyError } from '../../src/queue/redis-connection.js';
import { ResultWriter } from '../../src/queue/result-stream.js';
import {
  commandConnection,
  countKeys,
  deleteKeys,
  freshPrefix,
  startOwnRedis,
  TEST_REDIS_URL,
} from '../queue/redis-test-support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function roundTrip(parts: QueueParts): Promise<string[]> {
  const consumer = parts.jobs.consume(
    ['shared'],
    async (job) => {
      await new ResultWriter(parts.results, job.spec.jobId).append(
        { kind: 'head', data: job.body ?? Buffer.alloc(0) },
        { kind: 'end', data: Buffer.from('done') },
      );
    },
    { concurrency: 1 },
  );
  cleanups.push(() => consumer.close());
  const following = (async () => {
    const seen: string[] = [];
    for await (const entry of parts.results.follow('req_x.1', 0, AbortSignal.timeout(10_000)))
      seen.push(entry.data.toString());
    return seen;
  })();
  await parts.jobs.submit(
    {
      jobId: 'req_x.1',
      requestId: 'req_x',
      attempt: 1,
      lane: 'shared',
      accountId: 'a',
      operation: 'messages',
      stream: true,
      model: 'm',
      deadline: Date.now() + 10_000,
      firstByteTimeoutMs: 1_000,
      idleTimeoutMs: 1_000,
    },
    Buffer.from('body'),
  );
  return following;
}

describe('queue parts from the config', () => {
  it('builds the embedded set without Redis', async () => {
    const config = loadConfig({});
    expect(config.redis).toBeUndefined();
    const parts = createEmbeddedParts(config.cluster);
    cleanups.push(() => parts.close());
    expect(parts.mode).toBe('embedded');
    expect(await roundTrip(parts)).toEqual(['body', 'done']);
  });

  it('builds the distributed set on Redis, and leaves no connection behind on close', async () => {
    const prefix = freshPrefix();
    const config = loadConfig({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
    const parts = await openDistributedParts(config.redis!, config.cluster, () => {});
    const admin = await commandConnection();
    cleanups.push(async () => {
      await deleteKeys(admin, prefix);
      expect(await countKeys(admin, prefix)).toBe(0);
      admin.disconnect();
    });
    expect(parts.mode).toBe('distributed');
    expect(await roundTrip(parts)).toEqual(['body', 'done']);
    await parts.workers.heartbeat({ id: 'w1', host: 'h', accounts: ['a'], capacity: 1, version: 'v' });
    expect((await parts.workers.list()).map((worker) => worker.status)).toEqual(['live']);
    const before = (await admin.client('LIST')) as string;
    // Every connection of ours is named after the key prefix (BullMQ's duplicates `<prefix>:q:…`).
    const ours = (list: string) => list.split('\n').filter((line) => line.includes(` name=${prefix}`));
    expect(ours(before).length).toBeGreaterThan(0);
    await cleanups.pop()!(); // the consumer
    await parts.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ours((await admin.client('LIST')) as string)).toEqual([]);
  });

  it('refuses to start on a Redis that evicts keys, unless told to only warn', async () => {
    const own = await startOwnRedis(['--maxmemory-policy', 'volatile-lru']);
    cleanups.push(own.stop);
    const strict = loadConfig({ REDIS_URL: own.url });
    await expect(openDistributedParts(strict.redis!, strict.cluster, () => {})).rejects.toBeInstanceOf(
      RedisEvictionPolicyError,
    );
    const warnings: string[] = [];
    const lenient = loadConfig({ REDIS_URL: own.url, REDIS_REQUIRE_NOEVICTION: 'false' });
    const parts = await openDistributedParts(lenient.redis!, lenient.cluster, (m) => void warnings.push(m));
    await parts.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/volatile-lru.*noeviction/);
  });

  it('lets a worker write through a Redis restart while a gateway fails fast', async () => {
    const own = await startOwnRedis();
    cleanups.push(own.stop);
    const config = loadConfig({ REDIS_URL: own.url });
    const worker = await openDistributedParts(config.redis!, config.cluster, () => {}, { role: 'worker' });
    cleanups.push(() => worker.close());
    const gateway = await openDistributedParts(config.redis!, config.cluster, () => {});
    cleanups.push(() => gateway.close());
    await worker.results.append('s', 1, [{ kind: 'head', data: Buffer.from('before') }]);

    await own.stop();
    const pending = worker.results.append('s', 2, [{ kind: 'data', data: Buffer.from('during') }]);
    const heartbeat = worker.workers.heartbeat({
      id: 'w',
      host: 'h',
      accounts: [],
      capacity: 1,
      version: 'v',
    });
    const failure = await gateway.results.read('s', 0).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueueUnavailableError);

    await own.restart();
    await pending;
    await heartbeat;
    // The restarted server is empty: the write made after it came back is all it holds.
    const read = await gateway.results.read('s', 0);
    expect(read.entries.map((entry) => entry.data.toString())).toEqual(['during']);
    expect((await gateway.workers.list()).map((record) => record.id)).toEqual(['w']);
  });
});
