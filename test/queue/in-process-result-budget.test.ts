import { describe, expect, it } from 'vitest';
import { InProcessResultStream } from '../../src/queue/in-process-result-stream.js';

// Each entry also counts a fixed 128 bytes of bookkeeping: entry(n) weighs n + 128.
const entry = (bytes: number) => ({ kind: 'data' as const, data: Buffer.alloc(Math.max(0, bytes - 128)) });

describe('InProcessResultStream byte budget', () => {
  it('drops the oldest streams once their entries exceed maxBytes, never the one being written', async () => {
    const results = new InProcessResultStream({ maxEntries: 100, ttlMs: 60_000, maxBytes: 500 });
    await results.append('a', 1, [entry(200)]);
    await results.append('b', 1, [entry(200)]);
    expect(results.heldBytes).toBe(400);
    await results.append('c', 1, [entry(200)]);
    expect(await results.ttl('a')).toBeUndefined();
    expect(await results.ttl('b')).toBeGreaterThan(0);
    expect(results.heldBytes).toBe(400);
    await results.append('c', 2, [entry(600)]);
    expect(await results.ttl('b')).toBeUndefined();
    expect((await results.read('c', 0)).entries).toHaveLength(2);
    expect(results.heldBytes).toBe(800);
  });

  it('counts trimmed and expired entries out of the budget', async () => {
    let now = 0;
    const results = new InProcessResultStream({ maxEntries: 2, ttlMs: 1_000, maxBytes: 10_000 }, () => now);
    await results.append('a', 1, [entry(130), entry(140), entry(150)]);
    expect(results.heldBytes).toBe(290);
    now = 2_000;
    await results.delete('missing');
    expect(await results.ttl('a')).toBeUndefined();
    expect(results.heldBytes).toBe(0);
  });
});
