import { describe, expect, it } from 'vitest';
import { InProcessResultStream } from '../queue/in-process-result-stream.js';
import type { ResultStream } from '../queue/result-stream.js';
import { ResultTee } from './result-tee.js';

const EVENTS = ['event: a\ndata: {"n":1}\n\n', 'event: b\ndata: {"n":2}\n\n', 'event: c\ndata: {}\n\n'];

async function settled(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('ResultTee', () => {
  it('numbers whole events across chunk boundaries and stores them in order after the head', async () => {
    const results = new InProcessResultStream({ maxEntries: 100, ttlMs: 60_000 });
    const tee = new ResultTee(results, 's', (error) => {
      throw error;
    });
    tee.head(200, 'text/event-stream');
    const text = EVENTS.join('');
    const out: string[] = [];
    // Cut inside an event, inside its "\n\n", and at a boundary.
    for (const cut of [
      [0, 5],
      [5, 23],
      [23, 24],
      [24, 60],
      [60, text.length],
    ]) {
      const bytes = tee.events(Buffer.from(text.slice(cut[0], cut[1])));
      if (bytes) out.push(bytes.toString());
    }
    tee.end();
    await settled();
    expect(out.join('')).toBe(EVENTS.map((event, i) => `id: ${i + 2}\n${event}`).join(''));
    const { entries } = await results.read('s', 0);
    expect(entries.map((e) => [e.seq, e.kind])).toEqual([
      [1, 'head'],
      [2, 'data'],
      [3, 'data'],
      [4, 'data'],
      [5, 'end'],
    ]);
    expect(entries.slice(1, 4).map((e) => e.data.toString())).toEqual(EVENTS);
  });

  it('ends CRLF events too, and keeps an unfinished last event as its own entry', () => {
    const tee = new ResultTee(new InProcessResultStream({ maxEntries: 10, ttlMs: 1000 }), 's', () => {});
    expect(tee.events(Buffer.from('event: a\r\ndata: 1\r\n\r\nevent: b'))?.toString()).toBe(
      'id: 1\nevent: a\r\ndata: 1\r\n\r\n',
    );
    expect(tee.rest()?.toString()).toBe('event: b');
    expect(tee.written).toBe(2);
  });

  it('stops copying after a failed append, so no later entry can leave a gap', async () => {
    let calls = 0;
    const failing: Pick<ResultStream, 'append'> = {
      append: async () => {
        calls += 1;
        throw new Error('down');
      },
    };
    const errors: unknown[] = [];
    const tee = new ResultTee(failing as ResultStream, 's', (error) => errors.push(error));
    tee.head(200, 'text/event-stream');
    expect(tee.events(Buffer.from(EVENTS[0]!))?.toString()).toContain('id: 2\n');
    await settled();
    tee.events(Buffer.from(EVENTS[1]!));
    tee.end();
    await settled();
    expect(calls).toBe(1);
    expect(errors).toHaveLength(1);
  });
});
