import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { ask, client, stats, useMockUpstream, waitFor } from './helpers.js';

async function postScript(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/_mock/script`, { method: 'POST', body: JSON.stringify(body) });
}

describe('mock upstream test controls', () => {
  const mock = useMockUpstream();
  const reset = () => fetch(`${mock.server.url}/_mock/reset`, { method: 'POST' });

  it('plays scripted responses in order before prompt defaults, then answers normally', async () => {
    await reset();
    const queued = await postScript(mock.server.url, {
      responses: [{ status: 429, 'retry-after': 3 }, { status: 529 }, { words: 2 }],
    });
    expect(await queued.json()).toEqual({ queued: 3 });
    const anthropic = client(mock.server.url);
    const first = await anthropic.messages.create(ask('hi')).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Anthropic.RateLimitError);
    expect((first as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('3');
    await expect(anthropic.messages.create(ask('hi'))).rejects.toMatchObject({ status: 529 });
    await expect(anthropic.messages.create(ask('hi'))).resolves.toMatchObject({
      usage: { output_tokens: 2 },
    });
    await expect(anthropic.messages.create(ask('hi'))).resolves.toMatchObject({
      usage: { output_tokens: 20 },
    });
  });

  it('lets a prompt directive override a scripted field', async () => {
    await reset();
    await postScript(mock.server.url, { responses: [{ words: 2 }] });
    const message = await client(mock.server.url).messages.create(ask('[[mock words=4]]'));
    expect(message.usage.output_tokens).toBe(4);
  });

  it('clears the script with DELETE and rejects a bad script naming the entry', async () => {
    await reset();
    await postScript(mock.server.url, { responses: [{ status: 500 }] });
    const cleared = await fetch(`${mock.server.url}/_mock/script`, { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ queued: 0 });
    await expect(client(mock.server.url).messages.create(ask('hi'))).resolves.toMatchObject({
      type: 'message',
    });
    const bad = await postScript(mock.server.url, { responses: [{ status: 'later' }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: expect.stringContaining('responses.0: status') },
    });
    const malformed = await fetch(`${mock.server.url}/_mock/script`, { method: 'POST', body: '{' });
    expect(malformed.status).toBe(400);
  });

  it('counts requests and keeps the last request headers', async () => {
    await reset();
    const anthropic = client(mock.server.url, 'sk-seen', {
      'anthropic-beta': 'beta-one,beta-two',
      'x-custom-thing': '1',
    });
    await anthropic.messages.create(ask('hi'));
    await anthropic.messages.countTokens({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    const seen = await stats(mock.server.url);
    expect(seen).toMatchObject({ requests: 1, inFlight: 0, completed: 1, aborted: 0 });
    expect(seen.lastHeaders).toMatchObject({ 'anthropic-beta': 'beta-one,beta-two', 'x-custom-thing': '1' });
    // This SDK version sends the key as a Bearer token; older ones used x-api-key.
    const headers = seen.lastHeaders ?? {};
    expect(headers['x-api-key'] ?? headers['authorization']?.replace(/^Bearer /, '')).toBe('sk-seen');
    await reset();
    expect(await stats(mock.server.url)).toEqual({
      requests: 0,
      inFlight: 0,
      completed: 0,
      aborted: 0,
      lastHeaders: null,
    });
  });

  it('counts a stream the client aborts midway as aborted', async () => {
    await reset();
    const stream = client(mock.server.url).messages.stream(ask('[[mock tps=20 words=100]]'));
    let deltas = 0;
    stream.on('text', () => {
      deltas++;
      if (deltas === 3) stream.abort();
    });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    await waitFor(async () => (await stats(mock.server.url)).aborted === 1);
    expect(await stats(mock.server.url)).toMatchObject({
      requests: 1,
      inFlight: 0,
      completed: 0,
      aborted: 1,
    });
  });

  it('counts a hung request the client gives up on as aborted', async () => {
    await reset();
    const controller = new AbortController();
    const pending = client(mock.server.url).messages.create(ask('[[mock hang]]'), {
      signal: controller.signal,
    });
    await waitFor(async () => (await stats(mock.server.url)).inFlight === 1);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    await waitFor(async () => (await stats(mock.server.url)).aborted === 1);
  });

  it('does not count its own disconnect-after as a client abort', async () => {
    await reset();
    const stream = client(mock.server.url).messages.stream(ask('[[mock disconnect-after=2]]'));
    await expect(stream.finalMessage()).rejects.toThrow();
    await waitFor(async () => (await stats(mock.server.url)).inFlight === 0);
    expect(await stats(mock.server.url)).toMatchObject({ requests: 1, completed: 0, aborted: 0 });
  });
});
