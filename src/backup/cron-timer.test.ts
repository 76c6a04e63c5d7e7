import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCron, type CronSchedule } from './cron.js';
import { CronTimer } from './cron-timer.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('CronTimer', () => {
  it('runs at each planned time with that time, one run at a time, and not after stop', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T10:00:30Z') });
    const runs: string[] = [];
    let finish: () => void = () => {};
    const timer = new CronTimer(parseCron('5 * * * *') as CronSchedule, async (at) => {
      runs.push(at.toISOString());
      await new Promise<void>((resolve) => (finish = resolve));
    });
    timer.start();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(runs).toEqual(['2026-01-01T10:05:00.000Z']);
    // Still running at 11:05: the next run is planned only once this one ends.
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(runs).toHaveLength(1);
    finish();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(runs).toEqual(['2026-01-01T10:05:00.000Z', '2026-01-01T12:05:00.000Z']);
    finish();
    await timer.stop();
    await vi.advanceTimersByTimeAsync(3 * 60 * 60_000);
    expect(runs).toHaveLength(2);
  });

  it('keeps planning after a run that throws', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T10:00:30Z') });
    let calls = 0;
    const timer = new CronTimer(parseCron('*/10 * * * *') as CronSchedule, async () => {
      calls += 1;
      throw new Error('the database is away');
    });
    timer.start();
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(calls).toBe(3);
    await timer.stop();
  });
});
