import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSseEvent } from './sse.js';
import { StreamUsageMeter, usageFromMessageBody } from './usage.js';

const MODEL = 'claude-sonnet-4-6';

const start = (usage: Record<string, number>) =>
  encodeSseEvent('message_start', {
    type: 'message_start',
    message: { id: 'msg_1', type: 'message', role: 'assistant', model: MODEL, content: [], usage },
  });
const delta = (text: string) =>
  encodeSseEvent('content_block_delta', {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text },
  });
const messageDelta = (usage: Record<string, number>) =>
  encodeSseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage });
const STOP = encodeSseEvent('message_stop', { type: 'message_stop' });

function meter(...chunks: string[]): StreamUsageMeter {
  const m = new StreamUsageMeter();
  for (const chunk of chunks) m.push(Buffer.from(chunk));
  m.end();
  return m;
}

describe('StreamUsageMeter', () => {
  it('reads input and cache tokens from message_start and the final output from message_delta', () => {
    const m = meter(
      start({
        input_tokens: 12,
        output_tokens: 1,
        cache_creation_input_tokens: 3,
        cache_read_input_tokens: 4,
      }),
      delta('a'),
      delta('b'),
      messageDelta({ output_tokens: 57 }),
      STOP,
    );
    expect(m.usage).toEqual({
      inputTokens: 12,
      outputTokens: 57,
      cacheCreationInputTokens: 3,
      cacheReadInputTokens: 4,
    });
    expect(m.model).toBe(MODEL);
    expect(m.completed).toBe(true);
    expect(m.errorType).toBeUndefined();
  });

  it('takes later cumulative counts over earlier ones (server tools update input too)', () => {
    const m = meter(
      start({ input_tokens: 10, output_tokens: 1 }),
      messageDelta({ input_tokens: 25, output_tokens: 9 }),
      STOP,
    );
    expect(m.usage.inputTokens).toBe(25);
    expect(m.usage.outputTokens).toBe(9);
  });

  it('counts at least one output token per delta when the stream is cut before message_delta', () => {
    const m = meter(
      start({ input_tokens: 10, output_tokens: 1 }),
      delta('one'),
      delta('two'),
      delta('three'),
    );
    expect(m.usage.outputTokens).toBe(3);
    expect(m.completed).toBe(false);
  });

  it('lets the final count stand even when it is lower than the number of deltas', () => {
    const m = meter(
      start({ input_tokens: 10, output_tokens: 1 }),
      delta('a'),
      delta('b'),
      delta('c'),
      messageDelta({ output_tokens: 2 }),
      STOP,
    );
    expect(m.usage.outputTokens).toBe(2);
  });

  it('records the type of an in-stream error', () => {
    const error = encodeSseEvent('error', {
      type: 'error',
      error: { type: 'overloaded_error', message: 'busy' },
    });
    expect(meter(start({ input_tokens: 1 }), delta('a'), error).errorType).toBe('overloaded_error');
    expect(meter(start({ input_tokens: 1 }), 'event: error\ndata: {not json\n\n').errorType).toBe(
      'api_error',
    );
  });

  it('ignores events whose data it cannot read', () => {
    const m = meter('event: message_start\ndata: {broken\n\n', 'event: message_delta\ndata: []\n\n', STOP);
    expect(m.usage.inputTokens).toBe(0);
    expect(m.usage.outputTokens).toBe(0);
    expect(m.completed).toBe(true);
  });

  it('reads the same usage however the stream is split into chunks', () => {
    const whole = Buffer.from(
      start({ input_tokens: 321, output_tokens: 1, cache_read_input_tokens: 7 }) +
        delta('héllo 😀') +
        delta('wörld') +
        messageDelta({ output_tokens: 42 }) +
        STOP,
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: whole.length }), { maxLength: 30 }), (cuts) => {
        const m = new StreamUsageMeter();
        let from = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          m.push(whole.subarray(from, cut));
          from = cut;
        }
        m.push(whole.subarray(from));
        m.end();
        expect(m.usage).toEqual({
          inputTokens: 321,
          outputTokens: 42,
          cacheCreationInputTokens: 0,
          cacheReadInputTokens: 7,
        });
        expect(m.completed).toBe(true);
      }),
    );
  });
});

describe('usageFromMessageBody', () => {
  it('reads usage and model from a whole message', () => {
    const body = Buffer.from(
      JSON.stringify({
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: MODEL,
        content: [{ type: 'text', text: 'hi' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 5, output_tokens: 6, cache_read_input_tokens: 2 },
      }),
    );
    expect(usageFromMessageBody(body)).toEqual({
      model: MODEL,
      usage: { inputTokens: 5, outputTokens: 6, cacheCreationInputTokens: 0, cacheReadInputTokens: 2 },
    });
  });

  it('gives nothing for bodies that are not a message', () => {
    expect(usageFromMessageBody(Buffer.from('not json'))).toBeUndefined();
    expect(
      usageFromMessageBody(Buffer.from('{"type":"error","error":{"type":"api_error"}}')),
    ).toBeUndefined();
  });
});
