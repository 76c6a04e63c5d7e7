import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounter, HotHistogram } from './hot-metrics.js';

const BUCKETS = [0.01, 0.1, 1];

/** The exposition lines of one metric family, without HELP/TYPE. */
async function lines(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line && !line.startsWith('#'));
}

describe('hot metrics', () => {
  it('expose exactly what prom-client exposes for the same observations', async () => {
    const hotRegistry = new Registry();
    const hotCounter = new HotCounter('c_total', 'c', ['a', 'b'], hotRegistry);
    const hotHistogram = new HotHistogram('h_seconds', 'h', ['route'], BUCKETS, hotRegistry);
    const promRegistry = new Registry();
    const promCounter = new Counter({
      name: 'c_total',
      help: 'c',
      labelNames: ['a', 'b'],
      registers: [promRegistry],
    });
    const promHistogram = new Histogram({
      name: 'h_seconds',
      help: 'h',
      labelNames: ['route'],
      buckets: BUCKETS,
      registers: [promRegistry],
    });
    const observations: Array<[string, number]> = [
      ['x', 0.005],
      ['x', 0.01],
      ['x', 0.5],
      ['y', 7],
      ['x', 0.0999],
    ];
    for (const [route, value] of observations) {
      hotHistogram.observe([route], value);
      promHistogram.observe({ route }, value);
    }
    for (const [a, b, by] of [
      ['1', '2', 1],
      ['1', '2', 4],
      ['1', '3', 2],
      ['2', '2', 1],
    ] as const) {
      hotCounter.inc([a, b], by);
      promCounter.inc({ a, b }, by);
    }
    expect((await lines(hotRegistry)).sort()).toEqual((await lines(promRegistry)).sort());
    expect(await lines(hotRegistry)).toContain('c_total{a="1",b="2"} 5');
    expect(await lines(hotRegistry)).toContain('h_seconds_bucket{le="0.1",route="x"} 3');
  });

  it('reset zeroes every series', async () => {
    const registry = new Registry();
    const counter = new HotCounter('c_total', 'c', ['a'], registry);
    counter.inc(['1'], 3);
    counter.reset();
    expect(await lines(registry)).toEqual(['c_total{a="1"} 0']);
  });
});
