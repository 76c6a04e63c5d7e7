/**
 * The shared scheduling state's cost and wake-up latency, on a private redis-server (so INFO
 * commandstats counts only this traffic). Numbers go to docs/decisions/2026-12-02-shared-scheduling-state.md.
 * Run: npx tsx test/cluster/measure-shared-state.ts [pairs] [wakes]
 */
import type { Redis } from 'ioredis';
import { RedisAccountState } from '../../src/cluster/redis-account-state.js';
import { SharedAdmissionQueue } from '../../src/cluster/shared-admission-queue.js';
import type { ClaimRequest } from '../../src/gateway/scheduler/shared-account-state.js';
import { connectRedis } from '../../src/queue/redis-connection.js';
import { startOwnRedis } from '../queue/redis-test-support.js';

const PAIRS = Number(process.argv[2] ?? 2000);
const WAKES = Number(process.argv[3] ?? 100);
const POLL_WAKES = 20;
const signal = new AbortController().signal;
let sequence = 0;

const request = (conversationKey?: string, waitMs = 0): ClaimRequest => ({
  candidates: [
    { id: 'acct-a', maxConcurrency: 1, priority: 10, weight: 1 },
    { id: 'acct-b', maxConcurrency: 8, priority: 10, weight: 1 },
  ].slice(0, waitMs > 0 ? 1 : 2),
  conversationKey,
  stickyTtlMs: 3_600_000,
  leaseId: `l${++sequence}`,
  waiterId: `w${sequence}`,
  waitMs,
  maxDepth: 256,
});

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return `p50 ${at(50).toFixed(2)} ms, p90 ${at(90).toFixed(2)} ms, p99 ${at(99).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`;
}

async function calls(client: Redis): Promise<Map<string, number>> {
  const stats = new Map<string, number>();
  for (const match of (await client.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    stats.set(match[1]!, Number(match[2]));
  return stats;
}

/** B waits on a busy account; A releases; how long until B holds the slot. */
async function wakeLatency(a: RedisAccountState, b: RedisAccountState, queue: SharedAdmissionQueue) {
  const held = request(undefined, 10_000);
  if ((await a.claim(held)).kind !== 'claimed') throw new Error('slot not free');
  let releasedAt = 0;
  const served = (async () => {
    const mine = request(undefined, 10_000);
    for (;;) {
      const since = Date.now();
      const result = await b.claim({ ...mine, leaseId: `l${++sequence}` });
      if (result.kind === 'claimed') {
        const latency = performance.now() - releasedAt;
        await b.release(result.accountId, `l${sequence}`);
        return latency;
      }
      await queue.wait({ timeoutMs: 10_000, signal, since });
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 200));
  releasedAt = performance.now();
  await a.release('acct-a', held.leaseId);
  return served;
}

const redis = await startOwnRedis();
try {
  const [ca, cb, admin] = await Promise.all([
    connectRedis(redis.url, 'command'),
    connectRedis(redis.url, 'command'),
    connectRedis(redis.url, 'command'),
  ]);
  const a = new RedisAccountState(ca, 'sy', redis.url, { origin: 'a' });
  const b = new RedisAccountState(cb, 'sy', redis.url, { origin: 'b' });
  const ping: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const started = performance.now();
    await ca.ping();
    ping.push(performance.now() - started);
  }
  const claim: number[] = [];
  const release: number[] = [];
  const before = await calls(admin);
  for (let i = 0; i < PAIRS; i++) {
    const req = request(`conversation-${i % 50}`);
    let started = performance.now();
    const result = await a.claim(req);
    claim.push(performance.now() - started);
    if (result.kind !== 'claimed') throw new Error('unexpected refusal');
    started = performance.now();
    await a.release(result.accountId, req.leaseId);
    release.push(performance.now() - started);
  }
  const after = await calls(admin);
  const perPair = [...after]
    .map(([name, n]) => [name, (n - (before.get(name) ?? 0)) / PAIRS] as const)
    .filter(([name, n]) => n >= 0.01 && name !== 'info');
  process.stdout.write(`PING: ${summary(ping)}\nclaim: ${summary(claim)}\nrelease: ${summary(release)}\n`);
  process.stdout.write(
    `commands per claim + release: ${perPair.map(([name, n]) => `${name} ${n.toFixed(2)}`).join(', ')}\n`,
  );

  const pubsubQueue = new SharedAdmissionQueue(256, () => 0);
  await b.subscribe(() => pubsubQueue.wakeAll());
  const pubsub: number[] = [];
  for (let i = 0; i < WAKES; i++) pubsub.push(await wakeLatency(a, b, pubsubQueue));
  process.stdout.write(`wake by pub/sub (${WAKES}): ${summary(pubsub)}\n`);
  b.close();

  const pollQueue = new SharedAdmissionQueue(256, () => 0, 1_000);
  const polled: number[] = [];
  for (let i = 0; i < POLL_WAKES; i++) polled.push(await wakeLatency(a, b, pollQueue));
  process.stdout.write(`wake by 1 s poll only (${POLL_WAKES}): ${summary(polled)}\n`);
  a.close();
  for (const client of [ca, cb, admin]) client.disconnect();
} finally {
  await redis.stop();
}
