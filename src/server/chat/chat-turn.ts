/**
 * One question and its answer: store the question, send the conversation so far through the same
 * MessagesPipeline as /v1/messages (scheduling, failover, limits, usage), stream the text back as
 * events, and store the answer when it ends, however it ends (a stopped answer keeps its text).
 */
import { ApiError, SwitchyardError } from '../../errors.js';
import type { MessagesCall } from '../../gateway/call.js';
import type { MessagesPipeline } from '../../gateway/pipeline.js';
import { webPrincipalOf } from '../../identity/web-principal.js';
import type { Logger } from '../../observability/logger.js';
import { messagesRequestSchema } from '../../protocols/anthropic/messages-schema.js';
import type { AnswerState, ConversationMessageView } from '../../services/conversation-types.js';
import type { ConversationsService } from '../../services/conversations.js';
import type { UserRecord } from '../../store/types.js';
import { newRequestId } from '../request-id.js';
import { AnswerSink } from './answer-sink.js';
import type { AnswerEvent, ErrorInfo, SendMessage } from './protocol.js';

/** Room for long answers; the upstream lowers it to what the model allows only if we ask for less. */
const MAX_TOKENS = 8_192;
/** Turns sent upstream: the most recent ones (a later slice may summarise older ones). */
const HISTORY_TURNS = 200;

export interface ChatTurnDeps {
  pipeline: MessagesPipeline;
  conversations: ConversationsService;
  logger: Logger;
  requestDeadlineMs: number;
}

type Turn = { role: 'user' | 'assistant'; content: string };

/** The API wants turns to alternate; failed answers leave gaps, so neighbours of a role merge. */
export function turnsOf(history: readonly ConversationMessageView[], question: string): Turn[] {
  const turns: Turn[] = [];
  const push = (role: Turn['role'], text: string) => {
    if (text.trim() === '') return;
    const last = turns[turns.length - 1];
    if (last?.role === role) last.content += `\n\n${text}`;
    else turns.push({ role, content: text });
  };
  for (const message of history.slice(-HISTORY_TURNS)) push(message.role, message.text);
  push('user', question);
  // An answer cannot come first.
  while (turns[0]?.role === 'assistant') turns.shift();
  return turns;
}

export function errorInfoOf(error: unknown, logger: Logger, requestId: string): ErrorInfo {
  if (error instanceof SwitchyardError) return { type: error.type, message: error.message };
  logger.error({ err: error, requestId }, 'chat answer failed');
  const fallback = new ApiError();
  return { type: fallback.type, message: fallback.message };
}

export class ChatTurn {
  readonly requestId = newRequestId();
  private seq = 0;
  readonly sink: AnswerSink;

  constructor(
    private readonly deps: ChatTurnDeps,
    private readonly user: UserRecord,
    private readonly send: SendMessage,
    private readonly clientIp: string | undefined,
    private readonly emit: (event: AnswerEvent) => void,
  ) {
    this.sink = new AnswerSink((text) =>
      this.emit({ type: 'delta', requestId: this.requestId, seq: this.next(), text }),
    );
  }

  get conversationId(): string {
    return this.send.conversationId;
  }

  /**
   * Runs to the end. Throws only before anything was stored or sent (unknown conversation), so
   * the caller can refuse the message; every later failure becomes an `error` event.
   */
  async run(): Promise<void> {
    const { conversations } = this.deps;
    const conversation = await conversations.get(this.user.id, this.send.conversationId);
    const history = await conversations.history(conversation);
    const askedAt = new Date();
    const question = await conversations.addQuestion(conversation, this.send.content, askedAt);
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
      const summary = await this.deps.pipeline.handle(
        this.call(turnsOf(history, this.send.content)),
        this.sink,
      );
      usage = { inputTokens: summary.usage.inputTokens, outputTokens: summary.usage.outputTokens };
    } catch (error) {
      failure = errorInfoOf(error, this.deps.logger, this.requestId);
    }
    failure ??= this.sink.stopped ? undefined : this.sink.streamError;
    const state: AnswerState = this.sink.stopped ? 'stopped' : failure ? 'error' : 'complete';
    // After the question, even within the same millisecond: the order of a conversation is by time.
    const answeredAt = new Date(Math.max(Date.now(), askedAt.getTime() + 1));
    let messageId: string | null = null;
    try {
      const stored = await conversations.addAnswer(
        conversation.id,
        {
          text: this.sink.text,
          model: this.send.model,
          requestId: this.requestId,
          state,
          ...(this.sink.stopReason ? { stopReason: this.sink.stopReason } : {}),
          ...(failure && state === 'error' ? { error: failure } : {}),
        },
        answeredAt,
      );
      messageId = stored.id;
    } catch (error) {
      // The conversation may have been deleted meanwhile; the client still learns how it ended.
      this.deps.logger.warn({ err: error, requestId: this.requestId }, 'could not store a chat answer');
    }
    if (state === 'error' && failure) {
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

  private next(): number {
    return this.seq++;
  }
}
