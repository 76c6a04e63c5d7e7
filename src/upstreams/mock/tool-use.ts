import { encodeSseEvent } from '../../protocols/anthropic/sse.js';
import type { UpstreamResponse } from '../types.js';
import * as wire from './wire-format.js';

/**
 * A simulated tool call: one tool_use block and stop_reason `tool_use`, as the API answers when a
 * model calls a tool. Used to check that a client which must not run tools (the claude_cli kind's
 * CLI processes) never does.
 */
export function toolUseResponse(
  tool: { name: string; input: Record<string, unknown> },
  model: string,
  inputTokens: number,
  stream: boolean,
  requestId: string,
): UpstreamResponse {
  const id = wire.nextId('msg_mock_');
  const block = { type: 'tool_use', id: `toolu_mock_${id.slice(9)}`, name: tool.name, input: tool.input };
  const usage = {
    input_tokens: inputTokens,
    output_tokens: 10,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  if (!stream) {
    const message = {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [block],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage,
    };
    return wire.jsonResponse(200, JSON.stringify(message), requestId);
  }
  const start = {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { ...usage, output_tokens: 1 },
  };
  const events =
    encodeSseEvent('message_start', { type: 'message_start', message: start }) +
    encodeSseEvent('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { ...block, input: {} },
    }) +
    encodeSseEvent('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify(tool.input) },
    }) +
    encodeSseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    encodeSseEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 10 },
    }) +
    encodeSseEvent('message_stop', { type: 'message_stop' });
  return { status: 200, headers: wire.sseHeaders(requestId), body: wire.singleChunk(Buffer.from(events)) };
}
