/**
 * Where requests go is server-side configuration only. Clients cannot redirect them (body fields,
 * headers, query, absolute request targets), and admins cannot point an account at loopback,
 * private or metadata addresses unless the operator allowed it.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const UPSTREAM_KEY = 'sk-ant-upstream-canary-7f3a';

let upstream: MockUpstreamServer;
let attacker: Server;
let attackerUrl: string;
const attackerHits: { url: string; headers: Record<string, unknown> }[] = [];
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startMockUpstream();
  attacker = createServer((req, res) => {
    attackerHits.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  gateway = await startTestGateway({
    accounts: [{ kind: 'anthropic_api', name: 'main', apiKey: UPSTREAM_KEY, baseUrl: upstream.url }],
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await new Promise((resolve) => attacker?.close(resolve));
});

const upstreamRequests = async () =>
  ((await (await fetch(`${upstream.url}/_mock/stats`)).json()) as { requests: number }).requests;

function send(path: string, headers: Record<string, string>, body: Record<string, unknown>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const payload = JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
      ...body,
    });
    const { hostname, port } = new URL(gateway.url);
    const req = httpRequest(
      {
        hostname,
        port,
        path, // sent as written, so an absolute-form target reaches the server as one
        method: 'POST',
        headers: { 'x-api-key': gateway.key, 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('no client-controlled upstream URLs', () => {
  it('refuses every top-level override field with 400 and calls nobody', async () => {
    const before = await upstreamRequests();
    for (const field of ['api_base', 'base_url', 'baseURL', 'api_url', 'endpoint', 'upstream_url', 'url']) {
      const answer = await send('/v1/messages', {}, { [field]: attackerUrl });
      expect(answer.status).toBe(400);
      expect(answer.body).toContain(`${field}: clients cannot choose the upstream`);
    }
    expect(await upstreamRequests()).toBe(before);
  });

  it('sends everything else to the account, whatever the headers, query or nested fields say', async () => {
    const attackerHost = new URL(attackerUrl).host;
    const before = await upstreamRequests();
    const variants: [string, Record<string, string>, Record<string, unknown>][] = [
      ['/v1/messages', { host: attackerHost }, {}],
      ['/v1/messages', { 'x-forwarded-host': attackerHost, 'x-forwarded-proto': 'http' }, {}],
      ['/v1/messages', { forwarded: `host=${attackerHost}` }, {}],
      ['/v1/messages', { 'anthropic-base-url': attackerUrl, 'x-upstream-url': attackerUrl }, {}],
      [`/v1/messages?base_url=${encodeURIComponent(attackerUrl)}`, {}, {}],
      ['/v1/messages', {}, { metadata: { user_id: 'u', base_url: attackerUrl } }],
      // Absolute-form request target: routed by its path, like any other.
      [`${attackerUrl}/v1/messages`, {}, {}],
    ];
    let served = 0;
    for (const [path, headers, body] of variants) {
      const answer = await send(path, headers, body);
      if (answer.status === 200) served += 1;
      else expect(answer.status).toBeLessThan(500);
    }
    expect(served).toBeGreaterThanOrEqual(6);
    expect(await upstreamRequests()).toBe(before + served);
    expect(attackerHits).toEqual([]);
  });
});

describe('upstream redirects', () => {
  it('are never followed: a 307 to another host reaches the client as an error, the other host gets nothing', async () => {
    const redirector = createServer((_req, res) => {
      res.writeHead(307, { location: `${attackerUrl}/v1/messages` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const redirectUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
    try {
      await gateway.runtime.accounts.update('main', { baseUrl: redirectUrl });
      const answer = await send('/v1/messages', {}, {});
      expect(answer.status).not.toBe(200);
      expect(attackerHits).toEqual([]);
    } finally {
      await gateway.runtime.accounts.update('main', { baseUrl: upstream.url, state: 'active' });
      await new Promise((resolve) => redirector.close(resolve));
    }
  });
});

describe('admin-set base URLs (SSRF)', () => {
  const admin = () => ({
    authorization: `Bearer ${gateway.runtime.adminToken}`,
    'content-type': 'application/json',
  });

  it('refuses metadata and link-local base URLs even where private ones are allowed', async () => {
    // The test gateway runs with OUTBOUND_ALLOW_PRIVATE=true (its upstreams are loopback mocks).
    for (const baseUrl of ['http://169.254.169.254/', 'http://[::ffff:a9fe:a9fe]/', 'http://0xa9fea9fe/']) {
      const created = await gateway.runtime.app.inject({
        method: 'POST',
        url: '/api/admin/accounts',
        headers: admin(),
        payload: JSON.stringify({ kind: 'anthropic_api', name: 'meta', apiKey: 'k', baseUrl }),
      });
      expect(created.statusCode).toBe(400);
      expect(created.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
      expect(created.body).toMatch(/baseUrl: .* metadata address/);
      const patched = await gateway.runtime.app.inject({
        method: 'PATCH',
        url: '/api/admin/accounts/main',
        headers: admin(),
        payload: JSON.stringify({ baseUrl }),
      });
      expect(patched.statusCode).toBe(400);
    }
    expect((await gateway.runtime.accounts.list()).map((a) => [a.name, a.baseUrl])).toEqual([
      ['main', upstream.url],
    ]);
  });
});

describe('admin-set base URLs with the default policy', () => {
  let strict: TestGateway;
  beforeAll(async () => {
    strict = await startTestGateway({ env: { OUTBOUND_ALLOW_PRIVATE: 'false' } });
  });
  afterAll(async () => strict?.close());

  it('refuses loopback and private base URLs through the service the CLI and the API share', async () => {
    for (const baseUrl of [upstream.url, 'http://localhost:9/', 'http://10.0.0.1/', 'http://2130706433/']) {
      await expect(
        strict.runtime.accounts.add({ kind: 'anthropic_api', name: 'local', apiKey: 'k', baseUrl }),
      ).rejects.toThrow(/OUTBOUND_ALLOW_PRIVATE=true/);
    }
  });
});
