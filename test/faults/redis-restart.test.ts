/**
 * Redis stopped and started again under a distributed gateway and worker (a Redis of the test's
 * own, on a spare port, started empty as after a failover): while it is away, requests for the
 * worker's account get 503 with retry-after and nothing crashes; once it is back, the worker
 * re-registers and requests are served again without restarting anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  messagesBody,
  post,
  setAccounts,
  startTestCluster,
  type ClusterGateway,
  type TestCluster,
} from '../cluster/cluster-support.js';
import { startOwnRedis } from '../queue/redis-test-support.js';

describe('Redis restarted under a gateway and a worker', () => {
  let redis: Awaited<ReturnType<typeof startOwnRedis>>;
  let cluster: TestCluster;
  let gateway: ClusterGateway;
  let key: string;

  beforeAll(async () => {
    redis = await startOwnRedis();
    cluster = await startTestCluster({ REDIS_URL: redis.url });
    gateway = await cluster.startGateway();
    await setAccounts(gateway, [{ kind: 'mock', name: 'remote-mock', settings: { servedBy: 'worker' } }]);
    ({ secret: key } = await gateway.runtime.apiKeys.create({ name: 'k' }));
    await cluster.startWorker(['remote-mock']);
  });
  afterAll(async () => {
    await cluster?.close().catch(() => {});
    await redis?.stop();
  });

  const ask = async () => {
    const response = await post(gateway.url, key, messagesBody('hello [[mock words=3]]', false));
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: await response.text(),
    };
  };
  const until = async (check: () => Promise<boolean>, ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await check()) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  };

  it('answers 503 with retry-after while Redis is away, and serves again once it is back', async () => {
    expect(await until(async () => (await ask()).status === 200, 10_000)).toBe(true);

    await redis.stop();
    const down = await ask();
    expect(down.status).toBe(503);
    expect(Number(down.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(down.body)).toMatchObject({ type: 'error', error: { type: expect.any(String) } });
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);

    await redis.restart();
    expect(await until(async () => (await ask()).status === 200, 20_000)).toBe(true);
  }, 60_000);
});
