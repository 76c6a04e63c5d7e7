import { describe, expect, it } from 'vitest';
import { Readiness } from './readiness.js';

describe('readiness', () => {
  it('is ready when every check answers, degraded when only an optional one fails', async () => {
    let replicaUp = true;
    let now = 0;
    const readiness = new Readiness(
      [
        { name: 'database', required: true, probe: async () => {} },
        {
          name: 'replica',
          required: false,
          probe: async () => {
            if (!replicaUp) throw new Error('down');
          },
        },
      ],
      () => now,
    );
    expect(await readiness.report()).toEqual({
      ready: true,
      body: { status: 'ready', database: 'ok', replica: 'ok' },
    });
    replicaUp = false;
    now += 1_000;
    expect(await readiness.report()).toEqual({
      ready: true,
      body: { status: 'degraded', database: 'ok', replica: 'unreachable' },
    });
  });

  it('is not ready when a required check fails or takes longer than a second', async () => {
    const readiness = new Readiness([
      { name: 'database', required: true, probe: async () => {} },
      { name: 'redis', required: true, probe: () => new Promise(() => {}) },
    ]);
    const started = Date.now();
    expect(await readiness.report()).toEqual({
      ready: false,
      body: { status: 'not_ready', database: 'ok', redis: 'unreachable' },
    });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('probes at most once a second, however often it is asked', async () => {
    let probes = 0;
    let now = 0;
    const readiness = new Readiness(
      [{ name: 'database', required: true, probe: async () => void probes++ }],
      () => now,
    );
    await Promise.all(Array.from({ length: 20 }, () => readiness.report()));
    now += 999;
    await readiness.report();
    expect(probes).toBe(1);
    now += 1;
    await readiness.report();
    expect(probes).toBe(2);
  });
});
