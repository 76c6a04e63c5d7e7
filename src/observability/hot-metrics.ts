import type { Registry } from 'prom-client';

/**
 * Counters and histograms for the request path. prom-client validates and hashes the label set on
 * every `inc`/`observe`, even through a labelled child, which cost more per request than all of
 * the gateway's own accounting. These keep one plain cell per label set, found through nested
 * maps (no string building), and hand prom-client the values in its own shape at scrape time, so
 * the exposition format is prom-client's.
 */

type Labels = Record<string, string>;

interface MetricValue {
  labels: Labels;
  value: number;
  metricName?: string;
}

/** Nested maps keyed by label values; the leaf is the cell of that label set. */
class SeriesTree<Cell> {
  private readonly root = new Map<string, unknown>();
  readonly cells: Array<{ labels: Labels; cell: Cell }> = [];

  constructor(
    private readonly labelNames: readonly string[],
    private readonly make: () => Cell,
  ) {}

  cell(values: readonly string[]): Cell {
    let node = this.root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = node.get(values[i]!) as Map<string, unknown> | undefined;
      if (next === undefined) node.set(values[i]!, (next = new Map()));
      node = next;
    }
    let cell = node.get(values[last]!) as Cell | undefined;
    if (cell === undefined) {
      cell = this.make();
      node.set(values[last]!, cell);
      const labels: Labels = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i]!));
      this.cells.push({ labels, cell });
    }
    return cell;
  }
}

export class HotCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly series: SeriesTree<{ value: number }>;

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly string[],
    registry: Registry,
  ) {
    if (labelNames.length === 0) throw new Error('a HotCounter needs labels');
    this.series = new SeriesTree(labelNames, () => ({ value: 0 }));
    registry.registerMetric(this as never);
  }

  /** The cell of one label set (values in label order); add to its `value`. */
  cell(values: readonly string[]): { value: number } {
    return this.series.cell(values);
  }

  inc(values: readonly string[], by = 1): void {
    this.series.cell(values).value += by;
  }

  get() {
    const values: MetricValue[] = this.series.cells.map(({ labels, cell }) => ({
      labels,
      value: cell.value,
    }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const { cell } of this.series.cells) cell.value = 0;
  }
}

export class HotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series: SeriesTree<Float64Array>;

  /** Cell layout: a count per bucket (not cumulative), then +Inf, sum, count. */
  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: readonly string[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    if (labelNames.length === 0) throw new Error('a HotHistogram needs labels');
    this.series = new SeriesTree(labelNames, () => new Float64Array(buckets.length + 3));
    registry.registerMetric(this as never);
  }

  observe(values: readonly string[], value: number): void {
    const cell = this.series.cell(values);
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && value > buckets[i]!) i++;
    cell[i]! += 1;
    cell[buckets.length + 1]! += value;
    cell[buckets.length + 2]! += 1;
  }

  get() {
    const values: MetricValue[] = [];
    const n = this.buckets.length;
    for (const { labels, cell } of this.series.cells) {
      let cumulative = 0;
      for (let i = 0; i <= n; i++) {
        cumulative += cell[i]!;
        values.push({
          labels: { le: i < n ? String(this.buckets[i]) : '+Inf', ...labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ labels, value: cell[n + 1]!, metricName: `${this.name}_sum` });
      values.push({ labels, value: cell[n + 2]!, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const { cell } of this.series.cells) cell.fill(0);
  }
}
