import { describe, expect, it } from 'vitest';
import type { UpstreamAccount, UpstreamRequest } from '../types.js';
import { mockKind } from './index.js';

const account = (
  settings: Record<string, unknown> = {},
  credential: string | null = null,
): UpstreamAccount => ({
  id: 'acc_1',
  name: 'demo',
  kind: 'mock',
  baseUrl: null,
  credential,
  settings,
});

function request(text: string, overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  const stream = overrides.stream ?? true;
  const body = { model: 'claude-test', max_tokens: 100, stream, messages: [{ role: 'user', content: text }] };
  return {
    operation: 'messages',
    body: Buffer.from(JSON.stringify(body)),
    stream,
    model: 'claude-test',
    anthropicVersion: '2023-06-01',
    anthropicBeta: undefined,
    requestId: 'req_test',
    firstByteTimeoutMs: 1_000,
    idleTimeoutMs: 1_000,
    signal: new AbortController().signal,
    ...overrides,
  };
}

async function drain(body: AsyncIterable<Buffer>): Promise<string> {
  let text = '';
  for await (const chunk of body) text += chunk.toString('utf8');
  return text;
}

const deltas = (sse: string) => sse.split('event: content_block_delta\n').length - 1;

describe('mockKind', () => {
  it('describes a simulated kind that needs no credential', () => {
    expect(mockKind).toMatchObject({ kind: 'mock', requiresCredential: false, simulated: true });
    expect(mockKind.description).not.toBe('');
  });

  it('streams the default 20-word answer', async () => {
    const upstream = mockKind.create(account());
    const response = await upstream.send(request('hi'));
    expect(response.status).toBe(200);
    expect(deltas(await drain(response.body))).toBe(20);
  });

  it('takes its defaults from the account settings, ignoring bad ones', async () => {
    const upstream = mockKind.create(account({ words: 3, latencyMs: 'soon', tokensPerSecond: -4 }));
    const response = await upstream.send(request('hi'));
    expect(deltas(await drain(response.body))).toBe(3);
  });

  it('checks expectedApiKey against the account credential', async () => {
    const wrong = await mockKind.create(account({ expectedApiKey: 'k1' }, 'k2')).send(request('hi'));
    expect(wrong.status).toBe(401);
    const right = await mockKind.create(account({ expectedApiKey: 'k1' }, 'k1')).send(request('hi'));
    expect(right.status).toBe(200);
  });

  it('rejects a hang with first_byte_timeout after firstByteTimeoutMs', async () => {
    const started = Date.now();
    const pending = mockKind.create(account()).send(request('[[mock hang]]', { firstByteTimeoutMs: 50 }));
    await expect(pending).rejects.toMatchObject({
      name: 'UpstreamTransportError',
      failure: 'first_byte_timeout',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('turns a latency longer than firstByteTimeoutMs into first_byte_timeout', async () => {
    const pending = mockKind
      .create(account({ latencyMs: 5_000 }))
      .send(request('hi', { firstByteTimeoutMs: 30 }));
    await expect(pending).rejects.toMatchObject({ failure: 'first_byte_timeout' });
  });

  it('throws idle_timeout from the body when a stream stalls', async () => {
    const response = await mockKind
      .create(account())
      .send(request('[[mock stall-after=2]]', { idleTimeoutMs: 50 }));
    let received = '';
    const reading = (async () => {
      for await (const chunk of response.body) received += chunk.toString();
    })();
    await expect(reading).rejects.toMatchObject({ failure: 'idle_timeout' });
    expect(deltas(received)).toBe(2);
  });

  it('throws reset from the body on disconnect-after', async () => {
    const response = await mockKind.create(account()).send(request('[[mock disconnect-after=1]]'));
    await expect(drain(response.body)).rejects.toMatchObject({ failure: 'reset' });
  });

  it('stops a paced stream promptly when the request signal aborts', async () => {
    const controller = new AbortController();
    const response = await mockKind
      .create(account({ tokensPerSecond: 2 }))
      .send(request('hi', { signal: controller.signal, idleTimeoutMs: 10_000 }));
    const iterator = response.body[Symbol.asyncIterator]();
    await iterator.next();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    await expect(iterator.next()).rejects.toMatchObject({ failure: 'aborted' });
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('rejects with aborted when the signal fires before headers', async () => {
    const controller = new AbortController();
    const pending = mockKind
      .create(account({ latencyMs: 10_000 }))
      .send(request('hi', { signal: controller.signal }));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ failure: 'aborted' });
  });

  it('answers non-streaming requests and count_tokens', async () => {
    const upstream = mockKind.create(account());
    const message = await upstream.send(request('hi', { stream: false }));
    expect(JSON.parse(await drain(message.body))).toMatchObject({
      type: 'message',
      usage: { output_tokens: 20 },
    });
    const body = Buffer.from(
      JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'abcdefgh' }] }),
    );
    const counted = await upstream.send(request('', { operation: 'count_tokens', body, stream: false }));
    expect(JSON.parse(await drain(counted.body))).toEqual({ input_tokens: 2 });
  });

  it('lists current Claude models marked as simulated and passes its test', async () => {
    const upstream = mockKind.create(account());
    const models = await upstream.listModels(new AbortController().signal);
    expect(models?.map((m) => m.id)).toContain('claude-sonnet-4-5-20250929');
    for (const model of models ?? []) expect(model.displayName).toMatch(/ \(simulated\)$/);
    await expect(upstream.test(new AbortController().signal)).resolves.toMatchObject({ ok: true });
    await expect(upstream.close()).resolves.toBeUndefined();
  });
});
