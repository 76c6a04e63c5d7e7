import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { describeIssues, parseOverrides, type BehaviorOverrides } from './behavior.js';

/**
 * The standalone server's test controls: a FIFO script of per-request behaviours (consumed by the
 * next /v1/messages requests, under any prompt directive) and counters of what it has served.
 */
export interface MockStats {
  /** POST /v1/messages requests received. */
  requests: number;
  /** Of those, the ones still open (a gauge: reset does not zero it). */
  inFlight: number;
  /** Responses sent to the end. */
  completed: number;
  /** Requests whose client closed the connection before the response was finished. */
  aborted: number;
  /** The headers of the last /v1/messages request. */
  lastHeaders: IncomingHttpHeaders | null;
}

const scriptSchema = z.strictObject({ responses: z.array(z.record(z.string(), z.unknown())).max(100_000) });

export type ScriptResult = { ok: true; queued: number } | { ok: false; message: string };

export class MockControl {
  readonly stats: MockStats = { requests: 0, inFlight: 0, completed: 0, aborted: 0, lastHeaders: null };
  /** The body of the last /v1/messages request, as received (served by GET /_mock/last-request). */
  lastBody: Buffer | null = null;
  /** A queue as an array and a read position, so a long benchmark script stays O(1) per request. */
  private script: (Partial<BehaviorOverrides> | undefined)[] = [];
  private head = 0;

  /** Appends `{"responses":[{...directive fields...}]}`; all entries or none. */
  enqueue(json: unknown): ScriptResult {
    const parsed = scriptSchema.safeParse(json);
    if (!parsed.success) return { ok: false, message: describeIssues(parsed.error) };
    const entries: Partial<BehaviorOverrides>[] = [];
    for (const [index, entry] of parsed.data.responses.entries()) {
      const result = parseOverrides(entry);
      if (!result.ok) return { ok: false, message: `responses.${index}: ${result.message}` };
      entries.push(result.overrides);
    }
    for (const entry of entries) this.script.push(entry);
    return { ok: true, queued: this.queued };
  }

  /** The next scripted behaviour, if any. */
  next(): Partial<BehaviorOverrides> | undefined {
    if (this.head === this.script.length) return undefined;
    const entry = this.script[this.head];
    this.script[this.head++] = undefined;
    if (this.head === this.script.length) this.clearScript();
    return entry;
  }

  get queued(): number {
    return this.script.length - this.head;
  }

  clearScript(): void {
    this.script = [];
    this.head = 0;
  }

  reset(): void {
    this.clearScript();
    this.lastBody = null;
    Object.assign(this.stats, { requests: 0, completed: 0, aborted: 0, lastHeaders: null });
  }
}
