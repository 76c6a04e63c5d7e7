import { anthropicErrorBody, errorTypeForStatus } from '../../errors.js';
import { encodeSseEvent, PING_EVENT } from '../../protocols/anthropic/sse.js';
import type { UpstreamHeaders } from '../types.js';
import type { CliEvent, CliResultEvent } from './cli-events.js';
import { MessageBuilder } from './message-builder.js';

/**
 * One turn of CLI events in, one Anthropic answer out: SSE events for a streaming client (the raw
 * events the CLI relays, plus a ping after message_start as the API sends), or one Messages JSON.
 * Errors the CLI reports before any output become the HTTP error the API would have answered
 * (429 with the reset time, 401, 529, 500…), so the gateway's failover and account states apply
 * as for any other account. The first message of the turn is the answer; if the CLI goes on
 * (it continues by itself after a max_tokens stop), it is stopped and its process not reused.
 */
export interface TurnOutput {
  /** A whole answer (JSON, or an error before any output). */
  respond(status: number, headers: UpstreamHeaders, body: string): void;
  startStream(): void;
  streamData(chunk: string): void;
  endStream(): void;
  /** Stop the CLI's turn: it is doing work the client will not see. */
  stopGeneration(): void;
}

export const SSE_RESPONSE_HEADERS: UpstreamHeaders = { 'content-type': 'text/event-stream; charset=utf-8' };
const JSON_HEADERS: UpstreamHeaders = { 'content-type': 'application/json' };

/** Texts of CLI errors that mean the account's credentials are missing or rejected. */
const AUTH_FAILURE =
  /not logged in|please run \/login|invalid api key|failed to authenticate|oauth token (has expired|has been revoked)/i;

export interface AccountSignal {
  kind: 'auth_failed' | 'rate_limited';
  detail: string;
}

export class TurnTranslator {
  private readonly builder = new MessageBuilder();
  private streamStarted = false;
  private responded = false;
  private answered = false;
  private stopped = false;
  private cutShort = false;
  private resultOk = false;
  private rejectedUntil: number | undefined;
  /** The turn's `result` has arrived: the process is free. */
  finished = false;
  /** Something the account's health depends on (logged and counted by the caller). */
  signal: AccountSignal | undefined;

  constructor(
    private readonly stream: boolean,
    private readonly out: TurnOutput,
    private readonly now: () => number = Date.now,
  ) {}

  /** The client got its whole answer. */
  get complete(): boolean {
    return this.answered;
  }

  /** The process's history is exactly the client's, plus the answer: it may serve the next turn. */
  get clean(): boolean {
    return this.finished && this.answered && this.resultOk && !this.cutShort;
  }

  /** The answer's content blocks, as the client received them. */
  answer(): Record<string, unknown>[] {
    return this.builder.content();
  }

  push(event: CliEvent): void {
    switch (event.type) {
      case 'stream_event':
        return this.onStreamEvent(event.event);
      case 'rate_limit_event':
        if (event.rate_limit_info.status === 'rejected') {
          this.rejectedUntil = event.rate_limit_info.resetsAt ?? this.rejectedUntil;
          this.signal = {
            kind: 'rate_limited',
            detail: `usage limit reached (${event.rate_limit_info.rateLimitType ?? 'unknown window'})`,
          };
        }
        return;
      case 'system':
        // The CLI's retries are off (CLAUDE_CODE_MAX_RETRIES=0); if it retries anyway, the account
        // is failing: answer now so the gateway can fail over instead of waiting minutes.
        if (event.subtype === 'api_retry' && !this.streamStarted && !this.responded) {
          this.fail(
            event.error_status ?? 529,
            event.error ?? 'The upstream is failing; the CLI was retrying.',
          );
          this.stop();
        }
        return;
      case 'result':
        return this.onResult(event);
      default:
        return;
    }
  }

  /** The process ended without a `result`. Returns whether the client still needs an error. */
  exited(): boolean {
    this.finished = true;
    return !this.answered && !this.responded;
  }

  private onStreamEvent(event: Record<string, unknown> & { type: string }): void {
    if (this.answered || this.responded) {
      // A second model call in the same turn (the CLI's own continuation): not for the client.
      this.cutShort = true;
      this.stop();
      return;
    }
    this.builder.apply(event);
    if (event.type === 'message_delta') {
      const delta = event['delta'] as { stop_reason?: unknown } | undefined;
      // After max_tokens the CLI asks the model to go on by itself: stop it at message_stop.
      if (delta?.stop_reason === 'max_tokens') this.cutShort = true;
    }
    if (this.stream) {
      if (event.type === 'message_start') {
        this.streamStarted = true;
        this.out.startStream();
        this.out.streamData(encodeSseEvent(event.type, event) + PING_EVENT);
      } else if (this.streamStarted) {
        this.out.streamData(encodeSseEvent(event.type, event));
      }
    }
    if (event.type !== 'message_stop' || !this.builder.started) return;
    this.answered = true;
    if (this.stream) this.out.endStream();
    else this.respondOnce(200, JSON_HEADERS, JSON.stringify(this.builder.build()));
    if (this.cutShort) this.stop();
  }

  private onResult(event: CliResultEvent): void {
    this.finished = true;
    this.resultOk = event.subtype === 'success' && event.is_error !== true;
    if (this.answered) return;
    if (this.resultOk) {
      this.fail(502, 'The Claude Code CLI ended the turn without an answer.');
      return;
    }
    const text =
      (event.result ?? '').replace(/^API Error:\s*/, '').trim() || 'The Claude Code CLI reported an error.';
    let status = event.api_error_status ?? undefined;
    if (status === undefined) {
      if (AUTH_FAILURE.test(text)) status = 401;
      else if (this.rejectedUntil !== undefined) status = 429;
      else status = 500;
    }
    if (status === 401 || status === 403) this.signal = { kind: 'auth_failed', detail: text };
    this.fail(status, text);
  }

  private fail(status: number, message: string): void {
    const type = errorTypeForStatus(status);
    if (this.streamStarted) {
      this.answered = true;
      this.out.streamData(encodeSseEvent('error', anthropicErrorBody(type, message)));
      this.out.endStream();
      return;
    }
    this.respondOnce(status, this.errorHeaders(status), JSON.stringify(anthropicErrorBody(type, message)));
  }

  private errorHeaders(status: number): UpstreamHeaders {
    if (status !== 429 || this.rejectedUntil === undefined) return JSON_HEADERS;
    const seconds = Math.max(1, Math.ceil(this.rejectedUntil - this.now() / 1000));
    return {
      ...JSON_HEADERS,
      'retry-after': String(seconds),
      'anthropic-ratelimit-unified-status': 'rejected',
      'anthropic-ratelimit-unified-reset': String(this.rejectedUntil),
    };
  }

  private respondOnce(status: number, headers: UpstreamHeaders, body: string): void {
    if (this.responded) return;
    this.responded = true;
    this.out.respond(status, headers, body);
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.out.stopGeneration();
  }
}
