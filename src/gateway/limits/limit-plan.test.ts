import { describe, expect, it } from 'vitest';
import { UNRESTRICTED } from '../call.js';
import { periodOf, planChecks } from './limit-plan.js';

describe('periodOf', () => {
  it('gives the UTC day and month holding a time, across boundaries and cached calls', () => {
    const t = Date.parse('2026-12-31T23:59:59.999Z');
    expect(periodOf('day', t)).toEqual({
      since: Date.parse('2026-12-31T00:00:00Z'),
      resetAt: Date.parse('2027-01-01T00:00:00Z'),
      label: 'd2026-12-31',
    });
    // One millisecond later is the next day and the next month, even right after a cached call.
    expect(periodOf('day', t + 1).label).toBe('d2027-01-01');
    expect(periodOf('month', t).label).toBe('m2026-12');
    expect(periodOf('month', t + 1)).toEqual({
      since: Date.parse('2027-01-01T00:00:00Z'),
      resetAt: Date.parse('2027-02-01T00:00:00Z'),
      label: 'm2027-01',
    });
    // Going back in time (another request's older clock reading) is answered right too.
    expect(periodOf('day', t).label).toBe('d2026-12-31');
  });
});

describe('planChecks', () => {
  it('has no checks for a key and owner without limits and no address limit', () => {
    expect(planChecks('k', 'u', UNRESTRICTED, '10.0.0.1', 0, Date.now())).toEqual([]);
  });

  it('checks the key, then the owner, then the address, each under its own counter', () => {
    const access = {
      ...UNRESTRICTED,
      keyLimits: { requestsPerMinute: 5, usdPerDay: 2 },
      userLimits: { maxConcurrency: 3, tokensPerMonth: 1000 },
    };
    const checks = planChecks('k', 'u', access, '10.0.0.1', 100, Date.parse('2026-12-02T10:00:00Z'));
    expect(checks.map((c) => [c.kind, c.key, c.limit])).toEqual([
      ['requests', 'key:k:rpm', 5],
      ['budget', 'key:k:usd:d2026-12-02', 2],
      ['concurrency', 'user:u:conc', 3],
      ['budget', 'user:u:tokens:m2026-12', 1000],
      ['requests', 'ip:10.0.0.1:rpm', 100],
    ]);
  });
});

describe('planChecks reuse', () => {
  const access = { ...UNRESTRICTED, keyLimits: { requestsPerMinute: 5, usdPerDay: 2 } };
  const noon = Date.parse('2026-12-02T12:00:00Z');

  it('reuses one plan for a key until its day turns, and builds a new one after', () => {
    const first = planChecks('k', 'u', access, undefined, 0, noon);
    expect(planChecks('k', 'u', access, undefined, 0, noon + 60_000)).toBe(first);
    const nextDay = planChecks('k', 'u', access, undefined, 0, Date.parse('2026-12-03T00:00:01Z'));
    expect(nextDay).not.toBe(first);
    expect(nextDay.map((c) => c.key)).toEqual(['key:k:rpm', 'key:k:usd:d2026-12-03']);
  });

  it('builds a new plan for reloaded access and another key, and adds the address check per request', () => {
    const first = planChecks('k', 'u', access, undefined, 0, noon);
    expect(planChecks('k', 'u', { ...access }, undefined, 0, noon)).not.toBe(first);
    expect(planChecks('k2', 'u', access, undefined, 0, noon).map((c) => c.key)).toEqual([
      'key:k2:rpm',
      'key:k2:usd:d2026-12-02',
    ]);
    const withIp = planChecks('k', 'u', access, '10.0.0.9', 50, noon);
    expect(withIp.map((c) => c.key)).toEqual(['key:k:rpm', 'key:k:usd:d2026-12-02', 'ip:10.0.0.9:rpm']);
    expect(planChecks('k', 'u', access, undefined, 0, noon)).toHaveLength(2);
  });
});
