import { describe, expect, it } from 'vitest';
import { addHistogram, emptyHistogram, HISTOGRAM_BUCKETS, histogramPercentile } from './latency-histogram.js';

/** A histogram with `counts` at the given bucket indexes. */
function histogram(counts: Record<number, number>): number[] {
  const h = emptyHistogram();
  for (const [k, n] of Object.entries(counts)) h[Number(k)] = n;
  return h;
}

describe('latency histogram', () => {
  it('has a bucket per boundary and one for everything above the last', () => {
    expect(emptyHistogram()).toHaveLength(HISTOGRAM_BUCKETS);
    expect(HISTOGRAM_BUCKETS).toBe(20);
  });

  it('estimates percentiles inside the bucket that holds them', () => {
    // Ten rows in [100, 200): the median is interpolated half way, up to the largest value seen.
    expect(histogramPercentile(histogram({ 2: 10 }), 0.5, 250)).toBeCloseTo(150);
    expect(histogramPercentile(histogram({ 2: 10 }), 0.5, 190)).toBeCloseTo(145);
    // 90 fast ([0, 50)) and 10 slow ([1000, 1500)): p50 is fast, p99 slow.
    const h = histogram({ 0: 90, 7: 10 });
    expect(histogramPercentile(h, 0.5, 1_400)).toBeLessThan(50);
    const p99 = histogramPercentile(h, 0.99, 1_400) ?? 0;
    expect(p99).toBeGreaterThanOrEqual(1_000);
    expect(p99).toBeLessThanOrEqual(1_400);
  });

  it('caps estimates at the largest value seen, the open last bucket included', () => {
    expect(histogramPercentile(histogram({ 19: 4 }), 0.99, 420_000)).toBeLessThanOrEqual(420_000);
    expect(histogramPercentile(histogram({ 19: 4 }), 0.99, 420_000)).toBeGreaterThanOrEqual(300_000);
    expect(histogramPercentile(histogram({ 2: 10 }), 1, 120)).toBe(120);
  });

  it('answers null when nothing was counted, and adds histograms bucket by bucket', () => {
    expect(histogramPercentile(emptyHistogram(), 0.5, 0)).toBeNull();
    expect(addHistogram(histogram({ 1: 2, 5: 1 }), histogram({ 1: 3, 19: 7 }))).toEqual(
      histogram({ 1: 5, 5: 1, 19: 7 }),
    );
  });
});
