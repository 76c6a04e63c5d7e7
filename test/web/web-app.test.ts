/** The page and its files as a browser gets them: nonce-bearing CSP, caching, SPA fallback. */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_APP_DIR, withStyleNonce } from '../../src/server/routes/web-app.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ensureWebBuild } from './ensure-web-build.js';

let gateway: TestGateway;
beforeAll(async () => {
  ensureWebBuild();
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

const html = { accept: 'text/html,application/xhtml+xml' };

describe('the web app page', () => {
  it('serves / to browsers with a fresh style nonce in the page and in the CSP, never cached', async () => {
    const first = await fetch(`${gateway.url}/`, { headers: html });
    const second = await fetch(`${gateway.url}/`, { headers: html });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/html/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const body = await first.text();
    const nonce = /<meta property="csp-nonce" nonce="([^"]+)"/.exec(body)?.[1];
    expect(nonce).toMatch(/^[A-Za-z0-9+/=]{24}$/);
    expect(body).not.toContain('SWITCHYARD_CSP_NONCE');
    const csp = first.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`style-src 'self' 'nonce-${nonce}'`);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(await second.text()).not.toContain(nonce as string);
  });

  it('keeps the JSON answer at / for programs (Claude Code sends HEAD /)', async () => {
    const response = await fetch(`${gateway.url}/`);
    expect(await response.json()).toEqual({ name: 'switchyard', status: 'ok' });
    expect((await fetch(`${gateway.url}/`, { method: 'HEAD' })).status).toBe(200);
  });

  it('answers client routes with the page, and unknown API paths with the JSON 404', async () => {
    const page = await fetch(`${gateway.url}/c/${crypto.randomUUID()}`, { headers: html });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    for (const url of ['/api/nothing', '/v1/nothing', '/v2/nothing']) {
      const headers = url === '/v2/nothing' ? {} : html;
      const response = await fetch(`${gateway.url}${url}`, { headers });
      expect(response.status, url).toBe(404);
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe('not_found_error');
    }
  });

  it('serves hashed assets with a year-long immutable cache', async () => {
    const file = readdirSync(`${WEB_APP_DIR}assets`).find((f) => f.endsWith('.js'));
    const response = await fetch(`${gateway.url}/assets/${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${gateway.url}/assets/missing-abc.js`)).status).toBe(404);
  });

  it('adds the nonce to style-src only', () => {
    expect(withStyleNonce("default-src 'self';style-src 'self';script-src 'self'", 'n')).toBe(
      "default-src 'self'; style-src 'self' 'nonce-n'; script-src 'self'",
    );
    expect(withStyleNonce("default-src 'self'", 'n')).toBe("default-src 'self'; style-src 'self' 'nonce-n'");
  });
});
