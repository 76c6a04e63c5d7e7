import type { LookupFunction } from 'node:net';
import { Pool } from 'undici';
import { z } from 'zod';
import type {
  Upstream,
  UpstreamAccount,
  UpstreamKindDefinition,
  UpstreamModel,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamTestResult,
} from '../types.js';
import { UpstreamTransportError } from '../errors.js';
import { keepHeaders, toTransportError } from './anthropic-api-transport.js';
import { ResponseChannel } from './response-channel.js';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
const DEFAULT_VERSION = '2023-06-01';
const USER_AGENT = 'switchyard/0.1';

const modelListSchema = z.object({
  data: z.array(
    z.looseObject({ id: z.string(), display_name: z.string().optional(), created_at: z.string().optional() }),
  ),
});

const PATHS = { messages: '/v1/messages', count_tokens: '/v1/messages/count_tokens' } as const;

class AnthropicApiUpstream implements Upstream {
  readonly kind = 'anthropic_api' as const;
  private readonly pool: Pool;
  private readonly pathPrefix: string;

  constructor(
    private readonly account: UpstreamAccount,
    lookup?: LookupFunction,
  ) {
    const base = new URL(account.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL);
    this.pathPrefix = base.pathname.replace(/\/+$/, '');
    // Redirects are never followed: a Pool request does not follow them.
    this.pool = new Pool(base.origin, {
      connections: 256,
      keepAliveTimeout: 30_000,
      connectTimeout: 10_000,
      ...(lookup ? { connect: { lookup } } : {}),
    });
  }

  private headers(extra: Record<string, string | undefined>): Record<string, string> {
    const headers: Record<string, string> = {
      'x-api-key': this.account.credential ?? '',
      'user-agent': USER_AGENT,
    };
    for (const [name, value] of Object.entries(extra)) if (value !== undefined) headers[name] = value;
    return headers;
  }

  /** Built field by field: this runs on every request. */
  private messageHeaders(request: UpstreamRequest): Record<string, string> {
    const headers: Record<string, string> = {
      'x-api-key': this.account.credential ?? '',
      'user-agent': USER_AGENT,
      'content-type': 'application/json',
      accept: request.stream ? 'text/event-stream' : 'application/json',
      'anthropic-version': request.anthropicVersion ?? DEFAULT_VERSION,
    };
    if (request.anthropicBeta !== undefined) headers['anthropic-beta'] = request.anthropicBeta;
    return headers;
  }

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const { signal } = request;
    if (signal.aborted) throw toTransportError(signal.reason, signal);
    const onAbort = () => channel.abort(new UpstreamTransportError('aborted', 'The request was aborted.'));
    const channel = new ResponseChannel(
      (error) => toTransportError(error, signal),
      () => signal.removeEventListener('abort', onAbort),
    );
    signal.addEventListener('abort', onAbort, { once: true });
    this.pool.dispatch(
      {
        method: 'POST',
        path: this.pathPrefix + PATHS[request.operation],
        headers: this.messageHeaders(request),
        body: request.body,
        headersTimeout: request.firstByteTimeoutMs,
        bodyTimeout: request.idleTimeoutMs,
      },
      channel,
    );
    try {
      const head = await channel.head;
      return { status: head.statusCode, headers: keepHeaders(head.headers), body: channel };
    } catch (error) {
      throw toTransportError(error, signal);
    }
  }

  private async get(path: string, signal: AbortSignal): Promise<{ status: number; body: unknown }> {
    const response = await this.pool.request({
      method: 'GET',
      path: this.pathPrefix + path,
      headers: this.headers({ 'anthropic-version': DEFAULT_VERSION }),
      signal,
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    const text = await response.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.statusCode, body };
  }

  async listModels(signal: AbortSignal): Promise<UpstreamModel[] | undefined> {
    const { status, body } = await this.get('/v1/models?limit=1000', signal);
    const parsed = modelListSchema.safeParse(body);
    if (status !== 200 || !parsed.success) return undefined;
    return parsed.data.data.map((model) => ({
      id: model.id,
      displayName: model.display_name ?? model.id,
      createdAt: model.created_at ?? new Date(0).toISOString(),
    }));
  }

  /** Listing models costs no tokens and fails exactly when the key does. */
  async test(signal: AbortSignal): Promise<UpstreamTestResult> {
    const started = performance.now();
    try {
      const { status } = await this.get('/v1/models?limit=1', signal);
      const latencyMs = Math.round(performance.now() - started);
      if (status === 200) return { ok: true, status, detail: 'The API key works.', latencyMs };
      const detail =
        status === 401 || status === 403
          ? 'The upstream rejected the API key: replace it with `accounts add` or the admin API.'
          : `The upstream answered HTTP ${status}.`;
      return { ok: false, status, detail, latencyMs };
    } catch (error) {
      const transport = toTransportError(error, signal);
      return {
        ok: false,
        status: null,
        detail: transport.message,
        latencyMs: Math.round(performance.now() - started),
      };
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** `lookup`: how host names become addresses at connect time (the outbound guard's, in servers). */
export function createAnthropicApiKind(lookup?: LookupFunction): UpstreamKindDefinition {
  return {
    kind: 'anthropic_api',
    description: 'An Anthropic API key (the default, and the compliant choice for shared use).',
    requiresCredential: true,
    simulated: false,
    create: (account: UpstreamAccount) => new AnthropicApiUpstream(account, lookup),
  };
}

export const anthropicApiKind: UpstreamKindDefinition = createAnthropicApiKind();
