import { describe, expect, it, vi } from 'vitest';
import { Cancellation, type CancelSignal } from './cancel-signal.js';

describe('Cancellation', () => {
  it('fires each listener once, in order, with the reason readable', () => {
    const cancellation = new Cancellation();
    const heard: string[] = [];
    const first = () => heard.push(`first:${String(cancellation.reason)}`);
    const removed = () => heard.push('removed');
    cancellation.addEventListener('abort', first);
    cancellation.addEventListener('abort', removed);
    cancellation.addEventListener('abort', () => heard.push('second'));
    cancellation.removeEventListener('abort', removed);
    expect(cancellation.aborted).toBe(false);
    cancellation.abort('gone');
    cancellation.abort('again');
    expect(heard).toEqual(['first:gone', 'second']);
    expect(cancellation.aborted).toBe(true);
    expect(cancellation.reason).toBe('gone');
  });

  it('does not call listeners added after the abort', () => {
    const cancellation = new Cancellation();
    cancellation.abort(new Error('x'));
    let called = false;
    cancellation.addEventListener('abort', () => (called = true));
    expect(called).toBe(false);
  });

  it('lets a throwing listener not stop the others, and rethrows its error later', () => {
    const cancellation = new Cancellation();
    const deferred: Array<() => void> = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => void deferred.push(task));
    let second = false;
    try {
      cancellation.addEventListener('abort', () => {
        throw new Error('boom');
      });
      cancellation.addEventListener('abort', () => (second = true));
      cancellation.abort(undefined);
    } finally {
      spy.mockRestore();
    }
    expect(second).toBe(true);
    expect(deferred).toHaveLength(1);
    expect(() => deferred[0]!()).toThrow('boom');
  });

  it('is satisfied by a real AbortSignal, so callers may pass either', () => {
    const controller = new AbortController();
    const signal: CancelSignal = controller.signal;
    let heard = false;
    signal.addEventListener('abort', () => (heard = true), { once: true });
    controller.abort('why');
    expect(heard).toBe(true);
    expect(signal.reason).toBe('why');
  });
});
