// Exact percentiles over recorded samples (autocannon's own histogram has 1 ms resolution).

/** Nearest-rank percentiles (q in 0..1) of an array of numbers. */
export function percentiles(samples, qs) {
  const sorted = Float64Array.from(samples).sort();
  return qs.map((q) =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)],
  );
}

export function summarize(samples) {
  const [p50, p90, p99, max] = percentiles(samples, [0.5, 0.9, 0.99, 1]);
  return { count: samples.length, p50, p90, p99, max };
}
