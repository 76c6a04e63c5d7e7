/**
 * Dashboard aggregates from usage roll-ups (long windows, docs/retention.md): sums are exact,
 * percentiles are estimated from the roll-ups' latency histograms (within a bucket's width).
 */
import { addHistogram, emptyHistogram, histogramPercentile } from '../store/latency-histogram.js';
import type { UsageAggregate, UsageRollupBucket } from '../store/types.js';

/** The aggregate a roll-up bucket stands for. */
export function aggregateOfRollup(bucket: Omit<UsageRollupBucket, 'start'>): UsageAggregate {
  const latency = (fraction: number) =>
    histogramPercentile(bucket.latencyHistogram, fraction, bucket.latencyMsMax);
  const ttft = (fraction: number) => histogramPercentile(bucket.ttftHistogram, fraction, bucket.ttftMsMax);
  return {
    requests: bucket.requests,
    errors: bucket.errors,
    latencyP50Ms: latency(0.5),
    latencyP95Ms: latency(0.95),
    latencyP99Ms: latency(0.99),
    ttftP50Ms: ttft(0.5),
    ttftP95Ms: ttft(0.95),
    ttftP99Ms: ttft(0.99),
    inputTokens: bucket.inputTokens,
    outputTokens: bucket.outputTokens,
    cacheReadInputTokens: bucket.cacheReadInputTokens,
    cacheCreationInputTokens: bucket.cacheCreationInputTokens,
    costUsd: bucket.costUsd,
  };
}

/** Several roll-up buckets as one: sums added, histograms merged, maxima kept. */
export function mergeRollups(buckets: readonly UsageRollupBucket[]): Omit<UsageRollupBucket, 'start'> {
  const total: Omit<UsageRollupBucket, 'start'> = {
    requests: 0,
    errors: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadInputTokens: 0,
    cacheCreationInputTokens: 0,
    costUsd: 0,
    latencyMsMax: 0,
    ttftMsMax: 0,
    latencyHistogram: emptyHistogram(),
    ttftHistogram: emptyHistogram(),
  };
  for (const b of buckets) {
    total.requests += b.requests;
    total.errors += b.errors;
    total.inputTokens += b.inputTokens;
    total.outputTokens += b.outputTokens;
    total.cacheReadInputTokens += b.cacheReadInputTokens;
    total.cacheCreationInputTokens += b.cacheCreationInputTokens;
    total.costUsd += b.costUsd;
    total.latencyMsMax = Math.max(total.latencyMsMax, b.latencyMsMax);
    total.ttftMsMax = Math.max(total.ttftMsMax, b.ttftMsMax);
    addHistogram(total.latencyHistogram, b.latencyHistogram);
    addHistogram(total.ttftHistogram, b.ttftHistogram);
  }
  return total;
}
