import { randomBytes } from 'node:crypto';
import { anthropicErrorBody, type AnthropicErrorType } from '../../errors.js';
import { encodeSseEvent, PING_EVENT } from '../../protocols/anthropic/sse.js';
import type { UpstreamHeaders, UpstreamResponse } from '../types.js';
import { DEFAULT_PIECES, type Answer } from './answer.js';

/**
 * The mock's answers in the Anthropic wire format. Everything that does not depend on the request
 * (block start/stop, the default words' deltas, message_stop) is encoded once, at load.
 */
const ID_PREFIX = randomBytes(6).toString('hex');
let sequence = 0;

/** `msg_mock_…` / `req_mock_…`: unique per process, cheap to make. */
export function nextId(prefix: 'msg_mock_' | 'req_mock_'): string {
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}${ID_PREFIX}${sequence.toString(36).padStart(6, '0')}`;
}

export const JSON_TYPE = 'application/json';
export const SSE_TYPE = 'text/event-stream';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

const wireUsage = (usage: Usage) => ({
  input_tokens: usage.inputTokens,
  output_tokens: usage.outputTokens,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
});

export function messageJson(id: string, model: string, answer: Answer, inputTokens: number): string {
  return JSON.stringify({
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: answer.text }],
    stop_reason: answer.stopReason,
    stop_sequence: answer.stopSequence,
    usage: wireUsage({ inputTokens, outputTokens: answer.pieces.length }),
  });
}

const BLOCK_START = encodeSseEvent('content_block_start', {
  type: 'content_block_start',
  index: 0,
  content_block: { type: 'text', text: '' },
});
const BLOCK_STOP = encodeSseEvent('content_block_stop', { type: 'content_block_stop', index: 0 });
const MESSAGE_STOP = encodeSseEvent('message_stop', { type: 'message_stop' });

/** message_start → content_block_start → ping. */
export function streamHead(id: string, model: string, inputTokens: number): string {
  const message = {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: wireUsage({ inputTokens, outputTokens: 1 }),
  };
  return encodeSseEvent('message_start', { type: 'message_start', message }) + BLOCK_START + PING_EVENT;
}

const encodeDelta = (text: string): string =>
  encodeSseEvent('content_block_delta', {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text },
  });
const DEFAULT_DELTAS = new Map(DEFAULT_PIECES.map((piece) => [piece, encodeDelta(piece)]));

export function deltaEvent(piece: string): string {
  return DEFAULT_DELTAS.get(piece) ?? encodeDelta(piece);
}

/** content_block_stop → message_delta → message_stop. */
export function streamTail(answer: Answer): string {
  const delta = encodeSseEvent('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: answer.stopReason, stop_sequence: answer.stopSequence },
    usage: { output_tokens: answer.pieces.length },
  });
  return BLOCK_STOP + delta + MESSAGE_STOP;
}

export function errorEvent(type: AnthropicErrorType, message: string): string {
  return encodeSseEvent('error', anthropicErrorBody(type, message));
}

/** A body of one chunk. */
export function singleChunk(chunk: Buffer): AsyncIterable<Buffer> {
  return {
    async *[Symbol.asyncIterator]() {
      yield chunk;
    },
  };
}

export function jsonResponse(status: number, json: string, requestId: string): UpstreamResponse {
  return {
    status,
    headers: { 'content-type': JSON_TYPE, 'request-id': requestId },
    body: singleChunk(Buffer.from(json)),
  };
}

export function errorResponse(
  status: number,
  type: AnthropicErrorType,
  message: string,
  requestId: string,
  retryAfterSeconds?: number,
): UpstreamResponse {
  const response = jsonResponse(
    status,
    JSON.stringify(anthropicErrorBody(type, message, requestId)),
    requestId,
  );
  if (retryAfterSeconds !== undefined) response.headers['retry-after'] = String(retryAfterSeconds);
  return response;
}

export function sseHeaders(requestId: string): UpstreamHeaders {
  return { 'content-type': SSE_TYPE, 'cache-control': 'no-cache', 'request-id': requestId };
}
