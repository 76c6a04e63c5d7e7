/**
 * What the shared scheduling state adds to a request on a distributed gateway: sequential
 * non-streaming requests through one gateway to a mock account (called directly), with the
 * shared state and without it (the parts' accountState left out: each gateway decides alone).
 * Run: npx tsx test/cluster/measure-shared-requests.ts [requests]
 */
import { GatewayCluster } from '../../src/cluster/gateway-cluster.js';
import { openDistributedParts } from '../../src/cluster/queue-parts.js';
import { createRuntime } from '../../src/runtime.js';
import { openStore } from '../../src/store/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { messagesBody, startTestCluster } from './cluster-support.js';

const REQUESTS = Number(process.argv[2] ?? 1000);
const WARMUP = 100;

const cluster = await startTestCluster({ LOG_LEVEL: 'error' });
const logger = createLogger({ level: 'error' });

async function measure(shared: boolean): Promise<number[]> {
  const store = await openStore(cluster.config.database);
  const parts = await openDistributedParts(cluster.config.redis!, cluster.config.cluster, () => {});
  const used = shared ? parts : { ...parts, accountState: undefined };
  const runtime = await createRuntime(
    cluster.config,
    store,
    cluster.masterKey,
    logger,
    new GatewayCluster(used, cluster.config, logger),
  );
  await runtime.app.listen({ port: 0, host: '127.0.0.1' });
  const address = runtime.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}/v1/messages`;
  for (const account of await runtime.accounts.list()) await runtime.accounts.remove(account.id);
  await runtime.accounts.add({ kind: 'mock', name: 'm', maxConcurrency: 100 });
  const { secret } = await runtime.apiKeys.create({ name: 'k', limits: { requestsPerMinute: 1_000_000 } });
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'x-api-key': secret, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: messagesBody(`hello ${i % 10}`, false),
    });
    await response.text();
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    if (i >= WARMUP) samples.push(performance.now() - started);
  }
  await runtime.stop();
  await parts.close();
  await store.close();
  return samples;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return `p50 ${at(50).toFixed(2)} ms, p90 ${at(90).toFixed(2)} ms, p99 ${at(99).toFixed(2)} ms`;
}

try {
  for (const shared of [false, true, false, true]) {
    process.stdout.write(`${shared ? 'shared state' : 'local state '}: ${summary(await measure(shared))}\n`);
  }
} finally {
  await cluster.close();
}
