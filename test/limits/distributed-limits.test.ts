/**
 * Limits in distributed mode: two gateways on the same Redis and PostgreSQL decide alike, and a
 * key revoked or changed on one gateway stops working on the other at once (not after its cache).
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

describe('limits across gateways', () => {
  let cluster: TestCluster;
  let a: ClusterGateway;
  let b: ClusterGateway;

  beforeAll(async () => {
    // A long key cache: only the change feed can make revocation immediate on the other gateway.
    cluster = await startTestCluster({ API_KEY_CACHE_TTL_MS: '600000' });
    a = await cluster.startGateway();
    b = await cluster.startGateway();
    await setAccounts(a, [{ kind: 'mock', name: 'local-mock' }]);
    await b.runtime.pool.reload();
  });
  afterAll(() => cluster?.close());

  const ask = async (gateway: ClusterGateway, key: string) => {
    const response = await post(gateway.url, key, messagesBody('hi', false));
    const body = await response.text();
    return { status: response.status, body, headers: response.headers };
  };

  it('shares one requests-per-minute budget between gateways', async () => {
    const { secret } = await a.runtime.apiKeys.create({ name: 'shared', limits: { requestsPerMinute: 3 } });
    const statuses = [];
    for (const gateway of [a, b, a, b]) statuses.push((await ask(gateway, secret)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('shares max concurrency between gateways', async () => {
    const { secret } = await a.runtime.apiKeys.create({ name: 'conc', limits: { maxConcurrency: 1 } });
    const slow = post(a.url, secret, messagesBody('slow [[mock latency=800]]', false));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await ask(b, secret);
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('in flight at once');
    expect((await slow).status).toBe(200);
    // Gateway a releases the lease right after the answer's last byte, on its own Redis connection:
    // a request to another gateway can overtake that by a moment on a loaded machine, never by long.
    const deadline = Date.now() + 1_000;
    let next = await ask(b, secret);
    while (next.status === 429 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      next = await ask(b, secret);
    }
    expect(next.status).toBe(200);
  });

  it('revokes a key everywhere at once', async () => {
    const { key, secret } = await a.runtime.apiKeys.create({ name: 'revoked' });
    expect((await ask(b, secret)).status).toBe(200); // now cached on b for ten minutes
    await a.runtime.apiKeys.revoke(key.id);
    const deadline = Date.now() + 2_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await ask(b, secret)).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
  });

  it('applies a changed model list everywhere at once', async () => {
    const { key, secret } = await a.runtime.apiKeys.create({ name: 'models' });
    expect((await ask(b, secret)).status).toBe(200);
    await a.runtime.apiKeys.update(key.id, { models: ['claude-haiku-4-5'] });
    const deadline = Date.now() + 2_000;
    let refused = await ask(b, secret);
    while (refused.status === 200 && Date.now() < deadline) refused = await ask(b, secret);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('permission_error');
  });
});
