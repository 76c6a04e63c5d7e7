/**
 * Under load most of what the request path promotes to the old generation is garbage by the next
 * full collection, and V8 lets the old generation grow to ~4x the live heap before one (~140 MB
 * of a ~33 MB live heap at 50 connections). Twice the live heap (100 %) bounds that peak with no
 * throughput loss measured; 50 % cost ~15 % of streaming req/s (docs/performance.md, Memory).
 * A --heap-growing-percent given to node wins.
 */
export function heapGrowthFlag(percent: number, execArgv: readonly string[]): string | undefined {
  if (percent === 0 || execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg))) return undefined;
  return `--heap-growing-percent=${percent}`;
}
