/**
 * The latency histogram the usage roll-ups keep (usage_hourly, usage_daily): a count of ledger rows
 * per bucket, so percentiles can be estimated over many hours or days by adding the
 * counts. Exact percentiles would need every row, which pruning removes.
 */

/**
 * Bucket boundaries in ms: bucket 0 is [0, 50), bucket k is [BOUNDS[k-1], BOUNDS[k]), the last one
 * everything from 300 s up. Roughly 1.5x apart, so an estimate is within a bucket's width.
 */
export const LATENCY_BOUNDS_MS = [
  50, 100, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000,
  60_000, 120_000, 300_000,
] as const;

export const HISTOGRAM_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

export const emptyHistogram = (): number[] => new Array<number>(HISTOGRAM_BUCKETS).fill(0);

/** Adds `more` into `into`, bucket by bucket. */
export function addHistogram(into: number[], more: readonly number[]): number[] {
  for (let i = 0; i < HISTOGRAM_BUCKETS; i++) into[i] = (into[i] ?? 0) + (more[i] ?? 0);
  return into;
}

/**
 * The value below which `fraction` of the counted rows fall, interpolated linearly inside its
 * bucket; `max` (the largest value seen) caps the open-ended last bucket and every estimate.
 * Null when nothing was counted.
 */
export function histogramPercentile(
  histogram: readonly number[],
  fraction: number,
  max: number,
): number | null {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const target = Math.min(1, Math.max(0, fraction)) * total;
  let before = 0;
  for (let k = 0; k < HISTOGRAM_BUCKETS; k++) {
    const count = histogram[k] ?? 0;
    if (count === 0) continue;
    if (before + count >= target) {
      const lower = k === 0 ? 0 : (LATENCY_BOUNDS_MS[k - 1] ?? 0);
      const upper = Math.max(lower, Math.min(LATENCY_BOUNDS_MS[k] ?? max, max));
      return lower + (upper - lower) * ((target - before) / count);
    }
    before += count;
  }
  return max;
}
