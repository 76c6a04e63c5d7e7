/**
 * Where the Redis queue keeps a body: a small UTF-8 one inside its job (the worker gets it with the
 * job, no read of its own), a large or binary one in a key beside it; either is gone once the job
 * ran, while BullMQ keeps the job's record (the spec) for the retention window.
 */
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { jobIdOf, SHARED_LANE, type JobSpec } from '../../src/queue/job.js';
import type { JobConsumer } from '../../src/queue/job-queue.js';
import { RedisJobQueue } from '../../src/queue/redis-job-queue.js';
import { RedisKeys } from '../../src/queue/redis-keys.js';
import { commandConnection, deleteKeys, freshPrefix, TEST_REDIS_URL, waitFor } from './redis-test-support.js';

function spec(n: number): JobSpec {
  const requestId = `req_body${n}${Date.now()}`;
  return {
    jobId: jobIdOf(requestId, 1),
    requestId,
    attempt: 1,
    lane: SHARED_LANE,
    accountId: 'acct_1',
    operation: 'messages',
    stream: false,
    model: 'claude-sonnet-4-5',
    deadline: Date.now() + 60_000,
    firstByteTimeoutMs: 60_000,
    idleTimeoutMs: 120_000,
  };
}

/** Every string value under the prefix (hash fields included), to look for a body's marker. */
async function storedText(client: Redis, prefix: string): Promise<string> {
  const parts: string[] = [];
  const [, keys] = await client.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 10_000);
  for (const key of keys) {
    const type = await client.type(key);
    if (type === 'string') parts.push((await client.get(key)) ?? '');
    if (type === 'hash') parts.push(...Object.values(await client.hgetall(key)));
  }
  return parts.join('\n');
}

describe('RedisJobQueue bodies', () => {
  let command: Redis | undefined;
  let queue: RedisJobQueue | undefined;
  let consumer: JobConsumer | undefined;
  let keys: RedisKeys | undefined;
  afterEach(async () => {
    await consumer?.close({ force: true });
    await queue?.close();
    if (command && keys) await deleteKeys(command, keys.prefix);
    command?.disconnect();
  });

  it('keeps a small body inside the job, a large one beside it, and drops both once the job ran', async () => {
    command = await commandConnection();
    keys = new RedisKeys(freshPrefix());
    queue = new RedisJobQueue({ url: TEST_REDIS_URL, keys, command, retentionMs: 60_000 });
    const small = spec(1);
    const large = spec(2);
    const smallBody = Buffer.from('{"marker":"SMALL-BODY-MARKER"}');
    const largeBody = Buffer.from(`{"marker":"LARGE-BODY-MARKER","pad":"${'y'.repeat(300 * 1024)}"}`);
    await queue.submit(small, smallBody);
    await queue.submit(large, largeBody);

    const waiting = await storedText(command, keys.prefix);
    expect(await command.exists(keys.body(small.jobId))).toBe(0);
    expect(waiting).toContain('SMALL-BODY-MARKER');
    expect(await command.exists(keys.body(large.jobId))).toBe(1);

    let gate!: () => void;
    const release = new Promise<void>((resolve) => (gate = resolve));
    const ran = new Set<string>();
    consumer = queue.consume(
      [SHARED_LANE],
      async (job) => {
        ran.add(job.spec.jobId);
        await release;
      },
      { concurrency: 2 },
    );
    await waitFor(() => (ran.size === 2 ? true : undefined));
    gate();
    await waitFor(async () => {
      const text = await storedText(command!, keys!.prefix);
      return text.includes('BODY-MARKER') ? undefined : true;
    });
    // The records stay (a duplicate submit is refused for the retention window), without bodies.
    const records = await storedText(command, keys.prefix);
    expect(records).toContain(small.requestId);
    expect(records).toContain(large.requestId);
  });

  it('reports a job with an invalid payload by what identifies it, never with its body', async () => {
    command = await commandConnection();
    keys = new RedisKeys(freshPrefix());
    queue = new RedisJobQueue({ url: TEST_REDIS_URL, keys, command, retentionMs: 60_000 });
    const reported: unknown[] = [];
    consumer = queue.consume([SHARED_LANE], async () => {}, {
      concurrency: 1,
      onError: (_error, payload) => reported.push(payload),
    });
    // Written with BullMQ directly, as a foreign or older producer could: not a valid spec.
    const raw = new Queue(SHARED_LANE, { connection: command, prefix: keys.bullPrefix });
    await raw.add('attempt', {
      jobId: 'req_bad.1',
      lane: SHARED_LANE,
      body: '{"marker":"BAD-PAYLOAD-BODY"}',
    });
    await waitFor(() => (reported.length > 0 ? true : undefined));
    await raw.close();
    expect(reported[0]).toMatchObject({ jobId: 'req_bad.1' });
    expect(JSON.stringify(reported)).not.toContain('BAD-PAYLOAD-BODY');
  });
});
