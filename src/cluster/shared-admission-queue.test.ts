import { describe, expect, it } from 'vitest';
import { SharedAdmissionQueue } from './shared-admission-queue.js';

const signal = new AbortController().signal;

describe('SharedAdmissionQueue', () => {
  it('reports the cluster-wide depth and bound, not its own waiters', () => {
    const queue = new SharedAdmissionQueue(7, () => 42);
    expect([queue.depth, queue.maxDepth]).toEqual([42, 7]);
  });

  it('returns at once when a wake came after the caller found every account busy', async () => {
    const queue = new SharedAdmissionQueue(10, () => 0, 10_000);
    const busySince = Date.now();
    queue.wakeAll(); // e.g. another gateway's release, heard before this request began to wait
    const started = performance.now();
    expect(await queue.wait({ timeoutMs: 5_000, signal, since: busySince })).toBe('woken');
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('waits for a wake that came before the caller found every account busy', async () => {
    const queue = new SharedAdmissionQueue(10, () => 0, 10_000);
    queue.wakeAll();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await queue.wait({ timeoutMs: 50, signal, since: Date.now() })).toBe('timeout');
  });

  it('polls: a slice that runs out before the wait does is a wake, the last one a timeout', async () => {
    const queue = new SharedAdmissionQueue(10, () => 0, 30);
    const started = performance.now();
    expect(await queue.wait({ timeoutMs: 5_000, signal })).toBe('woken');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await queue.wait({ timeoutMs: 20, signal })).toBe('timeout');
  });

  it('wakes every local waiter', async () => {
    const queue = new SharedAdmissionQueue(10, () => 0, 10_000);
    const waits = [queue.wait({ timeoutMs: 5_000, signal }), queue.wait({ timeoutMs: 5_000, signal })];
    queue.wakeAll();
    expect(await Promise.all(waits)).toEqual(['woken', 'woken']);
  });
});
