/**
 * OpenAI Chat Completions request → Anthropic Messages request. Pure: no I/O, no clock. What
 * cannot be expressed in the Messages API is refused with an InvalidRequestError naming the field,
 * never dropped silently when it would change the answer. See docs/openai.md for the table.
 */
import { InvalidRequestError } from '../../errors.js';
import type { ChatCompletionRequest, ChatMessage } from './chat-request-schema.js';

/** OpenAI makes `max_tokens` optional; the Messages API requires it. */
export const DEFAULT_MAX_TOKENS = 4096;

export interface RequestMappingOptions {
  /**
   * `refuse` (the default): only data URLs are accepted. `forward`: http(s) image URLs become
   * Anthropic `url` image sources, which the upstream fetches; the gateway itself never does.
   */
  remoteImages: 'refuse' | 'forward';
}

export type AnthropicBlock = Record<string, unknown> & { type: string };

// A type alias, not an interface, so it fits the Messages schema's open (indexed) object type.
export type AnthropicMessage = {
  role: 'user' | 'assistant';
  content: string | AnthropicBlock[];
};

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
}

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  system?: string | AnthropicBlock[];
  messages: AnthropicMessage[];
  stream?: true;
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  tools?: AnthropicTool[];
  tool_choice?: Record<string, unknown>;
  metadata?: { user_id: string };
}

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const DATA_URL = /^data:([^;,]+);base64,/i;

export function requestToAnthropic(
  request: ChatCompletionRequest,
  options: RequestMappingOptions = { remoteImages: 'refuse' },
): AnthropicRequest {
  refuseUnsupported(request);
  const system: AnthropicBlock[] = [];
  const messages: AnthropicMessage[] = [];
  request.messages.forEach((message, index) => {
    const path = `messages.${index}`;
    if (message.role === 'system' || message.role === 'developer') {
      for (const text of textsOf(message.content)) if (text !== '') system.push({ type: 'text', text });
      return;
    }
    const mapped = mapMessage(message, path, options);
    if (mapped) append(messages, mapped);
  });
  if (messages.length === 0) {
    throw new InvalidRequestError('messages: at least one user or assistant message is required.');
  }
  const out: AnthropicRequest = {
    model: request.model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system.length > 0) out.system = system.length === 1 ? String(system[0]!.text) : system;
  if (request.stream === true) out.stream = true;
  // OpenAI's range is 0–2, Anthropic's 0–1: the top of the OpenAI range means "most random".
  if (request.temperature != null) out.temperature = Math.min(request.temperature, 1);
  if (request.top_p != null) out.top_p = request.top_p;
  if (request.stop != null) {
    const stops = (typeof request.stop === 'string' ? [request.stop] : request.stop).filter((s) => s !== '');
    if (stops.length > 0) out.stop_sequences = stops;
  }
  if (request.tools != null && request.tools.length > 0) {
    out.tools = request.tools.map((tool, index) => mapTool(tool.function, `tools.${index}.function`));
    const choice = mapToolChoice(request);
    if (choice) out.tool_choice = choice;
  }
  if (request.user != null && request.user !== '') out.metadata = { user_id: request.user };
  return out;
}

function refuseUnsupported(request: ChatCompletionRequest): void {
  if (request.n != null && request.n !== 1) {
    throw new InvalidRequestError('n: only one choice per request is supported.');
  }
  const format = request.response_format?.type;
  if (format !== undefined && format !== 'text') {
    throw new InvalidRequestError(
      `response_format: "${format.slice(0, 64)}" is not supported; describe the format in the prompt or use a tool.`,
    );
  }
  if (request.logprobs === true)
    throw new InvalidRequestError('logprobs: log probabilities are not available.');
  if (request.audio != null || request.modalities?.some((m) => m !== 'text')) {
    throw new InvalidRequestError('modalities: only text output is supported.');
  }
}

function textsOf(content: string | ReadonlyArray<{ text: string }>): string[] {
  return typeof content === 'string' ? [content] : content.map((part) => part.text);
}

function mapMessage(
  message: ChatMessage,
  path: string,
  options: RequestMappingOptions,
): AnthropicMessage | undefined {
  switch (message.role) {
    case 'user':
      if (typeof message.content === 'string') return { role: 'user', content: message.content };
      return {
        role: 'user',
        content: message.content.map((part, index) => mapUserPart(part, `${path}.content.${index}`, options)),
      };
    case 'assistant':
      return mapAssistant(message, path);
    case 'tool':
      return {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: message.tool_call_id,
            content:
              typeof message.content === 'string'
                ? message.content
                : message.content.map((part) => ({ type: 'text', text: part.text })),
          },
        ],
      };
    case 'function':
      throw new InvalidRequestError(`${path}.role: "function" messages are deprecated; use tool messages.`);
    default:
      return undefined;
  }
}

