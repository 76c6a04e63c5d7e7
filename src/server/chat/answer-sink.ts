/**
 * The pipeline's ResponseSink for one chat answer. The pipeline writes the upstream's SSE bytes
 * exactly as it would to an HTTP client; this sink reads the text deltas, the stop reason and any
 * error event out of them and hands text on to the socket. `stop()` is what a client leaving is to
 * an HTTP answer: the pipeline sees the sink close and cancels the upstream call.
 */
import { z } from 'zod';
import type { ResponseSink } from '../../gateway/call.js';
import { SseParser, type SseEvent } from '../../protocols/anthropic/sse.js';
import type { ErrorInfo } from './protocol.js';

const WANTED = new Set(['content_block_delta', 'message_delta', 'error']);

const textDelta = z.looseObject({
  delta: z.looseObject({ type: z.literal('text_delta'), text: z.string() }),
});
const messageDelta = z.looseObject({
  delta: z.looseObject({ stop_reason: z.string().nullable().optional() }),
});
const errorEvent = z.looseObject({
  error: z.looseObject({ type: z.string(), message: z.string() }),
});

function json(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

export class AnswerSink implements ResponseSink {
  headersSent = false;
  closed = false;
  /** The client asked to stop (as opposed to the answer ending by itself). */
  stopped = false;
  text = '';
  stopReason: string | null = null;
  /** An error event inside the stream (after the first byte errors can only be events). */
  streamError: ErrorInfo | undefined;
  private ended = false;
  private readonly listeners: Array<() => void> = [];
  private readonly parser = new SseParser(WANTED, (event) => this.onEvent(event));

  constructor(private readonly onText: (text: string) => void) {}

  start(): void {
    this.headersSent = true;
  }

  write(chunk: Buffer | string): undefined {
    if (this.closed || this.ended) return undefined;
    this.parser.push(chunk);
    return undefined;
  }

  end(chunk?: Buffer | string): void {
    if (chunk !== undefined) this.write(chunk);
    this.ended = true;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.listeners.push(listener);
  }

  /** Ends the answer early; the pipeline cancels the upstream call. Text so far is kept. */
  stop(): void {
    if (this.closed || this.ended) return;
    this.stopped = true;
    this.closed = true;
    for (const listener of this.listeners.splice(0)) listener();
  }

  private onEvent(event: SseEvent): void {
    const data = json(event.data);
    if (event.event === 'content_block_delta') {
      const parsed = textDelta.safeParse(data);
      if (!parsed.success) return; // tool input and thinking deltas are not shown in this slice
      this.text += parsed.data.delta.text;
      this.onText(parsed.data.delta.text);
    } else if (event.event === 'message_delta') {
      const parsed = messageDelta.safeParse(data);
      if (parsed.success) this.stopReason = parsed.data.delta.stop_reason ?? this.stopReason;
    } else {
      const parsed = errorEvent.safeParse(data);
      this.streamError = parsed.success
        ? { type: parsed.data.error.type, message: parsed.data.error.message }
        : { type: 'api_error', message: 'The answer ended with an error.' };
    }
  }
}
