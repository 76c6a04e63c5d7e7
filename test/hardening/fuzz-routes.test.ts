/**
 * Property-based fuzzing of every route that takes a body, enumerated from the route inventory
 * (a new route is fuzzed without being listed here): wrong types, null, arrays, `__proto__` /
 * `constructor` / `prototype` keys, deep nesting, huge strings, invalid UTF-8 and duplicate keys,
 * with a valid credential and with none, over real HTTP (so /v1/messages goes through the raw
 * front). Every answer must be a 4xx in the route's error shape, the server must stay up, and no
 * prototype may be polluted. fast-check prints the seed and path of a failure; replay it with
 * FUZZ_SEED=<seed>.
 */
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes, type RegisteredRoute } from '../../src/server/routes/route-policy.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { bodies, deepInValidEnvelope, queries, type FuzzBody } from './fuzz-bodies.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);
const RUNS_PER_ROUTE = 100;
const PARAMS = ['00000000-0000-4000-8000-000000000000', 'no-such-thing', 'x'.repeat(150), '%E2%82%AC%00'];

let gateway: TestGateway;
let routes: RegisteredRoute[];
const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort();
const before = prototypeKeys();
const crashes: unknown[] = [];
const onCrash = (error: unknown) => crashes.push(error);

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  gateway = await startTestGateway();
  routes = registeredRoutes(gateway.runtime.app).filter(
    (r) => BODY_METHODS.has(r.method) && (r.url.startsWith('/api/') || r.url.startsWith('/v1/')),
  );
});
afterAll(async () => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  await gateway?.close();
});

function credentialsFor(url: string): Array<Record<string, string>> {
  const valid = url.startsWith('/v1/') ? gateway.key : gateway.runtime.adminToken;
  return [{}, { authorization: `Bearer ${valid}` }];
}

async function send(method: string, url: string, body: Buffer, headers: Record<string, string>) {
  const response = await request(`${gateway.url}${url}`, {
    method: method as 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.statusCode, text: await response.body.text() };
}

function expectErrorShape(url: string, status: number, text: string) {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  if (url.startsWith('/v1/chat/completions')) {
    expect(parsed, text.slice(0, 300)).toMatchObject({
      error: { message: expect.any(String), type: expect.any(String) },
    });
  } else {
    expect(parsed, text.slice(0, 300)).toMatchObject({
      type: 'error',
      error: { type: expect.any(String), message: expect.any(String) },
    });
  }
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(status).toBeGreaterThanOrEqual(400);
}

function expectUnharmed() {
  expect(prototypeKeys()).toEqual(before);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(crashes).toEqual([]);
}

describe('fuzzing every route that takes a body', () => {
  it('finds the body routes in the inventory', () => {
    const names = routes.map((r) => `${r.method} ${r.url}`);
    for (const name of ['POST /v1/messages', 'POST /v1/chat/completions', 'POST /api/admin/accounts']) {
      expect(names).toContain(name);
    }
    expect(routes.length).toBeGreaterThan(20);
  });

  it('answers every malformed body with a 4xx in the error shape, and stays up', async () => {
    for (const route of routes) {
      // A route documented as reading no body may answer 2xx whatever is sent (logout says 204).
      const readsBody = route.doc?.body !== null;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...credentialsFor(route.url)),
          fc.constantFrom(...PARAMS),
          bodies(route.url.startsWith('/v1/') ? 32 * 1024 * 1024 : 1024 * 1024),
          async (headers, param, body: FuzzBody) => {
            const url = route.url.replace(/:\w+/g, param);
            const { status, text } = await send(route.method, url, body.bytes, headers);
            expect(status, `${route.method} ${url} ${body.kind}: ${text.slice(0, 300)}`).toBeLessThan(500);
            if (readsBody || status >= 400) expectErrorShape(route.url, status, text);
            expectUnharmed();
          },
        ),
        { numRuns: RUNS_PER_ROUTE, ...(SEED === undefined ? {} : { seed: SEED }) },
      );
    }
    const health = await request(`${gateway.url}/health`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();
  }, 120_000);

  it('answers malformed query filters with a 4xx, never a 5xx', async () => {
    const filtered = registeredRoutes(gateway.runtime.app).filter((r) => r.method === 'GET' && r.doc?.query);
    expect(filtered.length).toBeGreaterThan(0);
    for (const route of filtered) {
      const names = Object.keys(route.doc?.query?.shape ?? {});
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...credentialsFor(route.url)),
          queries(names),
          async (headers, query) => {
            const response = await request(`${gateway.url}${route.url}?${query}`, { headers });
            const text = await response.body.text();
            expect(
              response.statusCode,
              `${route.url}?${query.slice(0, 200)}: ${text.slice(0, 300)}`,
            ).toBeLessThan(500);
            if (response.statusCode >= 400) expectErrorShape(route.url, response.statusCode, text);
            expectUnharmed();
          },
        ),
        { numRuns: 150, ...(SEED === undefined ? {} : { seed: SEED }) },
      );
    }
  });

  it('refuses invalid UTF-8 even inside an otherwise valid body, instead of forwarding it', async () => {
    const body = Buffer.concat([
      Buffer.from('{"model":"claude-sonnet-4-6","max_tokens":16,"messages":[{"role":"user","content":"h'),
      Buffer.from([0xff]),
      Buffer.from('i"}]}'),
    ]);
    const { status, text } = await send('POST', '/v1/messages', body, { 'x-api-key': gateway.key });
    expect(status).toBe(400);
    expect(text).toContain('UTF-8');
  });

  it('never answers 5xx to deep nesting inside an otherwise valid /v1 body', async () => {
    for (const url of ['/v1/messages', '/v1/messages/count_tokens', '/v1/chat/completions']) {
      for (const depth of [10_000, 200_000]) {
        const { status, text } = await send('POST', url, deepInValidEnvelope(url, depth), {
          authorization: `Bearer ${gateway.key}`,
        });
        expect(status, `${url} depth ${depth}: ${text.slice(0, 300)}`).toBeLessThan(500);
        if (status >= 400) expectErrorShape(url, status, text);
      }
    }
    expectUnharmed();
  });
});
