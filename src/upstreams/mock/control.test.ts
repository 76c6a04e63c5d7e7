import { describe, expect, it } from 'vitest';
import { MockControl } from './control.js';

describe('MockControl', () => {
  it('hands out scripted behaviours first in, first out', () => {
    const control = new MockControl();
    expect(control.enqueue({ responses: [{ status: 429, 'retry-after': 2 }, { words: '3' }] })).toEqual({
      ok: true,
      queued: 2,
    });
    expect(control.enqueue({ responses: [{ hang: true }] })).toEqual({ ok: true, queued: 3 });
    expect(control.next()).toEqual({ status: 429, retryAfterSeconds: 2 });
    expect(control.next()).toEqual({ words: 3 });
    expect(control.queued).toBe(1);
    expect(control.next()).toEqual({ hang: true });
    expect(control.next()).toBeUndefined();
  });

  it('rejects a bad script whole, naming the entry and field', () => {
    const control = new MockControl();
    const result = control.enqueue({ responses: [{ status: 429 }, { status: 'soon' }] });
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.message).toContain('responses.1: status');
    expect(control.queued).toBe(0);
    expect(control.enqueue({ nope: [] })).toMatchObject({ ok: false });
  });

  it('clears the script and zeroes the counters on reset, keeping the in-flight gauge', () => {
    const control = new MockControl();
    control.enqueue({ responses: [{ status: 500 }] });
    Object.assign(control.stats, {
      requests: 3,
      inFlight: 1,
      completed: 1,
      aborted: 1,
      lastHeaders: { a: 'b' },
    });
    control.reset();
    expect(control.queued).toBe(0);
    expect(control.stats).toEqual({ requests: 0, inFlight: 1, completed: 0, aborted: 0, lastHeaders: null });
  });
});
