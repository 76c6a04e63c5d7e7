import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { flushUsage, startTestGateway, waitFor, type TestGateway } from '../support/gateway.js';

const MODEL = 'claude-sonnet-4-6';
// A 1×1 PNG.
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const WEATHER_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

/** The official OpenAI SDK against the gateway, whose account is an Anthropic-API account on the mock upstream. */
describe('the official OpenAI SDK through POST /v1/chat/completions', () => {
  let upstream: MockUpstreamServer;
  let gateway: TestGateway;
  let client: OpenAI;
  const UPSTREAM_KEY = 'sk-ant-test-upstream-credential-canary';

  const mock = async <T>(path: string, init?: RequestInit): Promise<T> =>
    (await (await fetch(`${upstream.url}${path}`, init)).json()) as T;
  const lastUpstreamRequest = () => mock<Record<string, unknown>>('/_mock/last-request');
  const script = (responses: unknown[]) =>
    mock('/_mock/script', { method: 'POST', body: JSON.stringify({ responses }) });
  const usageRow = async (requestId: string | null) => {
    expect(requestId).toMatch(/^req_/);
    await flushUsage(gateway);
    return waitFor(async () => (await gateway.runtime.store.usage.list({ requestId: requestId! }))[0]);
  };

  beforeAll(async () => {
    upstream = await startMockUpstream({ behavior: { expectedApiKey: UPSTREAM_KEY } });
    gateway = await startTestGateway({
      accounts: [{ kind: 'anthropic_api', name: 'main', apiKey: UPSTREAM_KEY, baseUrl: upstream.url }],
      // A slow upstream (latency directive) gets the early 200 and keep-alives; a fast one never does.
      env: { STREAM_PING_AFTER_MS: '100', STREAM_PING_INTERVAL_MS: '100' },
    });
    client = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  beforeEach(async () => {
    await mock('/_mock/script', { method: 'DELETE' });
  });

  it('answers a non-streaming request and records its usage like a Messages request', async () => {
    const { data: completion, request_id } = await client.chat.completions
      .create({
        model: MODEL,
        max_tokens: 64,
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Say hello' },
        ],
      })
      .withResponse();
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-msg_mock_/);
    expect(completion.model).toBe(MODEL);
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('stop');
    expect(choice.message.role).toBe('assistant');
    expect(choice.message.content?.split(' ')).toHaveLength(20);
    expect(completion.usage?.completion_tokens).toBe(20);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );

    // What reached the upstream: an Anthropic body with the system prompt lifted out.
    const sent = await lastUpstreamRequest();
    expect(sent).toStrictEqual({
      model: MODEL,
      max_tokens: 64,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Say hello' }],
    });

    const row = await usageRow(request_id);
    expect(row).toMatchObject({
      model: MODEL,
      stream: false,
      status: 200,
      outputTokens: 20,
      inputTokens: completion.usage?.prompt_tokens,
      errorType: null,
    });
    expect(row.costUsd).toBeGreaterThan(0);
    expect(row.accountId).not.toBeNull();
    // Metrics tell this route from /v1/messages.
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(
      /switchyard_requests_total\{route="chat_completions",model="[^"]+",account="[^"]+",status="200"\} [1-9]/,
    );
  });

  it('records the same ledger row as the same request sent to /v1/messages', async () => {
    const chat = await client.chat.completions
      .create({ model: MODEL, max_tokens: 32, messages: [{ role: 'user', content: 'Same question' }] })
      .withResponse();
    const messages = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': gateway.key,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({
        model: MODEL,
        max_tokens: 32,
        messages: [{ role: 'user', content: 'Same question' }],
      }),
    });
    expect(messages.status).toBe(200);
    const comparable = ({
      requestId: _r,
      latencyMs: _l,
      ttftMs: _t,
      createdAt: _c,
      ...rest
    }: Record<string, unknown>) => rest;
    const chatRow = await usageRow(chat.request_id);
    const messagesRow = await usageRow(messages.headers.get('request-id'));
    expect(comparable({ ...chatRow })).toStrictEqual(comparable({ ...messagesRow }));
  });

  it('streams chunks ending with a usage chunk and [DONE] when include_usage is set', async () => {
    const { data: stream, request_id } = await client.chat.completions
      .create({
        model: MODEL,
        max_completion_tokens: 64,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Stream please' }],
      })
      .withResponse();
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text.split(' ')).toHaveLength(20);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const finishes = chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean);
    expect(finishes).toStrictEqual(['stop']);
    const last = chunks.at(-1)!;
    expect(last.choices).toStrictEqual([]);
    expect(last.usage?.completion_tokens).toBe(20);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);

    const row = await usageRow(request_id);
    expect(row).toMatchObject({
      stream: true,
      status: 200,
      outputTokens: 20,
      inputTokens: last.usage?.prompt_tokens,
    });
  });

  it('streams without a usage chunk when include_usage is not set', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        stream: true,
        messages: [{ role: 'user', content: '[[mock words=3]]' }],
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = await response.text();
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(body).not.toContain('"usage"');
    expect(body.match(/^data: /gm)).toHaveLength(1 + 3 + 1 + 1); // role, 3 words, finish, [DONE]
  });

  it('keeps a waiting stream alive with SSE comments, which the SDK skips', async () => {
    const raw = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        stream: true,
        messages: [{ role: 'user', content: '[[mock latency=400 words=2]]' }],
      }),
    });
    const body = await raw.text();
    expect(body.startsWith(': ping\n\n')).toBe(true);
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);

    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: '[[mock latency=400 words=2]]' }],
    });
    const texts: string[] = [];
    for await (const chunk of stream) texts.push(chunk.choices[0]?.delta.content ?? '');
    expect(texts.join('').split(' ')).toHaveLength(2);
  });

  it('turns an upstream error after the early 200 into an error the SDK throws', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: '[[mock latency=400 status=400]]' }],
    });
    const error = await (async () => {
      for await (const _ of stream);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe('invalid_request_error');
  });

  it('makes a tool call round trip: tool_use → tool_calls, then a tool message → tool_result', async () => {
    await script([{ 'tool-use': { name: 'get_weather', input: { city: 'Oslo' } } }]);
    const first = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [WEATHER_TOOL],
      tool_choice: 'auto',
    });
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toStrictEqual({ city: 'Oslo' });
    expect(call.id).toMatch(/^toolu_mock_/);
    const sentFirst = await lastUpstreamRequest();
    expect(sentFirst['tools']).toStrictEqual([
      {
        name: 'get_weather',
        description: 'Current weather for a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ]);
    expect(sentFirst['tool_choice']).toStrictEqual({ type: 'auto' });

    const second = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: 'Rain, 8 °C' },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(second.choices[0]?.finish_reason).toBe('stop');
    expect(second.choices[0]?.message.content).toBeTruthy();
    const sentSecond = await lastUpstreamRequest();
    expect(sentSecond['messages']).toStrictEqual([
      { role: 'user', content: 'Weather in Oslo?' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: call.id, name: 'get_weather', input: { city: 'Oslo' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Rain, 8 °C' }] },
    ]);
  });

  it('streams a tool call that the SDK assembles into the same tool_calls', async () => {
    await script([{ 'tool-use': { name: 'get_weather', input: { city: 'Rome', days: 2 } } }]);
    const stream = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
      tools: [WEATHER_TOOL],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    const call = final.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toStrictEqual({ city: 'Rome', days: 2 });
    expect(final.usage?.completion_tokens).toBe(10);
  });

  it('sends a data-URL image to the upstream as an Anthropic image block', async () => {
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const sent = await lastUpstreamRequest();
    expect(sent['messages']).toStrictEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        ],
      },
    ]);
  });

  it('refuses a remote image URL with a 400 naming the field, without contacting the upstream', async () => {
    const before = (await mock<{ requests: number }>('/_mock/stats')).requests;
    const error = await client.chat.completions
      .create({
        model: MODEL,
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'http://169.254.169.254/latest/meta-data' } }],
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.param).toBe('messages.0.content.0.image_url.url');
    expect(bad.message).toContain('data URL');
    expect((await mock<{ requests: number }>('/_mock/stats')).requests).toBe(before);
  });
});
