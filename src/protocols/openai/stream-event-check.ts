/**
 * Plain checks for the two events the Chat Completions translator reads once per answer,
 * `message_start` and `message_delta`, accepting exactly what their zod schemas in
 * stream-event-check.test.ts accept: zod's parse copies the event and costs ~2 µs per answer.
 */
import type { WireUsage } from '../anthropic/messages-schema.js';
import { checkUsage } from '../anthropic/usage-check.js';
import { absentOr, isObject } from '../plain-checks.js';

export interface MessageStartFields {
  id?: string;
  model?: string;
  usage?: WireUsage;
}

export interface MessageDeltaFields {
  delta?: { stop_reason?: string | null };
  usage?: WireUsage;
}

const isString = (value: unknown) => typeof value === 'string';
const isUsage = (value: unknown) => checkUsage(value) !== undefined;

/** `message_start`'s message (id, model, usage), or undefined when the event is not one. */
export function readMessageStart(event: unknown): MessageStartFields | undefined {
  if (!isObject(event)) return undefined;
  const message = event['message'];
  if (!isObject(message)) return undefined;
  return absentOr(message['id'], isString) &&
    absentOr(message['model'], isString) &&
    absentOr(message['usage'], isUsage)
    ? (message as MessageStartFields)
    : undefined;
}

/** `message_delta`'s stop reason and usage, or undefined when the event is not one. */
export function readMessageDelta(event: unknown): MessageDeltaFields | undefined {
  if (!isObject(event)) return undefined;
  const delta = event['delta'];
  if (delta !== undefined) {
    if (!isObject(delta)) return undefined;
    const reason = delta['stop_reason'];
    if (reason !== undefined && reason !== null && typeof reason !== 'string') return undefined;
  }
  return absentOr(event['usage'], isUsage) ? (event as MessageDeltaFields) : undefined;
}
