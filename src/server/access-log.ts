import pino from 'pino';
import type { CallSummary } from '../gateway/call.js';
import type { Logger } from '../observability/logger.js';

/** What one access line says. Never a body, never a header value that could hold a secret. */
export interface AccessRecord {
  requestId: string;
  method: string;
  path: string;
  status: number;
  startedAt: number;
  ip: string | undefined;
  keyId: string | undefined;
  summary: CallSummary | null | undefined;
}

interface LineSink {
  write(line: string): unknown;
}

const str = (value: string) => JSON.stringify(value);

/**
 * A field's value as a JSON string literal, remembered for the next line: under load the same key,
 * address, model and account repeat line after line, and quoting them again is most of a line's cost.
 */
class QuotedField {
  private value: string | undefined;
  private quoted = '';

  of(value: string): string {
    if (value !== this.value) {
      this.value = value;
      this.quoted = str(value);
    }
    return this.quoted;
  }
}

/**
 * Writes the per-request line in the logger's own format, to the logger's own destination, without
 * going through pino: every field comes from an allowlist that never holds a secret, so the line
 * needs neither redaction nor pino's generic serializer, which together cost more than the rest of
 * the line. The level and format stay pino's, because the destination is the same stream.
 */
export class AccessLog {
  private readonly sink: LineSink;
  private readonly enabled: boolean;
  private stampedAt = -1;
  private stamp = '';
  /** Lines of this turn of the event loop, handed to the stream together. */
  private pending = '';
  private readonly flushSoon = () => this.flush();
  private readonly methods = new QuotedField();
  private readonly paths = new QuotedField();
  private readonly ips = new QuotedField();
  private readonly keyIds = new QuotedField();
  private readonly models = new QuotedField();
  private readonly accounts = new QuotedField();

  constructor(logger: Logger) {
    this.sink = (logger as unknown as Record<symbol, LineSink>)[pino.symbols.streamSym] as LineSink;
    this.enabled = logger.isLevelEnabled('info');
  }

  write(record: AccessRecord): void {
    if (!this.enabled) return;
    const ms = Math.round((performance.now() - record.startedAt) * 10) / 10;
    let line = `{"level":"info","time":${this.time()},"service":"switchyard","requestId":${str(record.requestId)},"method":${this.methods.of(record.method)},"path":${this.paths.of(record.path)},"status":${record.status},"ms":${ms}`;
    if (record.ip !== undefined) line += `,"ip":${this.ips.of(record.ip)}`;
    if (record.keyId !== undefined) line += `,"keyId":${this.keyIds.of(record.keyId)}`;
    const summary = record.summary;
    if (summary) {
      line += `,"model":${this.models.of(summary.model)}`;
      if (summary.requestedModel !== undefined) line += `,"requestedModel":${str(summary.requestedModel)}`;
      if (summary.account) line += `,"account":${this.accounts.of(summary.account.name)}`;
      line += `,"attempts":${summary.attempts},"sticky":${summary.stickyHit}`;
      if (summary.ttftMs !== undefined) line += `,"ttftMs":${Math.round(summary.ttftMs)}`;
      line += `,"inputTokens":${summary.usage.inputTokens},"outputTokens":${summary.usage.outputTokens}`;
      if (summary.errorType !== undefined) line += `,"errorType":${str(summary.errorType)}`;
      if (summary.upstreamRequestId !== undefined)
        line += `,"upstreamRequestId":${str(summary.upstreamRequestId)}`;
    }
    // sonic-boom measures its whole buffered string on every write, so one write per turn of
    // the event loop instead of one per line.
    if (this.pending === '') setImmediate(this.flushSoon);
    this.pending += `${line},"msg":"request"}\n`;
  }

  /** Hands buffered lines to the logger's stream now (on close, before the logger flushes). */
  flush(): void {
    if (this.pending === '') return;
    const lines = this.pending;
    this.pending = '';
    this.sink.write(lines);
  }

  /** ISO time, formatted once per millisecond: under load many lines share one. */
  private time(): string {
    const now = Date.now();
    if (now !== this.stampedAt) {
      this.stampedAt = now;
      this.stamp = `"${new Date(now).toISOString()}"`;
    }
    return this.stamp;
  }
}

/** The path without its query string: queries can carry anything a client typed. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
