/**
 * Native TLS: a self-signed certificate made for the test, the real server speaking HTTPS on both
 * the Fastify routes and the raw Messages front, HSTS present; and bad TLS configuration stopping
 * `switchyard start` with one line and exit code 2.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let dir: string;
let certFile: string;
let keyFile: string;
let cert: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchyard-tls-'));
  certFile = path.join(dir, 'cert.pem');
  keyFile = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' }); // prettier-ignore
  cert = await readFile(certFile);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function https(url: string, options: { method?: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<Answer>((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, ca: cert },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('native TLS', () => {
  let gateway: TestGateway;
  let base: string;
  beforeAll(async () => {
    gateway = await startTestGateway({ env: { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } });
    base = gateway.url.replace(/^http:/, 'https:');
  });
  afterAll(async () => gateway?.close());

  it('serves Fastify routes over HTTPS with HSTS and an upgrading CSP', async () => {
    const answer = await https(`${base}/health`, {});
    expect(answer.status).toBe(200);
    expect(answer.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(answer.headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  it('serves the raw Messages front over HTTPS too', async () => {
    const answer = await https(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.key, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as { type: string }).type).toBe('message');
  });

  it('speaks no plain HTTP on the TLS port', async () => {
    await expect(fetch(`${gateway.url}/health`)).rejects.toThrow();
  });

  it('sends no CORS headers and no preflight answer without an allowlist', async () => {
    const answer = await https(`${base}/v1/messages`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(answer.status).toBe(404);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('TLS configuration', () => {
  it('wants both files or neither', () => {
    expect(() => loadConfig({ TLS_CERT_FILE: '/x/cert.pem' })).toThrow(ConfigError);
    expect(() => loadConfig({ TLS_KEY_FILE: '/x/key.pem' })).toThrow(/TLS_CERT_FILE must be set too/);
    expect(loadConfig({}).http.tls).toBeUndefined();
  });

  const start = (env: Record<string, string>) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', path.resolve('src/main.ts'), 'start'],
        {
          env: {
            PATH: process.env['PATH'] ?? '/usr/bin:/bin',
            HOME: dir,
            SWITCHYARD_DATA_DIR: dir,
            PORT: '0',
            ...env,
          },
          timeout: 60_000,
        },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });

  it.each([
    ['only a certificate', () => ({ TLS_CERT_FILE: certFile }), /TLS_KEY_FILE must be set too/],
    [
      'a missing file',
      () => ({ TLS_CERT_FILE: path.join(dir, 'nope.pem'), TLS_KEY_FILE: keyFile }),
      /TLS_CERT_FILE cannot be read: ENOENT/,
    ],
    [
      'a key that is not PEM',
      () => ({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: path.join(dir, 'junk.pem') }),
      /not a usable PEM/,
    ],
  ])('%s: `switchyard start` exits 2 with one line', async (_name, env, message) => {
    await writeFile(path.join(dir, 'junk.pem'), 'not a key');
    const result = await start(env());
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
