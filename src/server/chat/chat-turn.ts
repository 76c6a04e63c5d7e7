/**
 * One question and its answer: store the question (claiming its attachments), send the
 * conversation so far through the same MessagesPipeline as /v1/messages (scheduling, failover,
 * limits, usage), publish the answer as events to its TurnEvents log (which sockets follow), and
 * store the answer once when it ends, however it ends (a stopped answer keeps its text).
 */
import { ApiError, SwitchyardError } from '../../errors.js';
import type { MessagesCall } from '../../gateway/call.js';
import type { MessagesPipeline } from '../../gateway/pipeline.js';
import { webPrincipalOf } from '../../identity/web-principal.js';
import type { Logger } from '../../observability/logger.js';
import { messagesRequestSchema } from '../../protocols/anthropic/messages-schema.js';
import type { ResultStream } from '../../queue/result-stream.js';
import type { ChatAttachmentsService } from '../../services/chat-attachments.js';
import type { AnswerState } from '../../services/conversation-types.js';
import type { ConversationsService } from '../../services/conversations.js';
import type { ChatAttachmentRecord, UserRecord } from '../../store/types.js';
import { newRequestId } from '../request-id.js';
import { AnswerSink } from './answer-sink.js';
import type { SharedTurns } from './shared-turns.js';
import type { AnswerEvent, ErrorInfo, SendMessage } from './protocol.js';
import { TurnEvents } from './turn-events.js';
import { ATTACHMENT_BUDGET_BYTES, attachmentsToSend, turnsOf, type Turn } from './upstream-turns.js';

/** Room for long answers; the upstream lowers it to what the model allows only if we ask for less. */
const MAX_TOKENS = 8_192;

export interface ChatTurnDeps {
  pipeline: MessagesPipeline;
  conversations: ConversationsService;
  attachments: ChatAttachmentsService;
  logger: Logger;
  requestDeadlineMs: number;
  /** Where answers' events are kept for the sockets that follow them (and resumes). */
  events: ResultStream;
  /** Distributed mode: answers also resumable and stoppable through other gateways. */
  shared?: SharedTurns | undefined;
}

/** Why an answer stopped early: the user asked, nobody resumed it in time, or the server is closing. */
export type StopCause = 'user' | 'abandoned' | 'shutdown';

const EARLY_END: Record<Exclude<StopCause, 'user'>, ErrorInfo> = {
  abandoned: {
    type: 'timeout_error',
    message: 'The chat connection dropped and did not come back in time, so the answer was stopped.',
  },
  shutdown: {
    type: 'api_error',
    message: 'The server restarted while answering, so the answer was stopped.',
  },
};

export function errorInfoOf(error: unknown, logger: Logger, requestId: string): ErrorInfo {
  if (error instanceof SwitchyardError) return { type: error.type, message: error.message };
  logger.error({ err: error, requestId }, 'chat answer failed');
  const fallback = new ApiError();
  return { type: fallback.type, message: fallback.message };
}

export class ChatTurn {
  readonly requestId = newRequestId();
  readonly events: TurnEvents;
  readonly sink: AnswerSink;
  private seq = 0;
  private cause: StopCause | undefined;

  constructor(
    private readonly deps: ChatTurnDeps,
    readonly user: UserRecord,
    private readonly send: SendMessage,
    private readonly clientIp: string | undefined,
  ) {
    this.events = new TurnEvents(
      deps.events,
      this.requestId,
      deps.logger,
      deps.shared?.mirror(this.requestId, user.id),
    );
    this.sink = new AnswerSink((text) =>
      this.emit({ type: 'delta', requestId: this.requestId, seq: this.next(), text }),
    );
  }

  get conversationId(): string {
    return this.send.conversationId;
  }

  /** The client's handle for the send, if it gave one. */
  get ref(): string | undefined {
    return this.send.ref;
  }

  /** Ends the answer early; the pipeline cancels the upstream call. Text so far is kept. */
  stop(cause: StopCause): void {
    if (this.sink.closed) return;
    this.cause ??= cause;
    this.sink.stop();
  }

