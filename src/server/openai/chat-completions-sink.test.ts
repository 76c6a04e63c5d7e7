import { describe, expect, it } from 'vitest';
import type { ResponseSink } from '../../gateway/call.js';
import { ChatCompletionsSink, type ChatAnswerContext } from './chat-completions-sink.js';

/** Records what the client would receive. */
class RecordingSink implements ResponseSink {
  headersSent = false;
  closed = false;
  status = 0;
  headers: Record<string, string> = {};
  body = '';
  ended = false;
  start(status: number, headers: Record<string, string>): void {
    this.headersSent = true;
    this.status = status;
    this.headers = headers;
  }
  write(chunk: Buffer | string): undefined {
    this.body += chunk.toString();
    return undefined;
  }
  end(chunk?: Buffer | string): void {
    if (chunk !== undefined) this.body += chunk.toString();
    this.ended = true;
  }
  onClose(): void {}
}

const context: ChatAnswerContext = {
  requestId: 'req_1',
  model: 'asked',
  stream: false,
  includeUsage: false,
  created: 1_700_000_000,
};
const MESSAGE = JSON.stringify({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-x',
  content: [{ type: 'text', text: 'Hi' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 3, output_tokens: 1 },
});

/** What the relay does with a whole answer: start, then end with the body. */
function relayWhole(status: number, body: string, ctx: Partial<ChatAnswerContext> = {}, extra = {}) {
  const inner = new RecordingSink();
  const sink = new ChatCompletionsSink(inner, { ...context, ...ctx });
  sink.start(status, { 'content-type': 'application/json', 'request-id': 'req_1', ...extra });
  expect(inner.headersSent).toBe(false);
  expect(sink.headersSent).toBe(true);
  sink.end(Buffer.from(body));
  expect(inner.ended).toBe(true);
  return inner;
}

describe('ChatCompletionsSink with whole answers', () => {
  it('sends a message as a chat.completion, with x-request-id', () => {
    const out = relayWhole(200, MESSAGE);
    expect(out.status).toBe(200);
    expect(out.headers).toMatchObject({ 'request-id': 'req_1', 'x-request-id': 'req_1' });
    expect(JSON.parse(out.body)).toMatchObject({
      id: 'chatcmpl-msg_1',
      object: 'chat.completion',
      choices: [{ message: { content: 'Hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 1 },
    });
  });

  it('sends a message for a streaming request as chunks and [DONE]', () => {
    const out = relayWhole(200, MESSAGE, { stream: true, includeUsage: true });
    expect(out.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(out.body).toContain('"delta":{"role":"assistant","content":"Hi"}');
    expect(out.body).toContain('"choices":[],"usage":{"prompt_tokens":3');
    expect(out.body.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('sends an upstream error in OpenAI shape, passing retry-after and x-should-retry', () => {
    const error = JSON.stringify({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    const out = relayWhole(529, error, {}, { 'retry-after': '3', 'x-should-retry': 'true', 'x-other': 'no' });
    expect(out.status).toBe(503);
    expect(out.headers).toStrictEqual({
      'content-type': 'application/json; charset=utf-8',
      'request-id': 'req_1',
      'x-request-id': 'req_1',
      'retry-after': '3',
      'x-should-retry': 'true',
    });
    expect(JSON.parse(out.body)).toStrictEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' },
    });
  });

  it('answers 502 when a 200 answer is not a message, and a non-JSON error by its status', () => {
    expect(relayWhole(200, '<html>').status).toBe(502);
    const proxy = relayWhole(413, 'Request Entity Too Large');
    expect(proxy.status).toBe(413);
    expect(JSON.parse(proxy.body)).toMatchObject({ error: { message: 'The upstream answered HTTP 413.' } });
  });
});

describe('ChatCompletionsSink with streams', () => {
  it('translates as bytes arrive, after the early 200 too', () => {
    const inner = new RecordingSink();
    const sink = new ChatCompletionsSink(inner, { ...context, stream: true });
    sink.start(200, { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': 'req_1' });
    expect(inner.headers['x-request-id']).toBe('req_1');
    sink.write('event: ping\ndata: {"type":"ping"}\n\n');
    expect(inner.body).toBe(': ping\n\n');
    sink.write(
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"x","usage":{}}}',
    );
    expect(inner.body).toBe(': ping\n\n');
    sink.end('\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n');
    expect(inner.body.split('\n\n').filter(Boolean)).toHaveLength(4); // ping, role, finish, [DONE]
    expect(inner.ended).toBe(true);
  });
});
