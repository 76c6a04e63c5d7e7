import type { CancelSignal } from '../cancel-signal.js';

/**
 * The contract every upstream account kind implements. An upstream takes a Messages (or
 * count_tokens) request and answers with a status, a few headers and the body as raw bytes in the
 * Anthropic wire format (JSON, or SSE when streaming), so the gateway treats every kind alike.
 */
export const ACCOUNT_KINDS = ['anthropic_api', 'claude_cli', 'mock'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

/** What an adapter needs to serve one account. The credential is decrypted only in memory. */
export interface UpstreamAccount {
  id: string;
  name: string;
  kind: AccountKind;
  baseUrl: string | null;
  credential: string | null;
  settings: Record<string, unknown>;
}

export type UpstreamOperation = 'messages' | 'count_tokens';

export interface UpstreamRequest {
  operation: UpstreamOperation;
  /** The client's JSON body, forwarded byte for byte. */
  body: Buffer;
  stream: boolean;
  model: string;
  anthropicVersion: string | undefined;
  anthropicBeta: string | undefined;
  requestId: string;
  /** Time allowed until response headers arrive. */
  firstByteTimeoutMs: number;
  /** Time allowed between two body chunks. */
  idleTimeoutMs: number;
  signal: CancelSignal;
}

/** Lower-cased header names; only the ones the gateway uses are guaranteed to be kept. */
export type UpstreamHeaders = Record<string, string>;

export interface UpstreamResponse {
  status: number;
  headers: UpstreamHeaders;
  /** Raw bytes. Iteration throws UpstreamTransportError when the connection fails mid-body. */
  body: AsyncIterable<Buffer>;
}

export interface UpstreamModel {
  id: string;
  displayName: string;
  createdAt: string;
}

export interface UpstreamTestResult {
  ok: boolean;
  status: number | null;
  detail: string;
  latencyMs: number;
}

/** What the scheduler shows an upstream to ask whether it can serve a request at all. */
export type UpstreamRequestShape = Pick<UpstreamRequest, 'operation' | 'body'>;

export interface Upstream {
  readonly kind: AccountKind;
  /**
   * Why this account cannot serve the request faithfully (e.g. client tools on a CLI account), or
   * undefined when it can. The scheduler then picks another account, or answers 400 with the reason.
   * Must be cheap: it runs for every candidate account.
   */
  unsupported?(request: UpstreamRequestShape): string | undefined;
  /** Resolves once response headers arrive; rejects with UpstreamTransportError before that. */
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Models this account can serve, if the kind can tell (undefined: it cannot list them). */
  listModels(signal: AbortSignal): Promise<UpstreamModel[] | undefined>;
  /** A cheap check that the credentials work, without spending tokens where possible. */
  test(signal: AbortSignal): Promise<UpstreamTestResult>;
  close(): Promise<void>;
}

export interface UpstreamKindDefinition {
  kind: AccountKind;
  /** Shown in `accounts add --help` and the admin API. */
  description: string;
  requiresCredential: boolean;
  /** Answers are simulated, not from a model: said so in logs and /v1/models. */
  simulated: boolean;
  create(account: UpstreamAccount): Upstream;
}