type UserPart = Exclude<Extract<ChatMessage, { role: 'user' }>['content'], string>[number];

function mapUserPart(part: UserPart, path: string, options: RequestMappingOptions): AnthropicBlock {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image_url':
      return { type: 'image', source: imageSource(part.image_url.url, `${path}.image_url.url`, options) };
    case 'input_audio':
      throw new InvalidRequestError(`${path}.type: audio input is not supported.`);
    case 'file':
      throw new InvalidRequestError(`${path}.type: file input is not supported; send text or images.`);
  }
}

function imageSource(url: string, path: string, options: RequestMappingOptions): Record<string, string> {
  const data = DATA_URL.exec(url);
  if (data) {
    let mediaType = data[1]!.toLowerCase();
    if (mediaType === 'image/jpg') mediaType = 'image/jpeg';
    if (!IMAGE_TYPES.has(mediaType)) {
      throw new InvalidRequestError(
        `${path}: images must be JPEG, PNG, GIF or WebP, not ${mediaType.slice(0, 64)}.`,
      );
    }
    return { type: 'base64', media_type: mediaType, data: url.slice(data[0].length) };
  }
  if (/^https?:\/\//i.test(url)) {
    if (options.remoteImages === 'forward') return { type: 'url', url };
    throw new InvalidRequestError(
      `${path}: remote image URLs are not fetched by this gateway; send the image inline as a data URL (data:image/png;base64,…).`,
    );
  }
  throw new InvalidRequestError(`${path}: must be a base64 data URL (data:image/png;base64,…).`);
}

function mapAssistant(message: Extract<ChatMessage, { role: 'assistant' }>, path: string): AnthropicMessage {
  if (message.function_call != null) {
    throw new InvalidRequestError(`${path}.function_call: deprecated; use tool_calls.`);
  }
  const calls = message.tool_calls ?? [];
  if (calls.length === 0 && typeof message.content === 'string') {
    return { role: 'assistant', content: message.content };
  }
  const blocks: AnthropicBlock[] = [];
  const content = message.content ?? [];
  const parts = typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content;
  for (const part of parts) {
    const text = part.type === 'text' ? part.text : part.refusal;
    // The Messages API refuses empty text blocks; OpenAI clients send "" beside tool calls.
    if (text !== '') blocks.push({ type: 'text', text });
  }
  if (blocks.length === 0 && message.refusal) blocks.push({ type: 'text', text: message.refusal });
  calls.forEach((call, index) => {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: toolInput(call.function.arguments, `${path}.tool_calls.${index}.function.arguments`),
    });
  });
  return { role: 'assistant', content: blocks };
}

function toolInput(text: string, path: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError(`${path}: must be a JSON object (the arguments the model produced).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError(`${path}: must be a JSON object (the arguments the model produced).`);
  }
  return value as Record<string, unknown>;
}

/** Consecutive messages of one role become one turn: all tool results must follow their call in one user turn. */
function append(messages: AnthropicMessage[], next: AnthropicMessage): void {
  const last = messages.at(-1);
  if (!last || last.role !== next.role) {
    messages.push(next);
    return;
  }
  last.content = [...blocksOf(last.content), ...blocksOf(next.content)];
}

function blocksOf(content: string | AnthropicBlock[]): AnthropicBlock[] {
  if (typeof content !== 'string') return content;
  return content === '' ? [] : [{ type: 'text', text: content }];
}

function mapTool(
  fn: {
    name: string;
    description?: string | null | undefined;
    parameters?: Record<string, unknown> | null | undefined;
  },
  path: string,
): AnthropicTool {
  const parameters = fn.parameters ?? {};
  if (parameters['type'] !== undefined && parameters['type'] !== 'object') {
    throw new InvalidRequestError(`${path}.parameters.type: must be "object".`);
  }
  const tool: AnthropicTool = { name: fn.name, input_schema: { ...parameters, type: 'object' } };
  if (fn.description != null && fn.description !== '') tool.description = fn.description;
  return tool;
}

function mapToolChoice(request: ChatCompletionRequest): Record<string, unknown> | undefined {
  const choice = request.tool_choice;
  const serial = request.parallel_tool_calls === false;
  let mapped: Record<string, unknown> | undefined;
  if (choice == null) mapped = serial ? { type: 'auto' } : undefined;
  else if (choice === 'none') return { type: 'none' };
  else if (choice === 'auto') mapped = { type: 'auto' };
  else if (choice === 'required') mapped = { type: 'any' };
  else mapped = { type: 'tool', name: choice.function.name };
  if (mapped && serial) mapped['disable_parallel_tool_use'] = true;
  return mapped;
}
