/**
 * What every client sees of the hardening: security headers, the CORS allowlist, the CSRF check
 * on cookie-carrying requests, and per-route body limits with Anthropic-shaped 413s.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const APP = 'https://app.example.com';
const REFRESH_COOKIE = '__Secure-sy-refresh';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ env: { CORS_ORIGINS: `${APP},http://localhost:5173` } });
});
afterAll(async () => gateway?.close());

const inject = (options: InjectOptions) => gateway.runtime.app.inject(options);

function expectAnthropicError(body: string, type: string) {
  const parsed = JSON.parse(body) as { type: string; error: { type: string; message: string } };
  expect(parsed.type).toBe('error');
  expect(parsed.error.type).toBe(type);
  return parsed.error.message;
}

describe('security headers', () => {
  it('sends a strict CSP, nosniff and no HSTS over plain HTTP, on answers and errors alike', async () => {
    for (const url of ['/health', '/v1/models', '/no-such-route', '/api/auth/me']) {
      const response = await fetch(`${gateway.url}${url}`, { headers: { 'x-api-key': gateway.key } });
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("script-src-attr 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('strict-transport-security')).toBeNull();
      await response.body?.cancel();
    }
  });
});

describe('CORS allowlist', () => {
  const preflight = (url: string, origin: string) =>
    inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-api-key,authorization',
      },
    });

  it('answers preflights for /v1 and /api from listed origins only', async () => {
    for (const url of ['/v1/messages', '/api/admin/accounts', '/api/auth/refresh']) {
      const allowed = await preflight(url, APP);
      expect(allowed.statusCode).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe(APP);
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      const refused = await preflight(url, 'https://evil.example');
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('lets a listed origin read a Messages answer from the raw front, and no other origin', async () => {
    const call = (origin: string) =>
      fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { origin, 'x-api-key': gateway.key, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'claude-sonnet-4-6',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
    const allowed = await call('http://localhost:5173');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('request-id');
    await allowed.text();
    const other = await call('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('vary')).toContain('Origin');
    await other.text();
  });
});

describe('CSRF on cookie-authenticated routes', () => {
  // A made-up refresh token: a request that passes the CSRF check reaches the route and gets 401.
  const cookie = `${REFRESH_COOKIE}=not-a-real-token`;
  const post = (url: string, headers: Record<string, string>) =>
    inject({ method: 'POST', url, headers: { cookie, host: 'gw.example.com', ...headers } });

  it('refuses a cookie-carrying refresh or logout with neither a matching Origin nor the header', async () => {
    for (const url of ['/api/auth/refresh', '/api/auth/logout', '/api/auth/login']) {
      for (const headers of [
        {} as Record<string, string>,
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { referer: `${APP}/` },
      ]) {
        const response = await post(url, headers);
        expect(response.statusCode).toBe(403);
        expect(expectAnthropicError(response.body, 'permission_error')).toMatch(/Cross-site request refused/);
      }
    }
  });

  it('lets through the same origin, a listed origin, or the custom header', async () => {
    for (const headers of [
      { origin: 'https://gw.example.com' } as Record<string, string>,
      { origin: APP },
      { 'x-switchyard-csrf': '1' },
    ]) {
      const refresh = await post('/api/auth/refresh', headers);
      expect(refresh.statusCode).toBe(401);
      expectAnthropicError(refresh.body, 'authentication_error');
      expect((await post('/api/auth/logout', headers)).statusCode).toBe(204);
    }
  });

  it('leaves requests without the cookie alone (the bearer token cannot be sent cross-site)', async () => {
    const response = await inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { origin: 'https://evil.example' },
    });
    expect(response.statusCode).toBe(204);
  });
});

describe('body limits', () => {
  const MiB = 1024 * 1024;

  it('answers 413 request_too_large for an /api body over 1 MiB, by length or by chunks', async () => {
    const big = JSON.stringify({ username: 'x', password: 'y'.repeat(MiB) });
    const byLength = await inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: big,
    });
    expect(byLength.statusCode).toBe(413);
    expectAnthropicError(byLength.body, 'request_too_large');
    const admin = await inject({
      method: 'POST',
      url: '/api/admin/accounts',
      headers: { authorization: `Bearer ${gateway.runtime.adminToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ kind: 'mock', name: 'big', settings: { pad: 'z'.repeat(MiB) } }),
    });
    expect(admin.statusCode).toBe(413);
    expectAnthropicError(admin.body, 'request_too_large');
    const chunked = await sendChunked('/api/auth/login', Buffer.from(big));
    expect(chunked.status).toBe(413);
    expectAnthropicError(chunked.body, 'request_too_large');
  });

  it('accepts an /api body just under the limit', async () => {
    const response = await inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'nobody', password: 'p'.repeat(MiB - 100) }),
    });
    expect(response.statusCode).not.toBe(413);
  });

  it('answers 413 on the raw Messages route past 32 MiB', async () => {
    const response = await rawPost('/v1/messages', {
      'content-length': String(32 * MiB + 1),
      'x-api-key': gateway.key,
    });
    expect(response.status).toBe(413);
    expectAnthropicError(response.body, 'request_too_large');
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function collect(resolve: (r: RawResponse) => void) {
  return (res: IncomingMessage) => {
    let body = '';
    res.on('data', (chunk: Buffer) => (body += chunk.toString()));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
  };
}

/** Announces a length and sends nothing: the server must refuse on the header alone. */
function rawPost(path: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gateway.url}${path}`, { method: 'POST', headers }, collect(resolve));
    req.on('error', reject);
    req.flushHeaders();
  });
}

function sendChunked(path: string, body: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${gateway.url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
      collect(resolve),
    );
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    req.end();
  });
}
