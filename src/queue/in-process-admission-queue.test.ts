import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueueFullError } from './admission-queue.js';
import { InProcessAdmissionQueue } from './in-process-admission-queue.js';

const signal = () => new AbortController().signal;

describe('InProcessAdmissionQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('wakes every waiter, in arrival order', async () => {
    const queue = new InProcessAdmissionQueue(10);
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) =>
      queue.wait({ timeoutMs: 1_000, signal: signal() }).then((result) => {
        order.push(n);
        return result;
      }),
    );
    expect(queue.depth).toBe(3);
    queue.wakeAll();
    expect(queue.depth).toBe(0);
    expect(await Promise.all(waits)).toEqual(['woken', 'woken', 'woken']);
    expect(order).toEqual([1, 2, 3]);
  });

  it('times a waiter out and forgets it', async () => {
    const queue = new InProcessAdmissionQueue(10);
    const wait = queue.wait({ timeoutMs: 100, signal: signal() });
    await vi.advanceTimersByTimeAsync(99);
    expect(queue.depth).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await wait).toBe('timeout');
    expect(queue.depth).toBe(0);
  });

  it('refuses a waiter at once when full, and with a depth of 0 always', async () => {
    const queue = new InProcessAdmissionQueue(1);
    void queue.wait({ timeoutMs: 1_000, signal: signal() });
    await expect(queue.wait({ timeoutMs: 1_000, signal: signal() })).rejects.toBeInstanceOf(QueueFullError);
    const none = new InProcessAdmissionQueue(0);
    await expect(none.wait({ timeoutMs: 1_000, signal: signal() })).rejects.toBeInstanceOf(QueueFullError);
    expect(none.depth).toBe(0);
  });

  it("rejects with the signal's reason when the waiter gives up, and frees its place", async () => {
    const queue = new InProcessAdmissionQueue(1);
    const controller = new AbortController();
    const wait = queue.wait({ timeoutMs: 1_000, signal: controller.signal });
    const reason = new Error('client left');
    controller.abort(reason);
    await expect(wait).rejects.toBe(reason);
    expect(queue.depth).toBe(0);
    // Its place is free again, and its timer no longer fires.
    const next = queue.wait({ timeoutMs: 1_000, signal: signal() });
    queue.wakeAll();
    expect(await next).toBe('woken');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(queue.depth).toBe(0);
  });

  it('rejects at once when the signal has already fired', async () => {
    const queue = new InProcessAdmissionQueue(1);
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(queue.wait({ timeoutMs: 1_000, signal: controller.signal })).rejects.toThrow('gone');
    expect(queue.depth).toBe(0);
  });

  it('does not wake waiters that arrive after the wake-up', async () => {
    const queue = new InProcessAdmissionQueue(10);
    queue.wakeAll();
    const wait = queue.wait({ timeoutMs: 50, signal: signal() });
    await vi.advanceTimersByTimeAsync(50);
    expect(await wait).toBe('timeout');
  });
});
