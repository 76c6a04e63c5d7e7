import { describe, expect, it } from 'vitest';
import { chatReducer, streamingAnswer, type ChatMessage } from './chat-state';

const started = (ref: string, requestId: string) => ({
  type: 'event' as const,
  event: {
    type: 'started' as const,
    requestId,
    seq: 0,
    ref,
    conversationId: 'c',
    userMessageId: 'u',
    model: 'm',
  },
});

describe('chat state', () => {
  it('streams deltas into the answer of its request, then completes it', () => {
    let state: ChatMessage[] = chatReducer([], { type: 'asked', ref: 'r1', text: 'hi' });
    expect(streamingAnswer(state)?.ref).toBe('r1');
    state = chatReducer(state, started('r1', 'req_1'));
    state = chatReducer(state, {
      type: 'event',
      event: { type: 'delta', requestId: 'req_1', seq: 1, text: 'Hel' },
    });
    state = chatReducer(state, {
      type: 'event',
      event: { type: 'delta', requestId: 'req_2', seq: 1, text: 'nope' },
    });
    state = chatReducer(state, {
      type: 'event',
      event: { type: 'delta', requestId: 'req_1', seq: 2, text: 'lo' },
    });
    expect(state.map((m) => [m.role, m.text])).toEqual([
      ['user', 'hi'],
      ['assistant', 'Hello'],
    ]);
    state = chatReducer(state, {
      type: 'event',
      event: {
        type: 'done',
        requestId: 'req_1',
        seq: 3,
        messageId: 'a',
        state: 'stopped',
        stopReason: null,
        usage: { inputTokens: 1, outputTokens: 1 },
      },
    });
    expect(state[1]?.state).toBe('stopped');
    expect(streamingAnswer(state)).toBeUndefined();
  });

  it('marks a refused question and a failed answer as errors', () => {
    let state = chatReducer([], { type: 'asked', ref: 'r1', text: 'a' });
    state = chatReducer(state, {
      type: 'event',
      event: { type: 'rejected', ref: 'r1', error: { type: 'rate_limit_error', message: 'busy' } },
    });
    expect(state[1]).toMatchObject({ state: 'error', error: 'busy' });
    state = chatReducer(state, { type: 'asked', ref: 'r2', text: 'b' });
    state = chatReducer(state, started('r2', 'req_9'));
    state = chatReducer(state, {
      type: 'event',
      event: {
        type: 'error',
        requestId: 'req_9',
        seq: 1,
        messageId: null,
        error: { type: 'api_error', message: 'down' },
      },
    });
    expect(state[3]).toMatchObject({ state: 'error', error: 'down' });
  });

  it('replaces everything with stored messages when a conversation loads', () => {
    const state = chatReducer(chatReducer([], { type: 'asked', ref: 'r', text: 'x' }), {
      type: 'loaded',
      messages: [
        {
          id: '1',
          role: 'assistant',
          text: 'old',
          model: 'm',
          requestId: 'req',
          state: 'complete',
          error: null,
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      ],
    });
    expect(state).toEqual([
      { key: '1', role: 'assistant', text: 'old', state: 'complete', requestId: 'req' },
    ]);
  });
});
