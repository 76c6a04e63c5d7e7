import { upstreamErrorBodySchema, type WireUsage } from './messages-schema.js';
import { readMessageEnvelope } from './message-envelope.js';
import { checkMessageDelta, checkMessageStart, checkUsage } from './usage-check.js';
import { SseParser } from './sse.js';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export const emptyUsage = (): TokenUsage => ({
  inputTokens: 0,
  outputTokens: 0,
  cacheCreationInputTokens: 0,
  cacheReadInputTokens: 0,
});

/** Usage counts are cumulative on the wire: a later value replaces an earlier one. */
export function mergeWireUsage(into: TokenUsage, wire: WireUsage | undefined): void {
  if (!wire) return;
  if (wire.input_tokens != null) into.inputTokens = wire.input_tokens;
  if (wire.output_tokens != null) into.outputTokens = wire.output_tokens;
  if (wire.cache_creation_input_tokens != null)
    into.cacheCreationInputTokens = wire.cache_creation_input_tokens;
  if (wire.cache_read_input_tokens != null) into.cacheReadInputTokens = wire.cache_read_input_tokens;
}

/** JSON.parse, or undefined for text that is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const WATCHED_EVENTS = new Set([
  'message_start',
  'content_block_delta',
  'message_delta',
  'message_stop',
  'error',
]);

/** Events whose data is read. */
const METERED_EVENTS = new Set(['message_start', 'message_delta', 'error']);

/** Events that are only counted: their data is never read. */
const COUNTED_EVENTS = new Set(['content_block_delta']);

/** What the relay reads from a stream as it passes through (see StreamUsageMeter). */
export interface StreamMeter {
  readonly usage: TokenUsage;
  readonly model: string | undefined;
  readonly completed: boolean;
  readonly errorType: string | undefined;
  push(chunk: Buffer): void;
  end(): void;
}

/**
 * Watches an Anthropic SSE stream as it passes through and keeps the usage, the model that
 * answered, whether the stream completed, and any in-stream error.
 */
export class StreamUsageMeter implements StreamMeter {
  readonly usage = emptyUsage();
  model: string | undefined;
  completed = false;
  errorType: string | undefined;
  private deltas = 0;
  private finalOutput = false;
  private readonly parser = new SseParser(
    WATCHED_EVENTS,
    ({ event, data }) => this.observe(event, data),
    COUNTED_EVENTS,
  );

  push(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  end(): void {
    this.parser.end();
  }

  /**
   * One event of the stream. A translator that parses the stream anyway meters it through this
   * instead of a second parser; `json` is the data it already parsed (undefined: parse here).
   */
  observe(event: string, data: string, json?: unknown): void {
    if (event === 'message_stop') {
      this.completed = true;
      return;
    }
    if (event === 'content_block_delta') {
      // Only message_delta gives the output count, and a stream cut before it (client gone,
      // upstream dropped) would be recorded as message_start's 1. Each delta carries about one
      // token or more, so their number is a floor for what was generated and delivered.
      this.deltas += 1;
      if (!this.finalOutput) this.usage.outputTokens = Math.max(this.usage.outputTokens, this.deltas);
      return;
    }
    if (!METERED_EVENTS.has(event)) return;
    json ??= parseJson(data);
    if (event === 'message_start') {
      const start = checkMessageStart(json);
      if (start) {
        this.model = start.model;
        mergeWireUsage(this.usage, start.usage);
      }
    } else if (event === 'message_delta') {
      const delta = checkMessageDelta(json);
      if (delta) {
        if (delta.usage?.output_tokens != null) this.finalOutput = true;
        mergeWireUsage(this.usage, delta.usage);
      }
    } else if (event === 'error') {
      const parsed = upstreamErrorBodySchema.safeParse(json);
      this.errorType = parsed.success ? parsed.data.error.type : 'api_error';
    }
  }
}

/** Reads usage and model from a complete non-streaming Messages response body. */
export function usageFromMessageBody(
  body: Buffer,
): { usage: TokenUsage; model: string | undefined } | undefined {
  // Only `usage` and `model` are needed: validating the whole message (content blocks and all)
  // with the schema costs more than the rest of the request path's parsing together, and even a
  // bare JSON.parse of the body costs more than reading the two places they are written at.
  const envelope = readMessageEnvelope(body);
  let wireUsage: unknown;
  let model: unknown;
  if (envelope) {
    wireUsage = parseJson(envelope.usageJson);
    model = envelope.model;
  } else {
    const json = parseJson(body.toString('utf8'));
    if (typeof json !== 'object' || json === null || (json as { type?: unknown }).type !== 'message')
      return undefined;
    ({ usage: wireUsage, model } = json as { usage?: unknown; model?: unknown });
  }
  const checked = checkUsage(wireUsage);
  if (!checked) return undefined;
  const usage = emptyUsage();
  mergeWireUsage(usage, checked);
  return { usage, model: typeof model === 'string' ? model : undefined };
}
