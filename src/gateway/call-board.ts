/**
 * The calls this process is serving, for the admin queue page (docs/admin-operations.md): who
 * asked, for which model, since when, and whether an account was found yet. And the one way an
 * admin cancels a call: its cancellation is aborted with RequestCancelledError, which the
 * pipeline sends to the client (a JSON error, or an SSE error event once the stream began).
 *
 * The pipeline adds every call after admission and removes it when done: no timer, no I/O.
 *
 * The calls are a linked list whose removed entries are unlinked completely, not a Map. A Map
 * with an entry added and deleted per request rehashes every few dozen requests, and the table it
 * leaves behind keeps the entries it held and a link to its successor: once one such table had
 * been promoted, each next one was kept alive by the last and promoted in turn, with every
 * request's call and summary in it, until a full collection. That was ~0.6–1.8 MB promoted per
 * scavenge, most of what the gateway promoted (docs/performance.md).
 */
import type { Cancellation } from '../cancel-signal.js';
import { RequestCancelledError } from '../errors.js';
import type { CallSummary, MessagesCall } from './call.js';

/** One call on the board; the pipeline hands it back to remove it. */
export interface BoardEntry {
  readonly call: MessagesCall;
  /** The pipeline's summary: its `account` is set once a lease was had. */
  readonly summary: CallSummary;
  readonly cancellation: Cancellation;
  /** Arrival order. Both null once removed, so a removed entry holds on to nothing after it. */
  prev: BoardEntry | null;
  next: BoardEntry | null;
  removed: boolean;
}

export interface CallSnapshot {
  requestId: string;
  apiKeyId: string;
  userId: string;
  model: string;
  stream: boolean;
  operation: string;
  /** When the call arrived, ms since epoch. */
  startedAt: number;
  /** The account of its current (or last) attempt; null while it waits for one. */
  accountId: string | null;
  accountName: string | null;
}

export class CallBoard {
  private head: BoardEntry | null = null;
  private tail: BoardEntry | null = null;
  private count = 0;

  add(call: MessagesCall, summary: CallSummary, cancellation: Cancellation): BoardEntry {
    const entry: BoardEntry = { call, summary, cancellation, prev: this.tail, next: null, removed: false };
    if (this.tail) this.tail.next = entry;
    else this.head = entry;
    this.tail = entry;
    this.count += 1;
    return entry;
  }

  remove(entry: BoardEntry): void {
    if (entry.removed) return;
    entry.removed = true;
    if (entry.prev) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.tail = entry.prev;
    entry.prev = null;
    entry.next = null;
    this.count -= 1;
  }

  get size(): number {
    return this.count;
  }

  /** At most `limit` calls, oldest first (arrival order). */
  snapshot(limit = 1_000): CallSnapshot[] {
    // startedAt is performance.now() of arrival: turned into wall time here, not per request.
    const offset = Date.now() - performance.now();
    const out: CallSnapshot[] = [];
    for (let entry = this.head; entry !== null && out.length < limit; entry = entry.next) {
      const { call, summary } = entry;
      out.push({
        requestId: call.requestId,
        apiKeyId: call.principal.apiKeyId,
        userId: call.principal.userId,
        model: summary.model,
        stream: call.request.stream === true,
        operation: call.route ?? call.operation,
        startedAt: Math.round(offset + call.startedAt),
        accountId: summary.account?.id ?? null,
        accountName: summary.account?.name ?? null,
      });
    }
    return out;
  }

  /**
   * Cancels the call if this process serves it; false when it does not (or no longer). A walk of
   * the calls in flight: an admin's action, rare next to the per-request add and remove.
   */
  cancel(requestId: string): boolean {
    for (let entry = this.head; entry !== null; entry = entry.next) {
      if (entry.call.requestId !== requestId) continue;
      if (entry.cancellation.aborted) return false;
      entry.cancellation.abort(new RequestCancelledError());
      return true;
    }
    return false;
  }
}
