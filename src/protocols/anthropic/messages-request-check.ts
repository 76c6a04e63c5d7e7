/**
 * A fast path in front of messagesRequestSchema for the usual request: plain checks on the parsed
 * JSON, no zod run, no copy. It answers true only where the schema accepts the value and would give
 * the same data back (the schema has no transforms or defaults and keeps unknown keys), so the
 * caller may use the value as parsed; anything it is unsure of answers false and goes through the
 * schema, which also words the errors. Property-tested against the schema.
 */
import { absentOr, everyOf, isObject, isText } from '../plain-checks.js';
import type { MessagesRequest } from './messages-schema.js';

const isNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

const isBlock = (block: unknown) => isObject(block) && isText(block['type'], 1);
const isContent = (content: unknown) => typeof content === 'string' || everyOf(content, isBlock);
const isMessage = (message: unknown) =>
  isObject(message) && isText(message['role'], 1, 64) && isContent(message['content']);

function isMetadata(metadata: unknown): boolean {
  if (!isObject(metadata)) return false;
  const userId = metadata['user_id'];
  return userId === undefined || userId === null || isText(userId, 0, 512);
}

export function isPlainMessagesRequest(value: unknown): value is MessagesRequest {
  if (!isObject(value)) return false;
  const maxTokens = value['max_tokens'];
  const topK = value['top_k'];
  return (
    isText(value['model'], 1, 256) &&
    Number.isSafeInteger(maxTokens) &&
    (maxTokens as number) > 0 &&
    everyOf(value['messages'], isMessage, 1) &&
    absentOr(value['system'], isContent) &&
    absentOr(value['stream'], (stream) => typeof stream === 'boolean') &&
    absentOr(value['metadata'], isMetadata) &&
    absentOr(value['temperature'], isNumber) &&
    absentOr(value['top_p'], isNumber) &&
    (topK === undefined || Number.isSafeInteger(topK)) &&
    absentOr(value['stop_sequences'], (stops) => everyOf(stops, (stop) => typeof stop === 'string'))
  );
}
