import { describe, expect, it } from 'vitest';
import { nextRun, parseCron, type CronSchedule } from './cron.js';

const next = (expression: string, after: string) =>
  nextRun(parseCron(expression) as CronSchedule, new Date(after))?.toISOString();

describe('BACKUP_CRON', () => {
  it('finds the next run in UTC', () => {
    expect(next('0 3 * * *', '2026-01-01T02:59:30Z')).toBe('2026-01-01T03:00:00.000Z');
    expect(next('0 3 * * *', '2026-01-01T03:00:00Z')).toBe('2026-01-02T03:00:00.000Z');
    expect(next('*/15 * * * *', '2026-01-01T10:16:00Z')).toBe('2026-01-01T10:30:00.000Z');
    expect(next('30 2 * * 0', '2026-01-01T00:00:00Z')).toBe('2026-01-04T02:30:00.000Z');
    expect(next('0 0 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 12 1-7 * *', '2026-01-31T13:00:00Z')).toBe('2026-02-01T12:00:00.000Z');
  });

  it('matches either day field when both are restricted, as cron does', () => {
    // 2026-01-05 is a Monday, before the 15th.
    expect(next('0 0 15 * 1', '2026-01-01T00:00:00Z')).toBe('2026-01-05T00:00:00.000Z');
  });

  it('rejects what it does not understand', () => {
    for (const bad of [
      '',
      '* * * *',
      '60 * * * *',
      '* 24 * * *',
      '*/0 * * * *',
      '5-1 * * * *',
      '@daily',
      '0 3 * * MON',
    ]) {
      expect(typeof parseCron(bad)).toBe('string');
    }
  });
});
