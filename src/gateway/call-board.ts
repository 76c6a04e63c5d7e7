/**
 * The calls this process is serving, for the admin queue page (docs/admin-operations.md): who
 * asked, for which model, since when, and whether an account was found yet. And the one way an
 * admin cancels a call: its cancellation is aborted with RequestCancelledError, which the
 * pipeline sends to the client (a JSON error, or an SSE error event once the stream began).
 *
 * The pipeline adds every call after admission and removes it when done: one Map entry per call,
 * no timer, no I/O.
 */
import type { Cancellation } from '../cancel-signal.js';
import { RequestCancelledError } from '../errors.js';
import type { CallSummary, MessagesCall } from './call.js';

interface Entry {
  call: MessagesCall;
  /** The pipeline's summary: its `account` is set once a lease was had. */
  summary: CallSummary;
  cancellation: Cancellation;
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
  private readonly entries = new Map<string, Entry>();

  add(call: MessagesCall, summary: CallSummary, cancellation: Cancellation): void {
    this.entries.set(call.requestId, { call, summary, cancellation });
  }

  remove(requestId: string): void {
    this.entries.delete(requestId);
  }

  get size(): number {
    return this.entries.size;
  }

  /** At most `limit` calls, oldest first (arrival order). */
  snapshot(limit = 1_000): CallSnapshot[] {
    // startedAt is performance.now() of arrival: turned into wall time here, not per request.
    const offset = Date.now() - performance.now();
    const out: CallSnapshot[] = [];
    for (const { call, summary } of this.entries.values()) {
      if (out.length >= limit) break;
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

  /** Cancels the call if this process serves it; false when it does not (or no longer). */
  cancel(requestId: string): boolean {
    const entry = this.entries.get(requestId);
    if (!entry || entry.cancellation.aborted) return false;
    entry.cancellation.abort(new RequestCancelledError());
    return true;
  }
}
