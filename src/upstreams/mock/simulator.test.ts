import { describe, expect, it } from 'vitest';
import { SseParser } from '../../protocols/anthropic/sse.js';
import { DEFAULT_BEHAVIOR, type Behavior } from './behavior.js';
import { simulate, type SimulationInput } from './simulator.js';

const requestBody = (text = 'hi', fields: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      model: 'claude-test',
      max_tokens: 1000,
      messages: [{ role: 'user', content: text }],
      ...fields,
    }),
  );

function run(
  body: Buffer,
  options: Partial<Omit<SimulationInput, 'behavior'>> & { behavior?: Partial<Behavior> } = {},
) {
  return simulate({
    operation: 'messages',
    signal: new AbortController().signal,
    ...options,
    body,
    behavior: { ...DEFAULT_BEHAVIOR, ...options.behavior },
  });
}

async function text(body: AsyncIterable<Buffer>): Promise<string> {
  let out = '';
  for await (const chunk of body) out += chunk.toString('utf8');
  return out;
}

function events(sse: string): { event: string; data: Record<string, unknown> }[] {
  const out: { event: string; data: Record<string, unknown> }[] = [];
  const parser = new SseParser(undefined, (e) => out.push({ event: e.event, data: JSON.parse(e.data) }));
  parser.push(sse);
  parser.end();
  return out;
}

const deltaTexts = (list: ReturnType<typeof events>) =>
  list
    .filter((e) => e.event === 'content_block_delta')
    .map((e) => (e.data['delta'] as { text: string }).text);

describe('simulate: answers', () => {
  it('answers a non-streaming request like the Messages API', async () => {
    const response = await run(requestBody('abcdefgh'));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['request-id']).toMatch(/^req_mock_/);
    const message = JSON.parse(await text(response.body));
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 2,
        output_tokens: 20,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
    expect(message.id).toMatch(/^msg_mock_/);
    expect(message.content[0].text.split(' ')).toHaveLength(20);
  });

  it('streams message_start, block start, ping, one delta per word, block stop, message_delta, message_stop', async () => {
    const response = await run(requestBody('hi', { stream: true }), { behavior: { words: 3 } });
    expect(response.headers['content-type']).toBe('text/event-stream');
    const list = events(await text(response.body));
    expect(list.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(list[0]?.data).toMatchObject({
      message: { model: 'claude-test', usage: { input_tokens: 1, output_tokens: 1 } },
    });
    expect(deltaTexts(list).join('')).toBe('Hello from the');
    expect(list[7]?.data).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } });
  });

  it('honours max_tokens and stop_sequences in both modes', async () => {
    const body = requestBody('hi', { max_tokens: 4 });
    expect(JSON.parse(await text((await run(body)).body))).toMatchObject({
      content: [{ text: 'Hello from the Switchyard' }],
      stop_reason: 'max_tokens',
      usage: { output_tokens: 4 },
    });
    const stream = await run(requestBody('hi', { stream: true, stop_sequences: ['Switch'] }));
    const list = events(await text(stream.body));
    expect(deltaTexts(list).join('')).toBe('Hello from the ');
    expect(list.at(-2)?.data).toMatchObject({
      delta: { stop_reason: 'stop_sequence', stop_sequence: 'Switch' },
    });
  });

  it('echoes the user text without the directive', async () => {
    const response = await run(requestBody('say [[mock echo]] this back'));
    expect(JSON.parse(await text(response.body)).content[0].text).toBe('say this back');
  });

  it('counts tokens for count_tokens', async () => {
    const body = Buffer.from(
      JSON.stringify({ model: 'm', system: 'abcd', messages: [{ role: 'user', content: 'abcde' }] }),
    );
    const response = await run(body, { operation: 'count_tokens' });
    expect(JSON.parse(await text(response.body))).toEqual({ input_tokens: 3 });
  });

  it('takes the stream flag from the caller over the body', async () => {
    const response = await run(requestBody('hi', { stream: false }), { stream: true });
    expect(response.headers['content-type']).toBe('text/event-stream');
  });
});

describe('simulate: errors', () => {
  it('answers a directive status with the Anthropic error body and retry-after', async () => {
    const response = await run(requestBody('[[mock status=429 retry-after=7]]'));
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('7');
    const body = JSON.parse(await text(response.body));
    expect(body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(body.request_id).toBe(response.headers['request-id']);
  });

  it.each([
    [529, 'overloaded_error'],
    [500, 'api_error'],
    [403, 'permission_error'],
  ])('maps status %i to %s', async (status, type) => {
    const response = await run(requestBody(`[[mock status=${status}]]`));
    expect(response.status).toBe(status);
    expect(JSON.parse(await text(response.body)).error.type).toBe(type);
  });

  it('rejects a wrong key with 401 when a key is expected', async () => {
    const behavior = { expectedApiKey: 'right' };
    expect((await run(requestBody(), { behavior, apiKey: 'wrong' })).status).toBe(401);
    expect((await run(requestBody(), { behavior })).status).toBe(401);
    expect((await run(requestBody(), { behavior, apiKey: 'right' })).status).toBe(200);
  });

  it.each([
    [Buffer.from('{not json'), 'not valid JSON'],
    [Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] })), 'max_tokens'],
    [requestBody('hi', { max_tokens: -5 }), 'max_tokens'],
    [
      Buffer.from(JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'robot', content: 'x' }] })),
      'messages.0.role',
    ],
    [requestBody('[[mock status=nope]]'), '[[mock status=nope]]'],
  ])('answers 400 invalid_request_error naming the problem (%#)', async (body, needle) => {
    const response = await run(body);
    expect(response.status).toBe(400);
    const error = JSON.parse(await text(response.body)).error;
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain(needle);
  });

  it('accepts mid-conversation system messages (Claude Code sends them)', async () => {
    const messages = [
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'reminder' },
    ];
    const response = await run(Buffer.from(JSON.stringify({ model: 'm', max_tokens: 5, messages })));
    expect(response.status).toBe(200);
  });
});
