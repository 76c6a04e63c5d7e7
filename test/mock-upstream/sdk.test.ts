import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { ask, client, MODEL, useMockUpstream } from './helpers.js';

describe('mock upstream through the official SDK', () => {
  const mock = useMockUpstream();

  it('answers a non-streaming request', async () => {
    const message = await client(mock.server.url).messages.create(ask('Hello there'));
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: MODEL,
      stop_reason: 'end_turn',
    });
    expect(message.id).toMatch(/^msg_mock_/);
    expect(message.content[0]?.type).toBe('text');
    expect(message.usage).toMatchObject({ input_tokens: 3, output_tokens: 20 });
  });

  it('streams 20 text deltas that add up to the final message', async () => {
    const stream = client(mock.server.url).messages.stream(ask('Hello there'));
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    expect(deltas).toHaveLength(20);
    const block = message.content[0];
    expect(block?.type === 'text' ? block.text : undefined).toBe(deltas.join(''));
    expect(message.usage).toMatchObject({ input_tokens: 3, output_tokens: 20 });
    expect(message.stop_reason).toBe('end_turn');
  });

  it('turns a 429 with retry-after into RateLimitError carrying the header', async () => {
    const error = await client(mock.server.url)
      .messages.create(ask('[[mock status=429 retry-after=7]]'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const rateLimit = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(rateLimit.headers.get('retry-after')).toBe('7');
    expect(rateLimit.requestID).toMatch(/^req_mock_/);
    expect(rateLimit.type).toBe('rate_limit_error');
  });

  it('turns a 529 into an overloaded error', async () => {
    const error = await client(mock.server.url)
      .messages.create(ask('[[mock status=529]]'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error).toMatchObject({ status: 529, type: 'overloaded_error' });
  });

  it('answers an invalid body with BadRequestError naming the field', async () => {
    const error = await client(mock.server.url)
      .messages.create({ ...ask('hi'), max_tokens: -1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as Error).message).toContain('max_tokens');
  });

  it('counts tokens', async () => {
    const counted = await client(mock.server.url).messages.countTokens({
      model: MODEL,
      system: 'abcd',
      messages: [{ role: 'user', content: 'abcde' }],
    });
    expect(counted).toEqual({ input_tokens: 3 });
  });

  it('lists models in the Anthropic shape', async () => {
    const page = await client(mock.server.url).models.list();
    const ids = page.data.map((model) => model.id);
    expect(ids).toEqual(
      expect.arrayContaining(['claude-opus-4-1-20250805', 'claude-sonnet-4-5-20250929', MODEL]),
    );
    for (const model of page.data) {
      expect(model.type).toBe('model');
      expect(model.display_name).toMatch(/\(simulated\)$/);
    }
    const one = await client(mock.server.url).models.retrieve(MODEL);
    expect(one.id).toBe(MODEL);
  });

  it('echoes, and honours max_tokens and stop_sequences', async () => {
    const echoed = await client(mock.server.url).messages.create(ask('repeat after me [[mock echo]]'));
    expect(echoed.content[0]).toMatchObject({ text: 'repeat after me' });
    const cut = await client(mock.server.url).messages.create({ ...ask('hi', 3), stop_sequences: ['nope'] });
    expect(cut).toMatchObject({ stop_reason: 'max_tokens', usage: { output_tokens: 3 } });
    const stopped = await client(mock.server.url).messages.create({ ...ask('hi'), stop_sequences: ['mock'] });
    expect(stopped).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'mock' });
    expect(stopped.content[0]).toMatchObject({ text: 'Hello from the Switchyard ' });
  });
});

describe('mock upstream with an expected API key', () => {
  const mock = useMockUpstream({ behavior: { expectedApiKey: 'sk-right' } });

  it('answers 401 authentication_error to a wrong key', async () => {
    const error = await client(mock.server.url, 'sk-wrong')
      .messages.create(ask('hi'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error).toMatchObject({ type: 'authentication_error' });
  });

  it('accepts the right key, as x-api-key or as a Bearer token', async () => {
    await expect(client(mock.server.url, 'sk-right').messages.create(ask('hi'))).resolves.toMatchObject({
      type: 'message',
    });
    const bearer = new Anthropic({
      authToken: 'sk-right',
      apiKey: null,
      baseURL: mock.server.url,
      maxRetries: 0,
    });
    await expect(bearer.messages.create(ask('hi'))).resolves.toMatchObject({ type: 'message' });
  });

  it('guards the models list too', async () => {
    await expect(client(mock.server.url, 'sk-wrong').models.list()).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
  });
});
