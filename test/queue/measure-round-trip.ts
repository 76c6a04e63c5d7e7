/**
 * The queue path's added latency: a tiny job gateway → BullMQ → worker → Redis Stream → gateway,
 * sequentially, on a private redis-server (so INFO commandstats counts only this traffic).
 * Run: npx tsx test/queue/measure-round-trip.ts [jobs] [bodyBytes] [monitor]
 */
import { randomUUID } from 'node:crypto';
import { InProcessJobQueue } from '../../src/queue/in-process-job-queue.js';
import { InProcessResultStream } from '../../src/queue/in-process-result-stream.js';
import { jobIdOf, SHARED_LANE, type JobSpec } from '../../src/queue/job.js';
import type { JobQueue } from '../../src/queue/job-queue.js';
import { connectRedis } from '../../src/queue/redis-connection.js';
import { RedisJobQueue } from '../../src/queue/redis-job-queue.js';
import { RedisKeys } from '../../src/queue/redis-keys.js';
import { RedisResultStream } from '../../src/queue/redis-result-stream.js';
import { ResultWriter, type ResultStream } from '../../src/queue/result-stream.js';
import { startOwnRedis } from './redis-test-support.js';

const JOBS = Number(process.argv[2] ?? 600);
const BODY = Buffer.alloc(Number(process.argv[3] ?? 1024), 'a');
const MONITOR = process.argv[4] === 'monitor';
const WARMUP = 50;

function spec(): JobSpec {
  const requestId = `req_${randomUUID().replaceAll('-', '')}`;
  return {
    jobId: jobIdOf(requestId, 1),
    requestId,
    attempt: 1,
    lane: SHARED_LANE,
    accountId: 'acct',
    operation: 'messages',
    stream: true,
    model: 'm',
    deadline: Date.now() + 60_000,
    firstByteTimeoutMs: 60_000,
    idleTimeoutMs: 60_000,
  };
}

async function run(jobs: JobQueue, results: ResultStream): Promise<number[]> {
  const consumer = jobs.consume(
    [SHARED_LANE],
    async (job) => {
      const writer = new ResultWriter(results, job.spec.jobId);
      await writer.append(
        { kind: 'head', data: Buffer.from('{"status":200}') },
        { kind: 'data', data: Buffer.from('event: message_stop\ndata: {}\n\n') },
        { kind: 'end', data: Buffer.from('{}') },
      );
    },
    { concurrency: 4 },
  );
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + JOBS; i++) {
    const job = spec();
    const started = performance.now();
    const following = (async () => {
      for await (const entry of results.follow(job.jobId, 0, AbortSignal.timeout(10_000))) {
        if (entry.kind === 'end') return;
      }
    })();
    await jobs.submit(job, BODY);
    await following;
    if (i >= WARMUP) samples.push(performance.now() - started);
  }
  await consumer.close();
  return samples;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function report(name: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const line = [50, 90, 99].map((p) => `p${p} ${percentile(sorted, p).toFixed(2)} ms`).join(', ');
  process.stdout.write(`${name}: ${samples.length} jobs, ${line}, max ${sorted.at(-1)!.toFixed(2)} ms\n`);
}

async function commandStats(url: string): Promise<Map<string, number>> {
  const client = await connectRedis(url, 'command');
  const info = await client.info('commandstats');
  client.disconnect();
  const stats = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats.set(match[1]!, Number(match[2]));
  return stats;
}

const inProcess = new InProcessJobQueue({ retentionMs: 60_000 });
report('in-process', await run(inProcess, new InProcessResultStream({ maxEntries: 100, ttlMs: 60_000 })));
await inProcess.close();

const redis = await startOwnRedis();
try {
  const keys = new RedisKeys('sy');
  const command = await connectRedis(redis.url, 'command');
  const blocking = await connectRedis(redis.url, 'blocking');
  const jobs = new RedisJobQueue({ url: redis.url, keys, command, retentionMs: 3_600_000 });
  const results = new RedisResultStream(command, blocking, keys, { maxEntries: 10_000, ttlMs: 600_000 });
  // One untimed job sets up BullMQ's connections before counting starts.
  await run(jobs, results).catch(() => undefined);
  // MONITOR slows Redis down: latency numbers come from runs without it.
  const monitorClient = await connectRedis(redis.url, 'blocking');
  const monitor = MONITOR ? await monitorClient.monitor() : monitorClient;
  const topLevel = new Map<string, number>();
  if (MONITOR)
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') return;
      const name = String(args[0]).toLowerCase();
      topLevel.set(name, (topLevel.get(name) ?? 0) + 1);
    });
  const before = await commandStats(redis.url);
  const startedAt = performance.now();
  const samples = await run(jobs, results);
  const elapsed = performance.now() - startedAt;
  const after = await commandStats(redis.url);
  report(`redis (body ${BODY.length} B)`, samples);
  const total = WARMUP + JOBS;
  const perJob = [...after].map(
    ([name, calls]) => [name, (calls - (before.get(name) ?? 0)) / total] as const,
  );
  const sum = perJob.reduce((acc, [, calls]) => acc + calls, 0);
  process.stdout.write(
    `redis commands per job: ${sum.toFixed(2)} (${perJob
      .filter(([, calls]) => calls >= 0.01)
      .map(([name, calls]) => `${name} ${calls.toFixed(2)}`)
      .join(', ')}); ${(elapsed / total).toFixed(2)} ms/job wall\n`,
  );
  monitor.disconnect();
  monitorClient.disconnect();
  const trips = [...topLevel];
  const tripSum = trips.reduce((acc, [, calls]) => acc + calls, 0) / total;
  if (MONITOR)
    process.stdout.write(
      `top-level commands (round trips before pipelining) per job: ${tripSum.toFixed(2)} (${trips
        .map(([name, calls]) => `${name} ${(calls / total).toFixed(2)}`)
        .join(', ')})\n`,
    );
  await jobs.close();
  await results.close();
  command.disconnect();
  blocking.disconnect();
} finally {
  await redis.stop();
}