  /**
   * Runs to the end. Throws only before anything was stored or published (unknown conversation,
   * attachments not found or too large), so the caller can refuse the message; every later
   * failure becomes an `error` event.
   */
  async run(): Promise<void> {
    const { conversations, attachments } = this.deps;
    const conversation = await conversations.get(this.user.id, this.send.conversationId);
    const history = await conversations.history(conversation);
    const own = await this.ownAttachments();
    const refs = await attachments.claim(this.user.id, conversation.id, this.send.attachments ?? []);
    const askedAt = new Date();
    const question = await conversations.addQuestion(conversation, this.send.content, askedAt, refs);
    this.emit({
      type: 'started',
      requestId: this.requestId,
      seq: this.next(),
      ref: this.send.ref ?? null,
      conversationId: conversation.id,
      userMessageId: question.id,
      model: this.send.model,
    });
    let failure: ErrorInfo | undefined;
    let usage = { inputTokens: 0, outputTokens: 0 };
    try {
      const asked = { text: this.send.content, attachments: refs };
      const wanted = [...attachmentsToSend(history, asked)].filter((id) => !own.has(id));
      const contents = new Map([...own, ...(await attachments.contents(this.user.id, wanted))]);
      const summary = await this.deps.pipeline.handle(
        this.call(turnsOf(history, asked, contents)),
        this.sink,
      );
      usage = { inputTokens: summary.usage.inputTokens, outputTokens: summary.usage.outputTokens };
    } catch (error) {
      failure = errorInfoOf(error, this.deps.logger, this.requestId);
    }
    const early = this.cause && this.cause !== 'user' ? EARLY_END[this.cause] : undefined;
    failure = early ?? (this.sink.stopped ? undefined : (failure ?? this.sink.streamError));
    const state: AnswerState = failure ? 'error' : this.sink.stopped ? 'stopped' : 'complete';
    const messageId = await this.store(conversation.id, state, failure, askedAt);
    if (failure) {
      this.emit({ type: 'error', requestId: this.requestId, seq: this.next(), messageId, error: failure });
      return;
    }
    this.emit({
      type: 'done',
      requestId: this.requestId,
      seq: this.next(),
      messageId,
      state,
      stopReason: this.sink.stopped ? null : this.sink.stopReason,
      usage,
    });
  }

  /** The question's own files, checked before anything is stored: all there, within the budget. */
  private async ownAttachments(): Promise<Map<string, ChatAttachmentRecord>> {
    const ids = this.send.attachments ?? [];
    const found = await this.deps.attachments.contents(this.user.id, ids);
    const bytes = [...found.values()].reduce((sum, a) => sum + a.size, 0);
    if (bytes > ATTACHMENT_BUDGET_BYTES) {
      throw new SwitchyardError(
        'request_too_large',
        `The files of one message may add up to ${ATTACHMENT_BUDGET_BYTES / 1_048_576} MiB at most.`,
      );
    }
    return found;
  }

  private async store(
    conversationId: string,
    state: AnswerState,
    failure: ErrorInfo | undefined,
    askedAt: Date,
  ): Promise<string | null> {
    // After the question, even within the same millisecond: the order of a conversation is by time.
    const answeredAt = new Date(Math.max(Date.now(), askedAt.getTime() + 1));
    try {
      const stored = await this.deps.conversations.addAnswer(
        conversationId,
        {
          text: this.sink.text,
          model: this.send.model,
          requestId: this.requestId,
          state,
          ...(this.sink.stopReason ? { stopReason: this.sink.stopReason } : {}),
          ...(failure ? { error: failure } : {}),
        },
        answeredAt,
      );
      return stored.id;
    } catch (error) {
      // The conversation may have been deleted meanwhile; the client still learns how it ended.
      this.deps.logger.warn({ err: error, requestId: this.requestId }, 'could not store a chat answer');
      return null;
    }
  }

  private call(turns: Turn[]): MessagesCall {
    const body = { model: this.send.model, max_tokens: MAX_TOKENS, stream: true, messages: turns };
    return {
      requestId: this.requestId,
      operation: 'messages',
      route: 'web_chat',
      body: Buffer.from(JSON.stringify(body)),
      request: messagesRequestSchema.parse(body),
      principal: webPrincipalOf(this.user),
      clientIp: this.clientIp,
      anthropicVersion: '2023-06-01',
      anthropicBeta: undefined,
      // Keeps a conversation on one account (prompt caching), as Claude Code's session id does.
      sessionId: this.send.conversationId,
      startedAt: performance.now(),
      deadline: Date.now() + this.deps.requestDeadlineMs,
    };
  }

  private emit(event: AnswerEvent): void {
    this.events.publish(event);
  }

  private next(): number {
    return this.seq++;
  }
}
