/**
 * One contract, two queues: the in-process queue (embedded mode) and BullMQ + Redis Streams
 * (distributed mode) must behave alike. Redis runs at TEST_REDIS_URL; every test gets fresh keys.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessJobQueue } from '../../src/queue/in-process-job-queue.js';
import { InProcessResultStream } from '../../src/queue/in-process-result-stream.js';
import { jobIdOf, laneOf, SHARED_LANE, type JobSpec } from '../../src/queue/job.js';
import { closeWithGrace } from '../../src/queue/close-with-grace.js';
import type { JobConsumer, JobQueue, QueuedJob } from '../../src/queue/job-queue.js';
import { RedisJobQueue } from '../../src/queue/redis-job-queue.js';
import { RedisKeys } from '../../src/queue/redis-keys.js';
import { RedisResultStream } from '../../src/queue/redis-result-stream.js';
import {
  ResultStreamConflictError,
  ResultStreamTruncatedError,
  ResultWriter,
  type ResultStream,
  type ResultStreamLimits,
  type StoredResultEntry,
} from '../../src/queue/result-stream.js';
import {
  blockingConnection,
  commandConnection,
  deleteKeys,
  TEST_REDIS_URL,
  waitFor,
} from './redis-test-support.js';

interface Fixture {
  jobs: JobQueue;
  results: ResultStream;
  close(): Promise<void>;
}

type MakeFixture = (limits: ResultStreamLimits) => Promise<Fixture>;

const DEFAULT_LIMITS: ResultStreamLimits = { maxEntries: 100, ttlMs: 60_000 };

const inProcess: MakeFixture = async (limits) => {
  const jobs = new InProcessJobQueue({ retentionMs: 60_000 });
  const results = new InProcessResultStream(limits);
  return {
    jobs,
    results,
    close: async () => {
      await jobs.close();
      await results.close();
    },
  };
};

const redis: MakeFixture = async (limits) => {
  const keys = new RedisKeys(`sytest-${randomUUID().slice(0, 8)}`);
  const command = await commandConnection();
  const blocking = await blockingConnection();
  const jobs = new RedisJobQueue({
    url: TEST_REDIS_URL,
    keys,
    command,
    retentionMs: 60_000,
    // Short locks so an abandoned job comes back within the test.
    lockDurationMs: 1_000,
    stalledIntervalMs: 300,
  });
  const results = new RedisResultStream(command, blocking, keys, limits);
  return {
    jobs,
    results,
    close: async () => {
      await jobs.close();
      await results.close();
      await deleteKeys(command, keys.prefix);
      command.disconnect();
      blocking.disconnect();
    },
  };
};

function spec(overrides: Partial<JobSpec> = {}): JobSpec {
  const requestId = `req_${randomUUID().replaceAll('-', '')}`;
  return {
    jobId: jobIdOf(requestId, 1),
    requestId,
    attempt: 1,
    lane: SHARED_LANE,
    accountId: 'acct_1',
    operation: 'messages',
    stream: true,
    model: 'claude-sonnet-4-5',
    deadline: Date.now() + 60_000,
    firstByteTimeoutMs: 60_000,
    idleTimeoutMs: 120_000,
    ...overrides,
  };
}

const text = (value: string) => Buffer.from(value);

async function collect(iterable: AsyncIterable<StoredResultEntry>): Promise<StoredResultEntry[]> {
  const entries: StoredResultEntry[] = [];
  for await (const entry of iterable) entries.push(entry);
  return entries;
}

describe.each([
  ['in-process', inProcess],
  ['redis (BullMQ + Streams)', redis],
])('job queue contract: %s', (_name, make) => {
  const open: Fixture[] = [];
  const consumers: JobConsumer[] = [];
  const fixture = async (limits = DEFAULT_LIMITS) => {
    const made = await make(limits);
    open.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.close({ force: true })));
    await Promise.all(open.splice(0).map((made) => made.close()));
  });

  it('delivers a submitted job once, with its body byte for byte', async () => {
    const { jobs } = await fixture();
    const seen: QueuedJob[] = [];
    consumers.push(jobs.consume([SHARED_LANE], async (job) => void seen.push(job), { concurrency: 2 }));
    const body = Buffer.from([0x7b, 0xff, 0x00, 0xfe, 0x7d]); // not valid UTF-8: must survive as bytes
    const job = spec();
    await jobs.submit(job, body);
    await waitFor(() => (seen.length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.spec).toEqual(job);
    expect(seen[0]!.body?.equals(body)).toBe(true);
    expect(seen[0]!.delivery).toBe(1);
    expect(await jobs.waiting(SHARED_LANE)).toBe(0);
  });

  it('delivers bodies of every size and encoding byte for byte (multi-byte text, 300 KiB, binary)', async () => {
    const { jobs } = await fixture();
    const seen = new Map<string, Buffer | undefined>();
    consumers.push(
      jobs.consume([SHARED_LANE], async (job) => void seen.set(job.spec.jobId, job.body), { concurrency: 4 }),
    );
    const bodies = [
      text('{"messages":[{"role":"user","content":"你好, ünïcödé 🚂 \\"quoted\\""}]}'),
      text(`{"padding":"${'x'.repeat(300 * 1024)}"}`),
      Buffer.from([0xc3, 0x28, 0x7b, 0x7d]),
    ];
    const specs = bodies.map(() => spec());
    await Promise.all(specs.map((job, index) => jobs.submit(job, bodies[index]!)));
    await waitFor(() => (seen.size === specs.length ? true : undefined));
    specs.forEach((job, index) => expect(seen.get(job.jobId)?.equals(bodies[index]!)).toBe(true));
  });

  it('pauses a consumer (its running job finishes, none is taken), lists and removes waiting jobs, resumes', async () => {
    const { jobs } = await fixture();
    const started: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const consumer = jobs.consume(
      [SHARED_LANE],
      async (job) => {
        started.push(job.spec.jobId);
        if (started.length === 1) await gate;
      },
      { concurrency: 1, name: 'worker-a' },
    );
    consumers.push(consumer);
    const first = spec();
    await jobs.submit(first, text('1'));
    await waitFor(() => (started.length === 1 ? true : undefined));
    expect(await jobs.list([SHARED_LANE], 10)).toEqual([
      expect.objectContaining({ spec: first, state: 'active', worker: 'worker-a' }),
    ]);
    let paused = false;
    const pausing = consumer.pause().then(() => (paused = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(paused).toBe(false); // it waits for the running job, which is not cut short
    const [second, third] = [spec(), spec()];
    await jobs.submit(second, text('2'));
    await jobs.submit(third, text('3'));
    release();
    await pausing;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(started).toEqual([first.jobId]);
    const listed = await jobs.list([SHARED_LANE], 10);
    expect(listed.map((j) => [j.spec.jobId, j.state, j.worker])).toEqual([
      [second.jobId, 'waiting', null],
      [third.jobId, 'waiting', null],
    ]);
    expect(await jobs.remove(SHARED_LANE, third.jobId)).toBe(true);
    expect(await jobs.remove(SHARED_LANE, third.jobId)).toBe(false);
    expect(await jobs.remove(SHARED_LANE, first.jobId)).toBe(false); // done, not waiting
    await consumer.resume();
    await waitFor(() => (started.length === 2 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(started).toEqual([first.jobId, second.jobId]);
  });

  it('routes a job only to consumers of its lane', async () => {
    const { jobs } = await fixture();
    const pinned = laneOf('acct_CLI', true);
    const shared: string[] = [];
    const own: string[] = [];
    consumers.push(
      jobs.consume([SHARED_LANE], async (job) => void shared.push(job.spec.jobId), { concurrency: 1 }),
    );
    const job = spec({ lane: pinned, accountId: 'acct_CLI' });
    await jobs.submit(job, text('{}'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(shared).toEqual([]);
    expect(await jobs.waiting(pinned)).toBe(1);
    consumers.push(
      jobs.consume([pinned], async (taken) => void own.push(taken.spec.jobId), { concurrency: 1 }),
    );
    await waitFor(() => (own.length > 0 ? true : undefined));
    expect(own).toEqual([job.jobId]);
  });

  it('runs a job submitted twice with the same id once, also after it finished', async () => {
    const { jobs } = await fixture();
    const seen: string[] = [];
    const job = spec();
    await jobs.submit(job, text('{"a":1}'));
    await jobs.submit(job, text('{"a":1}'));
    consumers.push(
      jobs.consume([SHARED_LANE], async (taken) => void seen.push(taken.spec.jobId), { concurrency: 4 }),
    );
    await waitFor(() => (seen.length > 0 ? true : undefined));
    await jobs.submit(job, text('{"a":1}'));
    const other = spec();
    await jobs.submit(other, text('{}'));
    await waitFor(() => (seen.includes(other.jobId) ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.filter((id) => id === job.jobId)).toHaveLength(1);
  });

  it('streams results in order, and a read from a position resumes without duplicates', async () => {
    const { jobs, results } = await fixture();
    consumers.push(
      jobs.consume(
        [SHARED_LANE],
        async (job) => {
          const writer = new ResultWriter(results, job.spec.jobId);
          await writer.append({ kind: 'head', data: text('{"status":200}') });
          for (let i = 1; i <= 5; i++) await writer.append({ kind: 'data', data: text(`chunk ${i}`) });
          await writer.append({ kind: 'end', data: text('{}') });
        },
        { concurrency: 1 },
      ),
    );
    const job = spec();
    const following = collect(results.follow(job.jobId, 0, AbortSignal.timeout(10_000)));
    await jobs.submit(job, text('{}'));
    const all = await following;
    expect(all.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(all.map((entry) => entry.kind)).toEqual(['head', 'data', 'data', 'data', 'data', 'data', 'end']);
    expect(all[3]!.data.toString()).toBe('chunk 3');

    // A client that saw up to seq 3 resumes: it gets 4… exactly once each.
    const resumed = await collect(results.follow(job.jobId, 3, AbortSignal.timeout(5_000)));
    expect(resumed.map((entry) => entry.seq)).toEqual([4, 5, 6, 7]);
    const page = await results.read(job.jobId, 5);
    expect(page.truncated).toBe(false);
    expect(page.entries.map((entry) => entry.data.toString())).toEqual(['chunk 5', '{}']);
  });

  it('wakes a follower that started before the first entry, and stops it on abort', async () => {
    const { results } = await fixture();
    const controller = new AbortController();
    const iterator = results.follow('waiting-stream', 0, controller.signal)[Symbol.asyncIterator]();
    const first = iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await results.append('waiting-stream', 1, [{ kind: 'data', data: text('late') }]);
    expect((await first).value?.data.toString()).toBe('late');
    const second = iterator.next();
    controller.abort(new Error('client left'));
    await expect(second).rejects.toThrow('client left');
  });

  it('returns what arrives during a blocking read', async () => {
    const { results } = await fixture();
    const reading = results.read('blocking-read', 0, { blockMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await results.append('blocking-read', 1, [{ kind: 'data', data: text('x') }]);
    expect((await reading).entries.map((entry) => entry.seq)).toEqual([1]);
    const empty = await results.read('blocking-read', 1, { blockMs: 100 });
    expect(empty.entries).toEqual([]);
  });

  it('keeps a stream to its maximum length and says when a read lost entries', async () => {
    const { results } = await fixture({ maxEntries: 10, ttlMs: 60_000 });
    const writer = new ResultWriter(results, 'long');
    for (let i = 1; i <= 15; i++) await writer.append({ kind: 'data', data: text(String(i)) });
    const read = await results.read('long', 0);
    expect(read.entries).toHaveLength(10);
    expect(read.entries[0]!.seq).toBe(6);
    expect(read.truncated).toBe(true);
    expect((await results.read('long', 5)).truncated).toBe(false);
  });

  it('fails a follower that fell behind the trimmed part instead of skipping entries', async () => {
    const { results } = await fixture({ maxEntries: 3, ttlMs: 60_000 });
    const writer = new ResultWriter(results, 'trimmed');
    for (let i = 1; i <= 10; i++) await writer.append({ kind: 'data', data: text(String(i)) });
    await writer.append({ kind: 'end', data: text('') });
    await expect(collect(results.follow('trimmed', 1, AbortSignal.timeout(5_000)))).rejects.toBeInstanceOf(
      ResultStreamTruncatedError,
    );
    const atTheEdge = await collect(results.follow('trimmed', 8, AbortSignal.timeout(5_000)));
    expect(atTheEdge.map((entry) => entry.seq)).toEqual([9, 10, 11]);
    const blocking = await results.read('trimmed', 1, { blockMs: 1_000 });
    expect(blocking.truncated).toBe(true);
  });

  it('sets a TTL on every stream, refreshed on append, and the stream expires', async () => {
    const { results } = await fixture({ maxEntries: 10, ttlMs: 400 });
    await results.append('short-lived', 1, [{ kind: 'data', data: text('a') }]);
    const ttl = await results.ttl('short-lived');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(400);
    await waitFor(async () => ((await results.ttl('short-lived')) === undefined ? true : undefined), 5_000);
    expect((await results.read('short-lived', 0)).entries).toEqual([]);
  });

  it('refuses a second writer of the same positions (a job delivered twice)', async () => {
    const { results } = await fixture();
    const first = new ResultWriter(results, 'contested');
    await first.append({ kind: 'head', data: text('1') });
    const second = new ResultWriter(results, 'contested');
    await expect(second.append({ kind: 'head', data: text('2') })).rejects.toBeInstanceOf(
      ResultStreamConflictError,
    );
    await first.append({ kind: 'end', data: text('') });
    expect((await results.read('contested', 0)).entries.map((entry) => entry.data.toString())).toEqual([
      '1',
      '',
    ]);
  });

  it('delivers again, once, a job whose consumer died before finishing it', async () => {
    const { jobs } = await fixture();
    let started: QueuedJob | undefined;
    const dying = jobs.consume(
      [SHARED_LANE],
      (job, signal) =>
        new Promise<void>((_resolve, reject) => {
          started = job;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      { concurrency: 1 },
    );
    const job = spec();
    await jobs.submit(job, text('{"redelivered":true}'));
    await waitFor(() => started);
    await dying.close({ force: true });
    const again: QueuedJob[] = [];
    consumers.push(jobs.consume([SHARED_LANE], async (taken) => void again.push(taken), { concurrency: 1 }));
    await waitFor(() => (again.length > 0 ? true : undefined), 15_000);
    expect(again[0]!.spec.jobId).toBe(job.jobId);
    expect(again[0]!.delivery).toBe(2);
    expect(again[0]!.body?.toString()).toBe('{"redelivered":true}');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(again).toHaveLength(1);
  });

  it('closes gracefully: waits for running jobs, then takes no more', async () => {
    const { jobs } = await fixture();
    const finished: string[] = [];
    let running = 0;
    const consumer = jobs.consume(
      [SHARED_LANE],
      async (job) => {
        running += 1;
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished.push(job.spec.jobId);
      },
      { concurrency: 1 },
    );
    const first = spec();
    await jobs.submit(first, text('{}'));
    await waitFor(() => (running > 0 ? true : undefined));
    await consumer.close();
    expect(finished).toEqual([first.jobId]);
    await jobs.submit(spec(), text('{}'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(finished).toEqual([first.jobId]);
    expect(await jobs.waiting(SHARED_LANE)).toBe(1);
  });

  it('on shutdown, abandons what outlives the grace period, and it is delivered again', async () => {
    const { jobs } = await fixture();
    const quick = spec();
    const slow = spec();
    const finished: string[] = [];
    const consumer = jobs.consume(
      [SHARED_LANE],
      async (job, signal) => {
        const ms = job.spec.jobId === slow.jobId ? 60_000 : 50;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
        });
        finished.push(job.spec.jobId);
      },
      { concurrency: 2 },
    );
    await jobs.submit(quick, text('{}'));
    await jobs.submit(slow, text('{}'));
    await waitFor(() => (finished.includes(quick.jobId) ? true : undefined));
    const started = performance.now();
    expect(await closeWithGrace(consumer, 300)).toBe(false);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(finished).toEqual([quick.jobId]);
    const again: QueuedJob[] = [];
    consumers.push(jobs.consume([SHARED_LANE], async (job) => void again.push(job), { concurrency: 1 }));
    await waitFor(() => (again.length > 0 ? true : undefined), 15_000);
    expect(again.map((job) => [job.spec.jobId, job.delivery])).toEqual([[slow.jobId, 2]]);
  });

  it('closes within the grace period when every job finishes in time', async () => {
    const { jobs } = await fixture();
    const consumer = jobs.consume([SHARED_LANE], async () => {}, { concurrency: 1 });
    await jobs.submit(spec(), text('{}'));
    expect(await closeWithGrace(consumer, 5_000)).toBe(true);
  });

  it('serves many concurrent streams at once, each complete and in order', async () => {
    const { jobs, results } = await fixture();
    consumers.push(
      jobs.consume(
        [SHARED_LANE],
        async (job) => {
          const writer = new ResultWriter(results, job.spec.jobId);
          for (let i = 1; i <= 4; i++) {
            await writer.append({ kind: 'data', data: text(`${job.spec.requestId}:${i}`) });
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
          }
          await writer.append({ kind: 'end', data: text('') });
        },
        { concurrency: 8 },
      ),
    );
    const specs = Array.from({ length: 40 }, () => spec());
    const streams = specs.map((job) => collect(results.follow(job.jobId, 0, AbortSignal.timeout(20_000))));
    await Promise.all(specs.map((job) => jobs.submit(job, text('{}'))));
    const all = await Promise.all(streams);
    all.forEach((entries, index) => {
      const id = specs[index]!.requestId;
      expect(entries.map((entry) => entry.data.toString())).toEqual(
        [1, 2, 3, 4].map((i) => `${id}:${i}`).concat(''),
      );
    });
  });
});
