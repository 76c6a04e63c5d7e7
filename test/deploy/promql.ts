/**
 * What the monitoring tests need to read PromQL and the Prometheus text format. Expressions are
 * parsed with the grammar Prometheus's own UI uses (@prometheus-io/lezer-promql); no promtool
 * runs here (it is a Go binary, not on npm).
 */
import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface Selector {
  metric: string;
  matchers: Matcher[];
}

export interface ParsedExpression {
  /** Where the parser gave up, as offsets into the expression; empty when it parsed. */
  errors: number[];
  selectors: Selector[];
}

/**
 * Grafana's variables become what Grafana would put there: a range for the interval variables,
 * and any value inside label matchers (they only ever appear inside quotes there).
 */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
    .replace(/\$\{(\w+)(:\w+)?\}|\$(\w+)/g, 'grafana_variable');
}

export function parseExpression(expr: string): ParsedExpression {
  const tree = parser.parse(expr);
  const errors: number[] = [];
  const selectors: Selector[] = [];
  const text = (node: SyntaxNode | null) => (node === null ? '' : expr.slice(node.from, node.to));
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) errors.push(ref.from);
      if (ref.name !== 'VectorSelector') return;
      const node = ref.node;
      const matchers: Matcher[] = [];
      for (const m of node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
        matchers.push({
          label: text(m.getChild('LabelName')),
          op: text(m.getChild('MatchOp')) as Matcher['op'],
          value: JSON.parse(text(m.getChild('StringLiteral')).replace(/^'(.*)'$/, '"$1"')) as string,
        });
      }
      const byName = matchers.find((m) => m.label === '__name__' && m.op === '=');
      const metric = text(node.getChild('Identifier')) || byName?.value || '';
      selectors.push({ metric, matchers: matchers.filter((m) => m.label !== '__name__') });
    },
  });
  return { errors, selectors };
}

/** A Grafana variable query such as label_values(metric, label). */
export function metricOfVariableQuery(query: string): string | undefined {
  return /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,/.exec(query)?.[1];
}

export interface Family {
  type: string;
  /** Label name → values seen, over every sample of the family (suffixed series included). */
  labels: Map<string, Set<string>>;
  samples: number;
}

/** Metric families of a text exposition: TYPE lines, and the labels their samples carry. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      families.set(type[1]!, { type: type[2]!, labels: new Map(), samples: 0 });
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+/.exec(line);
    if (!sample) continue;
    const family = familyOf(families, sample[1]!);
    if (!family) continue;
    family.samples += 1;
    for (const [, name, value] of (sample[2] ?? '').matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
    )) {
      let values = family.labels.get(name!);
      if (!values) family.labels.set(name!, (values = new Set()));
      values.add(value!);
    }
  }
  return families;
}

/** The family a series name belongs to: itself, or a histogram's or summary's suffixed series. */
export function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  const own = families.get(name);
  if (own) return own;
  const suffix = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!suffix) return undefined;
  const base = families.get(suffix[1]!);
  if (!base) return undefined;
  if (base.type === 'histogram') return base;
  if (base.type === 'summary' && suffix[2] !== 'bucket') return base;
  return undefined;
}

/** Series Prometheus makes itself for every target, never in an exposition. */
export const PROMETHEUS_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
/** Labels Prometheus adds to every series from the target. */
export const TARGET_LABELS = new Set(['job', 'instance']);

export interface Problem {
  where: string;
  problem: string;
}

/**
 * What is wrong with one expression against an exposition: it does not parse, it names a metric
 * no process serves, or it matches on a label (or, with `=`, a value) the metric's samples do not
 * carry. Labels are checked only for families with samples: a metric nothing has happened to yet
 * has none to compare with.
 */
export function checkExpression(where: string, expr: string, families: Map<string, Family>): Problem[] {
  const problems: Problem[] = [];
  const parsed = parseExpression(substituteGrafanaVariables(expr));
  if (parsed.errors.length > 0) problems.push({ where, problem: `does not parse: ${expr}` });
  if (parsed.selectors.length === 0) problems.push({ where, problem: `names no metric: ${expr}` });
  for (const { metric, matchers } of parsed.selectors) {
    if (PROMETHEUS_SERIES.has(metric)) continue;
    const family = familyOf(families, metric);
    if (!family) {
      problems.push({ where, problem: `no process serves ${metric}` });
      continue;
    }
    if (family.samples === 0) continue;
    for (const m of matchers) {
      if (TARGET_LABELS.has(m.label)) continue;
      const values = family.labels.get(m.label);
      if (!values) {
        problems.push({ where, problem: `${metric} has no label ${m.label}` });
      } else if (m.op === '=' && !m.value.includes('grafana_variable') && !values.has(m.value)) {
        problems.push({
          where,
          problem: `${metric}{${m.label}="${m.value}"} never seen (seen: ${[...values].join(', ')})`,
        });
      }
    }
  }
  return problems;
}
