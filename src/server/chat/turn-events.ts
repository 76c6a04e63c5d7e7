/**
 * One answer's events, kept for resumes in a result stream (queue/result-stream.ts: the same
 * numbered, bounded, expiring store GET /v1/requests/{id}/events resumes from), here the
 * process's own InProcessResultStream. Event seq n is entry n + 1. Every socket that shows the
 * answer follows this log, live or after a reconnect, so replay and live delivery are one path:
 * entries come strictly after the position asked for, in order, each once.
 */
import type { Logger } from '../../observability/logger.js';
import { ResultStreamTruncatedError, type ResultStream } from '../../queue/result-stream.js';
import type { AnswerEvent } from './protocol.js';
import type { TurnMirror } from './shared-turns.js';

const TERMINAL = new Set<AnswerEvent['type']>(['done', 'error']);

export const turnStreamId = (requestId: string): string => `chat:${requestId}`;

export class TurnEvents {
  readonly streamId: string;
  private written: Promise<void> = Promise.resolve();
  private failed = false;
  private ended = false;

  constructor(
    private readonly stream: ResultStream,
    requestId: string,
    private readonly logger: Logger,
    /** Distributed mode: the copy other gateways resume from (shared-turns.ts). */
    private readonly mirror?: TurnMirror,
  ) {
    this.streamId = turnStreamId(requestId);
  }

  /** Appends in order; a failure only costs resumes (live followers read the same store, though). */
  publish(event: AnswerEvent): void {
    const last = TERMINAL.has(event.type);
    if (last) this.ended = true;
    const entry = { kind: last ? 'end' : 'data', data: Buffer.from(JSON.stringify(event)) } as const;
    this.mirror?.add(entry, event.seq);
    this.written = this.written
      .then(() => this.stream.append(this.streamId, event.seq + 1, [entry]))
      .catch((error: unknown) => {
        if (this.failed) return;
        this.failed = true;
        this.logger.warn({ err: error, streamId: this.streamId }, 'could not keep a chat answer event');
      });
  }

  /**
   * The events after `afterSeq` (-1: from the start) as JSON text, until the last one. Throws
   * ResultStreamTruncatedError when some of them are no longer kept.
   */
  async *follow(afterSeq: number, signal: AbortSignal): AsyncGenerator<string> {
    // An ended answer whose events were dropped (memory bound) would otherwise be waited on forever.
    if (this.ended && (await this.stream.ttl(this.streamId)) === undefined) {
      throw new ResultStreamTruncatedError(this.streamId);
    }
    for await (const entry of this.stream.follow(this.streamId, afterSeq + 1, signal)) {
      yield entry.data.toString('utf8');
    }
  }

  /** Waits for pending appends (a test, or a turn about to be forgotten). */
  async flushed(): Promise<void> {
    await Promise.all([this.written, this.mirror?.flushed()]);
  }

  forget(): Promise<void> {
    return this.stream.delete(this.streamId);
  }
}
