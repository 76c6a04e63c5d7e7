import type { AnthropicErrorType } from '../../errors.js';
import { UpstreamTransportError } from '../errors.js';
import type { Behavior } from './behavior.js';
import { abortedError, sleep } from './timing.js';
import { errorEvent } from './wire-format.js';

/**
 * The SSE body of a streaming answer. Without pacing (ttft 0, tps 0) everything up to the end (or
 * the scripted failure) goes out as one chunk with no timers; with pacing each delta is flushed
 * before the wait for the next one.
 */
export type Interruption =
  | { kind: 'disconnect'; after: number }
  | { kind: 'stall'; after: number }
  | { kind: 'error'; after: number; errorType: AnthropicErrorType };

/** The scripted failure that comes first, if any. */
export function interruptionOf(behavior: Behavior): Interruption | undefined {
  const candidates: Interruption[] = [];
  if (behavior.disconnectAfter !== undefined)
    candidates.push({ kind: 'disconnect', after: behavior.disconnectAfter });
  if (behavior.stallAfter !== undefined) candidates.push({ kind: 'stall', after: behavior.stallAfter });
  if (behavior.errorEventAfter !== undefined) {
    const errorType = behavior.errorType ?? 'overloaded_error';
    candidates.push({ kind: 'error', after: behavior.errorEventAfter, errorType });
  }
  return candidates.reduce<Interruption | undefined>(
    (first, c) => (first && first.after <= c.after ? first : c),
    undefined,
  );
}

export interface StreamPlan {
  head: string;
  deltas: readonly string[];
  tail: string;
  interruption: Interruption | undefined;
  ttftMs: number;
  tokensPerSecond: number;
}

export async function* streamBody(plan: StreamPlan, signal: AbortSignal): AsyncGenerator<Buffer> {
  if (signal.aborted) throw abortedError();
  const interval = plan.tokensPerSecond > 0 ? 1000 / plan.tokensPerSecond : 0;
  const { interruption } = plan;
  const count = interruption ? Math.min(interruption.after, plan.deltas.length) : plan.deltas.length;
  let pending = plan.head;
  for (let i = 0; i < count; i++) {
    const wait = (i === 0 ? plan.ttftMs : 0) + interval;
    if (wait > 0) {
      if (pending !== '') yield Buffer.from(pending);
      pending = '';
      await sleep(wait, signal);
    }
    pending += plan.deltas[i];
  }
  if (interruption?.kind === 'error') {
    yield Buffer.from(pending + errorEvent(interruption.errorType, simulatedMessage(interruption.errorType)));
    return;
  }
  if (interruption === undefined) {
    yield Buffer.from(pending + plan.tail);
    return;
  }
  if (pending !== '') yield Buffer.from(pending);
  if (interruption.kind === 'disconnect') {
    throw new UpstreamTransportError(
      'reset',
      `The mock upstream dropped the connection (disconnect-after=${count}).`,
    );
  }
  await sleep(Infinity, signal);
}

export function simulatedMessage(type: AnthropicErrorType): string {
  return `Simulated ${type} from the mock upstream.`;
}
