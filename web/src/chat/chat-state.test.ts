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

  it('marks answers under way while the socket is down, and applies a replay overlapping what arrived once', () => {
    const delta = (seq: number, text: string) => ({
      type: 'event' as const,
      event: { type: 'delta' as const, requestId: 'req_1', seq, text },
    });
    let state = chatReducer([], { type: 'asked', ref: 'r1', text: 'hi' });
    state = chatReducer(state, started('r1', 'req_1'));
    state = chatReducer(state, delta(1, 'one'));
    state = chatReducer(state, delta(2, ' two'));
    state = chatReducer(state, { type: 'connection', status: 'closed' });
    expect(state[1]).toMatchObject({ state: 'streaming', interrupted: true });
    state = chatReducer(state, { type: 'connection', status: 'connecting' });
    expect(state[1]?.interrupted).toBe(true);
    state = chatReducer(state, { type: 'connection', status: 'open' });
    expect(state[1]?.interrupted).toBe(false);
    // The resume replays from where the socket was: an overlap changes nothing, new text is added.
    state = chatReducer(state, started('r1', 'req_1'));
    state = chatReducer(state, delta(2, ' two'));
    state = chatReducer(state, delta(3, ' three'));
    state = chatReducer(state, delta(3, ' three'));
    expect(state[1]).toMatchObject({ text: 'one two three', lastSeq: 3, interrupted: false });
    const done = {
      type: 'event' as const,
      event: {
        type: 'done' as const,
        requestId: 'req_1',
        seq: 4,
        messageId: 'a',
        state: 'complete' as const,
        stopReason: 'end_turn',
        usage: { inputTokens: 1, outputTokens: 3 },
      },
    };
    state = chatReducer(chatReducer(state, done), done);
    expect(state[1]).toMatchObject({ state: 'complete', text: 'one two three' });
    // A finished answer is not marked when the socket drops later.
    expect(chatReducer(state, { type: 'connection', status: 'closed' })).toBe(state);
  });

  it('turns an answer that could not be resumed into a notice, found by request id or by ref', () => {
    let state = chatReducer([], { type: 'asked', ref: 'r1', text: 'a' });
    state = chatReducer(state, started('r1', 'req_1'));
    state = chatReducer(state, { type: 'asked', ref: 'r2', text: 'b' });
    const failed = (requestId: string | null, ref: string | null) => ({
      type: 'event' as const,
      event: {
        type: 'resume_failed' as const,
        requestId,
        ref,
        error: { type: 'not_found_error', message: 'gone' },
      },
    });
    state = chatReducer(state, failed('req_1', null));
    expect(state[1]).toMatchObject({ state: 'error', resumeFailed: true });
    expect(state[3]).toMatchObject({ state: 'streaming' });
    state = chatReducer(state, failed(null, 'r2'));
    expect(state[3]).toMatchObject({ state: 'error', resumeFailed: true });
    expect(streamingAnswer(state)).toBeUndefined();
  });

  it('keeps the files of a question, sent or stored', () => {
    const image = {
      id: 'f1',
      name: 'cat.png',
      mediaType: 'image/png',
      size: 10,
      previewUrl: 'data:image/png;base64,AA==',
    };
    const state = chatReducer([], { type: 'asked', ref: 'r', text: '', attachments: [image] });
    expect(state[0]).toMatchObject({ role: 'user', text: '', attachments: [image] });
    const loaded = chatReducer(state, {
      type: 'loaded',
      messages: [
        {
          id: 'q',
          role: 'user',
          text: '',
          model: null,
          requestId: null,
          state: null,
          error: null,
          attachments: [{ id: 'f1', name: 'cat.png', mediaType: 'image/png', size: 10 }],
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      ],
    });
    expect(loaded[0]?.attachments).toEqual([{ id: 'f1', name: 'cat.png', mediaType: 'image/png', size: 10 }]);
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
