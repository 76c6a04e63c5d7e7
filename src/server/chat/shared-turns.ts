/**
 * Distributed mode: chat answers resumable and stoppable through ANY gateway (no load-balancer
 * affinity). The gateway running an answer mirrors its event log into the cluster's Redis result
 * stream `chat:<requestId>` (the same writer, bounds and TTL as queued answers' streams; event
 * seq n is entry n + 1, as in the in-process log) and records the answer's owner in the request
 * index. Another gateway checks the owner there, follows the stream from the client's seq, renews
 * a follow lease so the running gateway does not stop the answer as abandoned, and forwards a
 * `stop` over the job-control cancel channel. The running gateway alone stores the answer.
 * Embedded mode has none of this (docs/web-chat-resume-uploads.md, "Distributed mode").
 */
import type { JobControl } from '../../cluster/job-control.js';
import type { Logger } from '../../observability/logger.js';
import {
  TERMINAL_KINDS,
  type ResultEntry,
  type ResultStream,
  ResultStreamTruncatedError,
} from '../../queue/result-stream.js';
import { turnStreamId } from './turn-events.js';

/** What a distributed gateway shares with the others (its QueueParts' Redis implementations). */
export interface SharedChatParts {
  results: ResultStream;
  control: JobControl;
}

export interface SharedTurnsOptions extends SharedChatParts {
  /** How long the owner record stays (the stream's own TTL is the result streams', refreshed per append). */
  ttlMs: number;
  /** CHAT_RESUME_GRACE_MS: the follow lease lasts this long and is renewed at a third of it. */
  graceMs: number;
  logger: Logger;
  /** Deltas written within this window go in one append (one round trip). */
  lingerMs?: number;
}

/** Not an API key id: the request index entry of a chat answer never matches an API caller. */
const CHAT_OWNER = 'web-chat';
const FOLLOW = (requestId: string): string => `chat-follow:${requestId}`;
const CANCEL = (requestId: string): string => `chat:${requestId}`;
/** A resume may arrive before the answer's first append reached Redis: wait this long for it. */
const APPEAR_MS = 2_000;
const DEFAULT_LINGER_MS = 100;

/** Round trips and time spent on them, for the measurement in the docs. */
export interface MirrorStats {
  roundTrips: number;
  entries: number;
  micros: number;
}

/** One answer's mirror: batches appends, one in flight at a time, in seq order. */
export class TurnMirror {
  readonly stats: MirrorStats = { roundTrips: 0, entries: 0, micros: 0 };
  private pending: ResultEntry[] = [];
  private nextSeq = 1;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failed = false;
  private chain: Promise<void>;

  constructor(
    private readonly shared: SharedTurns,
    private readonly requestId: string,
    userId: string,
  ) {
    this.stats.roundTrips++;
    this.chain = this.timed(() =>
      shared.control.recordRequest(
        requestId,
        { apiKeyId: CHAT_OWNER, userId, streamId: turnStreamId(requestId) },
        shared.ttlMs,
      ),
    );
  }

  /** The entry the in-process log keeps (the same bytes: serialized once); `seq` is the event's. */
  add(entry: ResultEntry, seq: number): void {
    this.pending.push(entry);
    // The first event (`started`) and the last go at once; deltas wait a little to share a trip.
    if (TERMINAL_KINDS.has(entry.kind) || seq === 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.shared.lingerMs);
  }

  /** Waits for every event added so far to be written (or to have failed). */
  async flushed(): Promise<void> {
    // A batch that came in while another was in flight is chained only when that one ends.
    do {
      this.flush();
      await this.chain;
    } while (this.pending.length > 0 || this.flushing);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.flushing) return;
    const batch = this.pending;
    this.pending = [];
    const firstSeq = this.nextSeq;
    this.nextSeq += batch.length;
    this.stats.roundTrips++;
    this.stats.entries += batch.length;
    this.flushing = this.chain = this.chain
      .then(() => this.timed(() => this.shared.results.append(turnStreamId(this.requestId), firstSeq, batch)))
      .finally(() => {
        this.flushing = undefined;
        // What came in meanwhile goes next, in one trip.
        if (this.pending.length > 0) this.flush();
      });
  }

  private async timed(work: () => Promise<void>): Promise<void> {
    const started = performance.now();
    try {
      await work();
    } catch (error) {
      // Costs only cross-gateway resumes; the answer and same-gateway resumes go on.
      if (!this.failed) {
        this.failed = true;
        this.shared.logger.warn({ err: error, requestId: this.requestId }, 'could not share a chat answer');
      }
    } finally {
      this.stats.micros += Math.round((performance.now() - started) * 1000);
    }
  }
}

