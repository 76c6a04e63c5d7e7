import type { KeyLimits } from '../identity/key-limits.js';
import type { MessagesRequest } from '../protocols/anthropic/messages-schema.js';
import { emptyUsage, type StreamMeter, type TokenUsage } from '../protocols/anthropic/usage.js';
import type { UpstreamOperation } from '../upstreams/types.js';

/**
 * What a key may do. The key's own limits and its owner's both apply (the owner's are shared by
 * all of the owner's keys); so do both model lists.
 */
export interface PrincipalAccess {
  keyLimits: KeyLimits;
  userLimits: KeyLimits;
  /** Model ids or aliases the key may use; null: no restriction at the key. */
  keyModels: readonly string[] | null;
  /** Model ids or aliases the owner's keys may use; null: no restriction at the owner. */
  userModels: readonly string[] | null;
  /** The key opted in to model fallback chains. */
  modelFallback: boolean;
}

export const UNRESTRICTED: PrincipalAccess = Object.freeze({
  keyLimits: {},
  userLimits: {},
  keyModels: null,
  userModels: null,
  modelFallback: false,
});

/** Who is asking: resolved from the API key before the pipeline runs. */
export interface Principal {
  apiKeyId: string;
  userId: string;
  access: PrincipalAccess;
}

/** One client call, already parsed and authenticated by the HTTP layer. */
export interface MessagesCall {
  requestId: string;
  operation: UpstreamOperation;
  /** The metrics' route label when it is not the operation (the OpenAI route: `chat_completions`). */
  route?: string;
  body: Buffer;
  request: Pick<MessagesRequest, 'model' | 'messages' | 'metadata' | 'system'> & {
    stream?: boolean | undefined;
  };
  principal: Principal;
  /** The client's address (behind trusted proxies, from their forwarding headers). */
  clientIp?: string | undefined;
  /** Headers every answer to this call carries (rate-limit state), set once admitted. */
  responseHeaders?: Readonly<Record<string, string>> | undefined;
  anthropicVersion: string | undefined;
  anthropicBeta: string | undefined;
  /** Claude Code's x-claude-code-session-id, when present. */
  sessionId: string | undefined;
  /** performance.now() when the request arrived. */
  startedAt: number;
  /** Absolute deadline, ms since epoch. */
  deadline: number;
}

/**
 * Where the answer goes. The HTTP layer implements it over the socket; the pipeline never sees
 * the HTTP framework.
 */
export interface ResponseSink {
  readonly headersSent: boolean;
  /** The client went away before the answer was complete. */
  readonly closed: boolean;
  start(status: number, headers: Record<string, string>): void;
  /** Resolves when the chunk may be followed by another (honours backpressure). */
  write(chunk: Buffer | string): Promise<void> | undefined;
  end(chunk?: Buffer | string): void;
  onClose(listener: () => void): void;
  /**
   * A sink that parses the SSE stream anyway (a translating one) may meter it in the same pass.
   * The relay then pushes each upstream chunk into this meter and hands the same chunk object to
   * `write`/`end` right after; anything else written is not metered.
   */
  streamMeter?(): StreamMeter;
}

/** What happened, for the ledger, metrics and the log line. */
export interface CallSummary {
  status: number;
  model: string;
  account: { id: string; name: string } | undefined;
  attempts: number;
  usage: TokenUsage;
  errorType: string | undefined;
  ttftMs: number | undefined;
  latencyMs: number;
  stickyHit: boolean;
  upstreamRequestId: string | undefined;
  /** What the client asked for, when an alias or a fallback chain made `model` differ from it. */
  requestedModel?: string | undefined;
}

/** A call's summary before anything happened: no account, no attempt, no usage. */
export function newCallSummary(model: string, requestedModel?: string): CallSummary {
  return {
    status: 200,
    model,
    account: undefined,
    attempts: 0,
    usage: emptyUsage(),
    errorType: undefined,
    ttftMs: undefined,
    latencyMs: 0,
    stickyHit: false,
    upstreamRequestId: undefined,
    requestedModel,
  };
}
