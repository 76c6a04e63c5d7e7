import { errorTypeForStatus, SwitchyardError } from '../../errors.js';
import { UpstreamTransportError } from '../errors.js';
import type { UpstreamOperation, UpstreamResponse } from '../types.js';
import { defaultPieces, echoPieces, planAnswer } from './answer.js';
import { describeIssues, parseOverrides, type Behavior } from './behavior.js';
import { findDirective } from './directive.js';
import { mediaBlockProblem } from './media-blocks.js';
import {
  mockCountTokensRequestSchema,
  mockMessagesRequestSchema,
  type MockMessageParam,
  type MockMessagesRequest,
} from './request-schema.js';
import { countInputTokens, lastUserTexts } from './request-text.js';
import { interruptionOf, simulatedMessage, streamBody } from './stream-body.js';
import { sleep } from './timing.js';
import { toolUseResponse } from './tool-use.js';
import * as wire from './wire-format.js';

/**
 * The mock upstream's core, free of HTTP: a raw Messages (or count_tokens) body in, the status,
 * headers and body bytes the real API would send out. Resolves when the headers would arrive;
 * rejects with UpstreamTransportError (`aborted` when the signal fires, `reset` for a simulated
 * drop before headers).
 */
export interface SimulationInput {
  operation: UpstreamOperation;
  body: Buffer;
  /** Defaults to the body's `stream` field. */
  stream?: boolean;
  /** Defaults, with any scripted overrides applied; the prompt's directive is applied here. */
  behavior: Behavior;
  /** The key the caller presented (x-api-key or Bearer), checked against `expectedApiKey`. */
  apiKey?: string | undefined;
  signal: AbortSignal;
}

export async function simulate(input: SimulationInput): Promise<UpstreamResponse> {
  const { behavior, signal } = input;
  const requestId = wire.nextId('req_mock_');
  const reject = async (status: number, message: string) => {
    await sleep(behavior.latencyMs, signal);
    return wire.errorResponse(status, errorTypeForStatus(status), message, requestId);
  };
  if (behavior.expectedApiKey !== undefined && input.apiKey !== behavior.expectedApiKey) {
    return reject(401, 'invalid x-api-key');
  }
  const json = parseJson(input.body);
  if (json === undefined) return reject(400, 'The request body is not valid JSON.');
  const schema = input.operation === 'messages' ? mockMessagesRequestSchema : mockCountTokensRequestSchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) return reject(400, describeIssues(parsed.error));
  const messages: MockMessageParam[] = parsed.data.messages;
  const badMedia = mediaBlockProblem(messages);
  if (badMedia) return reject(400, badMedia);
  const userTexts = lastUserTexts(messages);
  const directive = findDirective(userTexts);
  let effective = behavior;
  if (directive) {
    const overrides = parseOverrides(directive.fields);
    if (!overrides.ok) return reject(400, `Invalid mock directive ${directive.source}: ${overrides.message}`);
    effective = { ...behavior, ...overrides.overrides };
  }

  if (effective.hang) await sleep(Infinity, signal);
  await sleep(effective.latencyMs, signal);
  if (effective.status !== undefined && effective.status !== 200) {
    const type = errorTypeForStatus(effective.status);
    return wire.errorResponse(
      effective.status,
      type,
      simulatedMessage(type),
      requestId,
      effective.retryAfterSeconds,
    );
  }
  const inputTokens = countInputTokens(parsed.data.system, messages);
  if (input.operation === 'count_tokens') {
    return wire.jsonResponse(200, JSON.stringify({ input_tokens: inputTokens }), requestId);
  }
  const request = parsed.data as MockMessagesRequest;
  const stream = input.stream ?? request.stream === true;
  const echoText = directive?.text ?? userTexts.join('\n').trim();
  return answer({ request, stream, behavior: effective, echoText, inputTokens, requestId, signal });
}

interface AnswerInput {
  request: MockMessagesRequest;
  stream: boolean;
  behavior: Behavior;
  /** What `echo` answers: the user's text without the directive. */
  echoText: string;
  inputTokens: number;
  requestId: string;
  signal: AbortSignal;
}

async function answer(input: AnswerInput): Promise<UpstreamResponse> {
  const { request, behavior, requestId, signal } = input;
  if (behavior.toolUse) {
    await sleep(behavior.ttftMs, signal);
    return toolUseResponse(behavior.toolUse, request.model, input.inputTokens, input.stream, requestId);
  }
  const all = behavior.echo ? echoPieces(input.echoText) : defaultPieces(behavior.words);
  const planned = planAnswer(all, request.max_tokens, request.stop_sequences);
  const id = wire.nextId('msg_mock_');
  const interruption = interruptionOf(behavior);
  if (input.stream) {
    const plan = {
      head: wire.streamHead(id, request.model, input.inputTokens),
      deltas: planned.pieces.map(wire.deltaEvent),
      tail: wire.streamTail(planned),
      interruption,
      ttftMs: behavior.ttftMs,
      tokensPerSecond: behavior.tokensPerSecond,
    };
    return { status: 200, headers: wire.sseHeaders(requestId), body: streamBody(plan, signal) };
  }
  // A whole answer arrives after generation; a failure during generation means no answer.
  const words = Math.min(interruption?.after ?? Infinity, planned.pieces.length);
  const perWord = behavior.tokensPerSecond > 0 ? 1000 / behavior.tokensPerSecond : 0;
  await sleep(behavior.ttftMs + words * perWord, signal);
  if (interruption?.kind === 'disconnect') {
    throw new UpstreamTransportError(
      'reset',
      `The mock upstream dropped the connection (disconnect-after=${words}).`,
    );
  }
  if (interruption?.kind === 'stall') await sleep(Infinity, signal);
  if (interruption?.kind === 'error') {
    const { status } = new SwitchyardError(interruption.errorType, '');
    const message = simulatedMessage(interruption.errorType);
    return wire.errorResponse(status, interruption.errorType, message, requestId);
  }
  return wire.jsonResponse(200, wire.messageJson(id, request.model, planned, input.inputTokens), requestId);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
