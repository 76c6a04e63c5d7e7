/**
 * Added latency of the queue path: the same tiny non-streaming and streaming requests through one
 * in-process gateway, first to a mock account the gateway calls itself, then to a mock account
 * served by an in-process worker (real Redis, real PostgreSQL, real HTTP).
 * Run: npx tsx test/cluster/measure-queued.ts [count]
 */
import { messagesBody, post, setAccounts, startTestCluster } from './cluster-support.js';
import { waitFor } from '../queue/redis-test-support.js';

const count = Number(process.argv[2] ?? 300);
const warmup = 30;

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    p50: at(0.5).toFixed(2),
    p90: at(0.9).toFixed(2),
    p99: at(0.99).toFixed(2),
    max: sorted.at(-1)!.toFixed(2),
  };
}

async function run(url: string, key: string, stream: boolean): Promise<number[]> {
  const body = messagesBody('measure [[mock words=5]]', stream);
  const samples: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const started = performance.now();
    const response = await post(url, key, body);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    if (i >= warmup) samples.push(performance.now() - started);
  }
  return samples;
}

const cluster = await startTestCluster();
try {
  const gateway = await cluster.startGateway();
  const { secret: key } = await gateway.runtime.apiKeys.create({ name: 'k' });
  await setAccounts(gateway, [{ kind: 'mock', name: 'direct', maxConcurrency: 100 }]);
  const direct = { json: await run(gateway.url, key, false), sse: await run(gateway.url, key, true) };
  await setAccounts(gateway, [
    { kind: 'mock', name: 'queued', maxConcurrency: 100, settings: { servedBy: 'worker' } },
  ]);
  await cluster.startWorker(['queued']);
  await waitFor(() => (gateway.runtime.pool.accounts().length === 1 ? true : undefined));
  const queued = { json: await run(gateway.url, key, false), sse: await run(gateway.url, key, true) };
  console.log(`${count} sequential requests each (after ${warmup} warm-up), ms:`);
  console.table({
    'direct, JSON': stats(direct.json),
    'queued, JSON': stats(queued.json),
    'direct, SSE': stats(direct.sse),
    'queued, SSE': stats(queued.sse),
  });
} finally {
  await cluster.close();
}
