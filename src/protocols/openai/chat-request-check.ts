/**
 * A fast path in front of chatCompletionRequestSchema for the request shapes clients send: plain
 * checks on the parsed JSON, no zod run, no copy. It answers true only where the schema accepts
 * the value and would give the same data back (the schema has no transforms or defaults, and keeps
 * unknown keys), so the caller may use the value as parsed; anything it is unsure of answers false
 * and goes through the schema, which also words the errors. Property-tested against the schema.
 */
import { everyOf, isObject, isText } from '../plain-checks.js';
import type { ChatCompletionRequest } from './chat-request-schema.js';

/** null or absent; `undefined` cannot come from JSON but the schema takes it too. */
const isNone = (value: unknown): value is null | undefined => value === null || value === undefined;
const noneOrText = (value: unknown, max = Infinity) => isNone(value) || isText(value, 0, max);
const noneOrBoolean = (value: unknown) => isNone(value) || typeof value === 'boolean';
const noneOrNumber = (value: unknown, min: number, max: number) =>
  isNone(value) || (typeof value === 'number' && value >= min && value <= max);
const noneOrPositiveInt = (value: unknown) =>
  isNone(value) || (Number.isSafeInteger(value) && Number(value) > 0);

const isTextPart = (part: unknown) => isObject(part) && part['type'] === 'text' && isText(part['text']);

function isUserPart(part: unknown): boolean {
  if (!isObject(part)) return false;
  switch (part['type']) {
    case 'text':
      return isText(part['text']);
    case 'image_url': {
      const image = part['image_url'];
      return isObject(image) && isText(image['url'], 1) && noneOrText(image['detail']);
    }
    case 'input_audio':
    case 'file':
      return true;
    default:
      return false;
  }
}

const isAssistantPart = (part: unknown) =>
  isObject(part) &&
  ((part['type'] === 'text' && isText(part['text'])) ||
    (part['type'] === 'refusal' && isText(part['refusal'])));

function isToolCall(call: unknown): boolean {
  if (!isObject(call) || call['type'] !== 'function' || !isText(call['id'], 1)) return false;
  const fn = call['function'];
  return isObject(fn) && isText(fn['name'], 1) && isText(fn['arguments']);
}

function isMessage(message: unknown): boolean {
  if (!isObject(message)) return false;
  const content = message['content'];
  switch (message['role']) {
    case 'system':
    case 'developer':
      return isText(content) || everyOf(content, isTextPart);
    case 'user':
      return isText(content) || everyOf(content, isUserPart);
    case 'assistant':
      return (
        (isNone(content) || isText(content) || everyOf(content, isAssistantPart)) &&
        noneOrText(message['refusal']) &&
        (isNone(message['tool_calls']) || everyOf(message['tool_calls'], isToolCall))
      );
    case 'tool':
      return (isText(content) || everyOf(content, isTextPart)) && isText(message['tool_call_id'], 1);
    case 'function':
      return true;
    default:
      return false;
  }
}

function isTool(tool: unknown): boolean {
  if (!isObject(tool) || tool['type'] !== 'function') return false;
  const fn = tool['function'];
  return (
    isObject(fn) &&
    isText(fn['name'], 1, 128) &&
    noneOrText(fn['description']) &&
    (isNone(fn['parameters']) || isObject(fn['parameters'])) &&
    noneOrBoolean(fn['strict'])
  );
}

function isToolChoice(choice: unknown): boolean {
  if (isNone(choice) || choice === 'none' || choice === 'auto' || choice === 'required') return true;
  if (!isObject(choice) || choice['type'] !== 'function') return false;
  const fn = choice['function'];
  return isObject(fn) && isText(fn['name'], 1);
}

export function isPlainChatRequest(value: unknown): value is ChatCompletionRequest {
  if (!isObject(value)) return false;
  const stop = value['stop'];
  const streamOptions = value['stream_options'];
  const format = value['response_format'];
  return (
    isText(value['model'], 1, 256) &&
    everyOf(value['messages'], isMessage, 1) &&
    noneOrPositiveInt(value['max_tokens']) &&
    noneOrPositiveInt(value['max_completion_tokens']) &&
    noneOrNumber(value['temperature'], 0, 2) &&
    noneOrNumber(value['top_p'], 0, 1) &&
    (isNone(stop) || isText(stop) || everyOf(stop, isText, 0, 16)) &&
    noneOrBoolean(value['stream']) &&
    (isNone(streamOptions) || (isObject(streamOptions) && noneOrBoolean(streamOptions['include_usage']))) &&
    (isNone(value['tools']) || everyOf(value['tools'], isTool)) &&
    isToolChoice(value['tool_choice']) &&
    noneOrBoolean(value['parallel_tool_calls']) &&
    noneOrText(value['user'], 512) &&
    (isNone(value['n']) || Number.isSafeInteger(value['n'])) &&
    (isNone(format) || (isObject(format) && isText(format['type']))) &&
    noneOrBoolean(value['logprobs']) &&
    (isNone(value['modalities']) || everyOf(value['modalities'], isText))
  );
}
