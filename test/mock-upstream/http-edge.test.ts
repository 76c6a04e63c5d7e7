import Anthropic from '@anthropic-ai/sdk';
import { request as httpRequest, Agent } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startMockUpstream } from '../../src/upstreams/mock/server.js';
import { ask, client, MODEL, useMockUpstream } from './helpers.js';

const body = (text = 'hi', fields: Record<string, unknown> = {}) =>
  JSON.stringify({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: text }], ...fields });

describe('mock upstream HTTP surface', () => {
  const mock = useMockUpstream();

  it('answers HEAD / and GET / with 200 (Claude Code preflight)', async () => {
    expect((await fetch(`${mock.server.url}/`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${mock.server.url}/`)).status).toBe(200);
  });

  it('accepts ?beta=true, anthropic-beta lists and unknown headers', async () => {
    const response = await fetch(`${mock.server.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'anything',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,made-up-beta',
        'x-claude-code-session-id': 'abc',
        'x-totally-unknown': 'yes',
      },
      body: body('hi', { thinking: { type: 'adaptive' }, tools: [], some_future_field: { a: 1 } }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 'message', model: MODEL });
  });

  it('answers malformed JSON with 400 invalid_request_error in the Anthropic shape', async () => {
    const response = await fetch(`${mock.server.url}/v1/messages`, { method: 'POST', body: '{"model":' });
    expect(response.status).toBe(400);
    const json = (await response.json()) as { type: string; error: { type: string }; request_id: string };
    expect(json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(response.headers.get('request-id')).toBe(json.request_id);
  });

  it('answers unknown routes with 404 not_found_error', async () => {
    for (const [method, path] of [
      ['GET', '/v1/nothing'],
      ['GET', '/v1/messages'],
      ['DELETE', '/v1/models'],
      ['GET', '/_mock/unknown'],
    ] as const) {
      const response = await fetch(`${mock.server.url}${path}`, { method });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    }
  });

  it('makes the SDK stream throw on disconnect-after, after N deltas', async () => {
    const stream = client(mock.server.url).messages.stream(ask('[[mock disconnect-after=5]]'));
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    await expect(stream.finalMessage()).rejects.toThrow();
    expect(deltas).toHaveLength(5);
  });

  it('makes the SDK stream throw the error of an SSE error event', async () => {
    const stream = client(mock.server.url).messages.stream(
      ask('[[mock error-event-after=3 error-type=overloaded_error]]'),
    );
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toContain('overloaded_error');
    expect(deltas).toHaveLength(3);
  });

  it('keeps connections alive between requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = httpRequest(`${mock.server.url}/v1/messages`, { method: 'POST', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(req.reusedSocket));
        });
        req.on('error', reject);
        req.end(body());
      });
    expect(await send()).toBe(false);
    expect(await send()).toBe(true);
    agent.destroy();
  });

  it('survives garbage on the wire', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(mock.server.port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    const response = await fetch(`${mock.server.url}/v1/messages`, { method: 'POST', body: '\u0000\u0001' });
    expect(response.status).toBe(400);
  });
});

describe('mock upstream lifecycle and keys', () => {
  it('accepts the expected key in x-api-key and rejects others with 401', async () => {
    const server = await startMockUpstream({ behavior: { expectedApiKey: 'sk-x' } });
    try {
      const send = (headers: Record<string, string>) =>
        fetch(`${server.url}/v1/messages`, { method: 'POST', headers, body: body() });
      expect((await send({ 'x-api-key': 'sk-x' })).status).toBe(200);
      expect((await send({ authorization: 'Bearer sk-x' })).status).toBe(200);
      const wrong = await send({ 'x-api-key': 'sk-y' });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ error: { type: 'authentication_error' } });
      expect((await send({})).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('close() ends hung connections at once', async () => {
    const server = await startMockUpstream({});
    const hung = fetch(`${server.url}/v1/messages`, { method: 'POST', body: body('[[mock hang]]') });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(hung).rejects.toThrow();
  });
});
