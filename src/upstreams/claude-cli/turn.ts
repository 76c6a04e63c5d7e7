import { UpstreamTransportError } from '../errors.js';
import type { UpstreamResponse } from '../types.js';
import { ChunkQueue, singleChunk } from './chunk-queue.js';
import type { CliEvent } from './cli-events.js';
import type { CliProcess } from './process.js';
import { SSE_RESPONSE_HEADERS, TurnTranslator, type AccountSignal } from './translate.js';
import type { CancelSignal } from '../../cancel-signal.js';

/**
 * Runs one turn on a leased process and exposes it as an UpstreamResponse: resolves when the
 * answer starts (message_start when streaming, the whole message otherwise, or an error status),
 * rejects with UpstreamTransportError before that. Enforces the first-byte and idle timeouts and
 * the client's abort: the turn is then interrupted and the process stopped.
 */
export interface TurnRequest {
  process: CliProcess;
  /** The user message content as written to stdin (already escaped). */
  content: unknown;
  stream: boolean;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  signal: CancelSignal;
  /** The client has its whole answer; the process will be free at `result`. */
  onAnswered?(answer: Record<string, unknown>[]): void;
  /** The turn is over: `clean` when the process may serve the conversation's next turn. */
  onFinished(outcome: { clean: boolean; abandoned: boolean; answer: Record<string, unknown>[] }): void;
  onAccountSignal?(signal: AccountSignal): void;
}

export function runTurn(request: TurnRequest): Promise<UpstreamResponse> {
  const { process } = request;
  return new Promise<UpstreamResponse>((resolve, reject) => {
    const body = new ChunkQueue();
    let headSettled = false;
    let over = false;
    const settleHead = (response: UpstreamResponse | Error) => {
      if (headSettled) return;
      headSettled = true;
      clearTimeout(firstByteTimer);
      if (response instanceof Error) reject(response);
      else resolve(response);
    };
    const translator = new TurnTranslator(request.stream, {
      respond: (status, headers, text) => {
        settleHead({ status, headers, body: singleChunk(Buffer.from(text)) });
        if (translator.complete) request.onAnswered?.(translator.answer());
      },
      startStream: () => settleHead({ status: 200, headers: SSE_RESPONSE_HEADERS, body }),
      streamData: (chunk) => body.push(Buffer.from(chunk)),
      endStream: () => {
        body.end();
        if (translator.complete) request.onAnswered?.(translator.answer());
      },
      stopGeneration: () => process.interrupt(),
    });

    const fail = (error: UpstreamTransportError) => {
      if (!headSettled) settleHead(error);
      else body.fail(error);
    };
    const finish = (abandoned: boolean) => {
      if (over) return;
      over = true;
      clearTimeout(firstByteTimer);
      clearTimeout(idleTimer);
      request.signal.removeEventListener('abort', onAbort);
      process.endTurn();
      if (translator.signal) request.onAccountSignal?.(translator.signal);
      request.onFinished({ clean: !abandoned && translator.clean, abandoned, answer: translator.answer() });
    };
    const abandon = (error: UpstreamTransportError) => {
      if (over) return;
      fail(error);
      finish(true);
    };

    const firstByteTimer = setTimeout(
      () =>
        abandon(
          new UpstreamTransportError(
            'first_byte_timeout',
            `The Claude Code CLI did not start answering within ${request.firstByteTimeoutMs} ms.`,
          ),
        ),
      request.firstByteTimeoutMs,
    );
    // Runs from the first model output on: before it, the wait is the first-byte timeout's.
    let idleTimer: NodeJS.Timeout | undefined;
    const onIdle = () =>
      abandon(
        new UpstreamTransportError(
          'idle_timeout',
          `The Claude Code CLI printed nothing for ${request.idleTimeoutMs} ms.`,
        ),
      );
    // A client that leaves after its whole answer costs the process nothing: it finishes the turn.
    const onAbort = () => {
      if (!translator.complete) abandon(new UpstreamTransportError('aborted', 'The request was aborted.'));
    };
    if (request.signal.aborted) {
      onAbort();
      return;
    }
    request.signal.addEventListener('abort', onAbort, { once: true });

    process.startTurn(request.content, {
      onEvent(event: CliEvent) {
        if (idleTimer) idleTimer.refresh();
        else if (event.type === 'stream_event') idleTimer = setTimeout(onIdle, request.idleTimeoutMs);
        translator.push(event);
        if (translator.finished) finish(false);
      },
      onExit(description) {
        if (translator.exited()) {
          fail(new UpstreamTransportError('reset', `The Claude Code CLI process ended: ${description}.`));
        }
        finish(false);
      },
    });
  });
}