export class SharedTurns {
  readonly results: ResultStream;
  readonly control: JobControl;
  readonly ttlMs: number;
  readonly lingerMs: number;
  readonly logger: Logger;
  private readonly graceMs: number;

  constructor(options: SharedTurnsOptions) {
    this.results = options.results;
    this.control = options.control;
    this.ttlMs = options.ttlMs;
    this.graceMs = options.graceMs;
    this.logger = options.logger;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  }

  mirror(requestId: string, userId: string): TurnMirror {
    return new TurnMirror(this, requestId, userId);
  }

  /** Calls `stop` with the request id of every chat answer another gateway's user stopped. */
  async onStop(stop: (requestId: string) => void): Promise<void> {
    await this.control.onCancel((jobId) => {
      if (jobId.startsWith('chat:')) stop(jobId.slice('chat:'.length));
    });
  }

  /** Whether the user owns the answer (another user's is the same as none). */
  async owns(userId: string, requestId: string): Promise<boolean> {
    const found = await this.control.findRequest(requestId);
    return found?.apiKeyId === CHAT_OWNER && found.userId === userId;
  }

  /** Forwards the owner's stop to the gateway running the answer; false when not theirs. */
  async stop(userId: string, requestId: string): Promise<boolean> {
    if (!(await this.owns(userId, requestId))) return false;
    await this.control.cancel(CANCEL(requestId), this.graceMs);
    return true;
  }

  /** Whether a gateway other than the running one showed the answer within the lease. */
  async followedElsewhere(requestId: string): Promise<boolean> {
    return (await this.control.findRequest(FOLLOW(requestId))) !== undefined;
  }

  /**
   * The answer's events after `afterSeq` as JSON text, live until its last one, while renewing
   * the follow lease. Throws ResultStreamTruncatedError when the events are not (or no longer)
   * kept. The caller has checked ownership.
   */
  async *follow(
    userId: string,
    requestId: string,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncGenerator<string> {
    const streamId = turnStreamId(requestId);
    const lease = () =>
      this.control
        .recordRequest(FOLLOW(requestId), { apiKeyId: CHAT_OWNER, userId, streamId }, this.graceMs)
        .catch((error: unknown) =>
          this.logger.warn({ err: error, requestId }, 'could not renew a chat follow lease'),
        );
    await lease();
    const renew = setInterval(() => void lease(), Math.max(100, Math.floor(this.graceMs / 3)));
    renew.unref();
    try {
      if (await this.nothingLeft(streamId, afterSeq + 1)) return;
      for await (const entry of this.results.follow(streamId, afterSeq + 1, signal)) {
        yield entry.data.toString('utf8');
      }
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * True when the client already has the last event; throws when the stream is gone or trimmed
   * past the position (a follow would wait for entries that never come, or skip some).
   */
  private async nothingLeft(streamId: string, position: number): Promise<boolean> {
    const until = Date.now() + APPEAR_MS;
    while ((await this.results.ttl(streamId)) === undefined) {
      if (Date.now() > until) throw new ResultStreamTruncatedError(streamId);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { entries } = await this.results.read(streamId, Math.max(0, position - 1), { count: 2 });
    const first = entries[0];
    if (first && first.seq > position + 1) throw new ResultStreamTruncatedError(streamId);
    return first !== undefined && first.seq === position && TERMINAL_KINDS.has(first.kind);
  }
}
