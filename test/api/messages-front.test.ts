/**
 * `POST /v1/messages` is served by a raw node:http front before Fastify (see
 * src/server/messages-front.ts). `inject` never reaches that front, so these cases go over real
 * sockets: body limits with and without content-length, Claude Code's `?beta=true`, and the
 * access line the front writes.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends the body in chunks without content-length, so only the running count can stop it. */
function postChunked(gateway: TestGateway, path: string, chunks: number, chunkSize: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${gateway.url}${path}`, {
      method: 'POST',
      headers: {
        'x-api-key': gateway.key,
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => (body += part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(chunkSize, 'x');
    let sent = 0;
    const pump = () => {
      while (sent < chunks) {
        sent += 1;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('the raw /v1/messages front', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway?.close());

  const body = JSON.stringify({
    model: 'claude-sonnet-4-6',
    max_tokens: 16,
    messages: [{ role: 'user', content: 'front door' }],
  });

  it('serves ?beta=true and logs the path without its query', async () => {
    const response = await fetch(`${gateway.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.key, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { type: string; content: Array<{ text: string }> };
    expect(answer.type).toBe('message');
    const requestId = response.headers.get('request-id');
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
    await expect.poll(() => gateway.logs.join('').includes(`"requestId":"${requestId}"`)).toBe(true);
    const line = gateway.logs
      .join('')
      .split('\n')
      .find((l) => l.includes(`"requestId":"${requestId}"`) && l.includes('"msg":"request"'));
    expect(line).toBeDefined();
    const parsed = JSON.parse(line!) as Record<string, unknown>;
    expect(parsed).toMatchObject({ level: 'info', method: 'POST', path: '/v1/messages', status: 200 });
    expect(typeof parsed['keyId']).toBe('string');
    expect(line).not.toContain(gateway.key);
  });

  it('answers a declared oversized body with 413 before reading it', async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.key, 'content-type': 'application/json' },
      body: Buffer.alloc(33 * 1024 * 1024, 'x'),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
  });

  it('stops a chunked body at the limit with 413, and keeps serving', async () => {
    const answer = await postChunked(gateway, '/v1/messages', 40, 1024 * 1024);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
    const next = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.key, 'content-type': 'application/json' },
      body,
    });
    expect(next.status).toBe(200);
  });

  it('answers bad JSON and a missing key in Anthropic shape', async () => {
    const bad = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.key, 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const anonymous = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', body });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });
});
