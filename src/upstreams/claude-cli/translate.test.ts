import { describe, expect, it } from 'vitest';
import { outcomeOfStatus } from '../../gateway/scheduler/outcome.js';
import { parseCliLine, type CliEvent } from './cli-events.js';
import { TurnTranslator, type TurnOutput } from './translate.js';

function recorder() {
  const log: string[] = [];
  const responses: { status: number; headers: Record<string, string>; body: string }[] = [];
  let stops = 0;
  const out: TurnOutput = {
    respond: (status, headers, body) => responses.push({ status, headers, body }),
    startStream: () => log.push('start'),
    streamData: (chunk) => log.push(chunk),
    endStream: () => log.push('end'),
    stopGeneration: () => stops++,
  };
  return { out, log, responses, stops: () => stops };
}

const event = (json: unknown): CliEvent => {
  const parsed = parseCliLine(JSON.stringify(json));
  if (parsed === 'ignored') throw new Error('not an event');
  return parsed;
};
const stream = (e: Record<string, unknown>) => event({ type: 'stream_event', event: e });
const START = stream({
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [],
    usage: { input_tokens: 9, output_tokens: 1 },
  },
});
const BLOCK = stream({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
const delta = (text: string) =>
  stream({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
const STOP_BLOCK = stream({ type: 'content_block_stop', index: 0 });
const messageDelta = (stop: string) =>
  stream({
    type: 'message_delta',
    delta: { stop_reason: stop, stop_sequence: null },
    usage: { output_tokens: 2 },
  });
const MESSAGE_STOP = stream({ type: 'message_stop' });
const SUCCESS = event({
  type: 'result',
  subtype: 'success',
  is_error: false,
  api_error_status: null,
  result: 'Hi there',
});

describe('TurnTranslator', () => {
  it('builds one Messages JSON for a non-streaming client, and the turn is reusable', () => {
    const r = recorder();
    const t = new TurnTranslator(false, r.out);
    for (const e of [
      START,
      BLOCK,
      delta('Hi'),
      delta(' there'),
      STOP_BLOCK,
      messageDelta('end_turn'),
      MESSAGE_STOP,
    ])
      t.push(e);
    expect(r.responses).toHaveLength(1);
    expect(JSON.parse(r.responses[0]?.body ?? '')).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [{ type: 'text', text: 'Hi there' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 9, output_tokens: 2 },
    });
    expect(t.clean).toBe(false);
    t.push(SUCCESS);
    expect(t.clean).toBe(true);
  });

  it('relays stream events as SSE with a ping after message_start', () => {
    const r = recorder();
    const t = new TurnTranslator(true, r.out);
    for (const e of [START, BLOCK, delta('Hi'), STOP_BLOCK, messageDelta('end_turn'), MESSAGE_STOP, SUCCESS])
      t.push(e);
    expect(r.log[0]).toBe('start');
    expect(r.log[1]).toMatch(/^event: message_start\ndata: .*\n\nevent: ping\ndata: \{"type":"ping"\}\n\n$/);
    expect(r.log.at(-2)).toBe('event: message_stop\ndata: {"type":"message_stop"}\n\n');
    expect(r.log.at(-1)).toBe('end');
    expect(t.clean).toBe(true);
  });

  it('stops the CLI from continuing by itself after max_tokens, and retires the process', () => {
    const r = recorder();
    const t = new TurnTranslator(true, r.out);
    for (const e of [START, BLOCK, delta('Hi'), STOP_BLOCK, messageDelta('max_tokens'), MESSAGE_STOP])
      t.push(e);
    expect(r.stops()).toBe(1);
    const sent = r.log.length;
    t.push(START); // the CLI's own continuation request
    expect(r.log).toHaveLength(sent);
    t.push(SUCCESS);
    expect(t.clean).toBe(false);
  });

  it('answers an error before any output with the status the API would have sent', () => {
    for (const [status, type] of [
      [429, 'rate_limit_error'],
      [529, 'overloaded_error'],
      [401, 'authentication_error'],
      [500, 'api_error'],
      [400, 'invalid_request_error'],
    ] as const) {
      const r = recorder();
      const t = new TurnTranslator(true, r.out);
      t.push(
        event({
          type: 'result',
          subtype: 'success',
          is_error: true,
          api_error_status: status,
          result: `API Error: ${status} boom`,
        }),
      );
      expect(r.responses[0]?.status).toBe(status);
      expect(JSON.parse(r.responses[0]?.body ?? '')).toEqual({
        type: 'error',
        error: { type, message: `${status} boom` },
      });
      expect(r.log).toEqual([]);
    }
  });

  it('takes "Not logged in" for a 401 and reports the account signal', () => {
    const r = recorder();
    const t = new TurnTranslator(false, r.out);
    t.push(
      event({
        type: 'result',
        subtype: 'success',
        is_error: true,
        api_error_status: null,
        result: 'Not logged in · Please run /login',
      }),
    );
    expect(r.responses[0]?.status).toBe(401);
    expect(t.signal?.kind).toBe('auth_failed');
  });

  it('cools a subscription account until the reset time its rate_limit_event reports', () => {
    const r = recorder();
    const now = 1_800_000_000_000;
    const resetsAt = now / 1000 + 3 * 3600;
    const t = new TurnTranslator(false, r.out, () => now);
    t.push(
      event({
        type: 'rate_limit_event',
        rate_limit_info: { status: 'rejected', resetsAt, rateLimitType: 'five_hour' },
      }),
    );
    t.push(
      event({
        type: 'result',
        subtype: 'success',
        is_error: true,
        api_error_status: 429,
        result: "You've hit your session limit",
      }),
    );
    const response = r.responses[0];
    expect(response?.status).toBe(429);
    expect(response?.headers['retry-after']).toBe(String(3 * 3600));
    expect(outcomeOfStatus(429, response?.headers ?? {}, now)).toEqual({
      kind: 'rate_limited',
      cooldownMs: 3 * 3600 * 1000,
      quotaExhausted: true,
      reason: 'subscription usage limit reached',
    });
  });

  it('answers at once when the CLI retries anyway (api_retry), so the gateway fails over', () => {
    const r = recorder();
    const t = new TurnTranslator(true, r.out);
    t.push(
      event({ type: 'system', subtype: 'api_retry', attempt: 1, error_status: 529, error: 'overloaded' }),
    );
    expect(r.responses[0]?.status).toBe(529);
    expect(r.stops()).toBe(1);
  });

  it('turns an error after the stream began into an SSE error event', () => {
    const r = recorder();
    const t = new TurnTranslator(true, r.out);
    for (const e of [START, BLOCK, delta('Hi')]) t.push(e);
    t.push(
      event({
        type: 'result',
        subtype: 'success',
        is_error: true,
        api_error_status: 529,
        result: 'API Error: overloaded',
      }),
    );
    expect(r.log.at(-2)).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"overloaded"}}\n\n',
    );
    expect(r.log.at(-1)).toBe('end');
    expect(t.clean).toBe(false);
  });
});
