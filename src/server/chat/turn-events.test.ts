import { describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/logger.js';
import { InProcessResultStream } from '../../queue/in-process-result-stream.js';
import { ResultStreamTruncatedError } from '../../queue/result-stream.js';
import { defaultPieces } from '../../upstreams/mock/answer.js';
import { TurnEvents } from './turn-events.js';

const logger = createLogger({ level: 'silent' });
const REQUEST_ID = 'req_01JD2Z8M4Q8R6T3V5X7Z9B1D3F';

/** An answer's events as ChatTurn publishes them: started, a delta per word, done. */
function publishAnswer(events: TurnEvents, words: number): string {
  const pieces = defaultPieces(words);
  events.publish({
    type: 'started',
    requestId: REQUEST_ID,
    seq: 0,
    ref: 'r',
    conversationId: '6f1d3c38-3a8e-4f39-9d77-2a8f1b0c5e11',
    userMessageId: '0c4f8f6e-4b3a-4c1d-8a55-3d9e7b2a1f00',
    model: 'claude-sonnet-4-5',
  });
  pieces.forEach((text, i) => events.publish({ type: 'delta', requestId: REQUEST_ID, seq: i + 1, text }));
  events.publish({
    type: 'done',
    requestId: REQUEST_ID,
    seq: words + 1,
    messageId: null,
    state: 'complete',
    stopReason: 'end_turn',
    usage: { inputTokens: 10, outputTokens: words },
  });
  return pieces.join('');
}

async function collect(events: TurnEvents, afterSeq: number): Promise<Array<{ seq: number; text?: string }>> {
  const out: Array<{ seq: number; text?: string }> = [];
  for await (const json of events.follow(afterSeq, new AbortController().signal)) {
    out.push(JSON.parse(json) as { seq: number; text?: string });
  }
  return out;
}

describe('TurnEvents', () => {
  it('replays from every position, each event once and in order, up to the last', async () => {
    const stream = new InProcessResultStream({ maxEntries: 10_000, ttlMs: 60_000 });
    const events = new TurnEvents(stream, REQUEST_ID, logger);
    const text = publishAnswer(events, 50);
    await events.flushed();
    const all = await collect(events, -1);
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 52 }, (_, i) => i));
    expect(all.map((e) => e.text ?? '').join('')).toBe(text);
    expect((await collect(events, 40)).map((e) => e.seq)).toEqual([
      41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51,
    ]);
  });

  it('stays within its memory bound: an old answer crowded out says so instead of waiting forever', async () => {
    // Measured: what a 400-word answer keeps (also the figure in docs/web-chat-resume-uploads.md).
    const measure = new InProcessResultStream({ maxEntries: 10_000, ttlMs: 60_000 });
    const measured = new TurnEvents(measure, REQUEST_ID, logger);
    publishAnswer(measured, 400);
    await measured.flushed();
    expect(measure.heldBytes).toBeGreaterThan(400 * 150);
    expect(measure.heldBytes).toBeLessThan(400 * 250);

    const stream = new InProcessResultStream({
      maxEntries: 10_000,
      ttlMs: 60_000,
      maxBytes: measure.heldBytes * 1.5,
    });
    const old = new TurnEvents(stream, REQUEST_ID, logger);
    publishAnswer(old, 400);
    const recent = new TurnEvents(stream, 'req_other', logger);
    publishAnswer(recent, 400);
    await Promise.all([old.flushed(), recent.flushed()]);
    expect(stream.heldBytes).toBeLessThanOrEqual(measure.heldBytes * 1.5);
    await expect(collect(old, 10)).rejects.toBeInstanceOf(ResultStreamTruncatedError);
    expect(await collect(recent, 398)).toHaveLength(3);
  });
});
