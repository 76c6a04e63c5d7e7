import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  newCallSummary,
  type CallSummary,
  type MessagesCall,
  type ResponseSink,
} from '../../gateway/call.js';
import { relay } from '../../gateway/relay.js';
import { encodeSseEvent } from '../../protocols/anthropic/sse.js';
import { StreamUsageMeter, type StreamMeter } from '../../protocols/anthropic/usage.js';
import { UpstreamTransportError } from '../../upstreams/errors.js';
import { ChatCompletionsSink, type ChatAnswerContext } from './chat-completions-sink.js';

/**
 * The Chat Completions sink meters the stream for the relay with its translator (one SSE parse).
 * Run through the real relay, it must record what StreamUsageMeter records and send what the
 * unfused sink (translator fed by `write`, the relay's own meter beside it) sends, for any split.
 */
class RecordingSink implements ResponseSink {
  headersSent = false;
  closed = false;
  body = '';
  start(): void {
    this.headersSent = true;
  }
  write(chunk: Buffer | string): undefined {
    this.body += chunk.toString();
    return undefined;
  }
  end(chunk?: Buffer | string): void {
    if (chunk !== undefined) this.body += chunk.toString();
  }
  onClose(): void {}
}

/** The sink as it was before metering: a meter of its own beside the translator fed by `write`. */
class UnfusedSink extends ChatCompletionsSink {
  override streamMeter(): StreamMeter {
    return new StreamUsageMeter();
  }
}

const ev = (type: string, fields: Record<string, unknown> = {}) => encodeSseEvent(type, { type, ...fields });
const start = (usage: Record<string, number>) =>
  ev('message_start', {
    message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-served', content: [], usage },
  });
const text = (index: number, ...texts: string[]) =>
  ev('content_block_start', { index, content_block: { type: 'text', text: '' } }) +
  texts.map((t) => ev('content_block_delta', { index, delta: { type: 'text_delta', text: t } })).join('') +
  ev('content_block_stop', { index });
const tool = (index: number, ...parts: string[]) =>
  ev('content_block_start', {
    index,
    content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
  }) +
  parts
    .map((p) => ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } }))
    .join('') +
  ev('content_block_stop', { index });
const finish = (stop_reason: string, usage: Record<string, number>) =>
  ev('message_delta', { delta: { stop_reason, stop_sequence: null }, usage }) + ev('message_stop');
const PING = ev('ping');

const STREAMS: Record<string, { body: string; cut?: boolean }> = {
  text: {
    body:
      start({ input_tokens: 12, output_tokens: 1, cache_read_input_tokens: 4 }) +
      text(0, 'Hello', ' wörld "quoted"\n', ' 🚀', '') +
      PING +
      finish('end_turn', { output_tokens: 7 }),
  },
  tools: {
    body:
      start({ input_tokens: 30, output_tokens: 1 }) +
      text(0, 'Let me look.') +
      tool(1, '{"city":', '"Paris"}') +
      tool(2, '') +
      finish('tool_use', { output_tokens: 21, input_tokens: 31 }),
  },
  error: {
    body:
      start({ input_tokens: 5, output_tokens: 1 }) +
      text(0, 'a', 'b', 'c') +
      ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
  },
  errorWithoutType: { body: start({ input_tokens: 5, output_tokens: 1 }) + ev('error', { error: 'x' }) },
  crlf: {
    body: (
      start({ input_tokens: 2, output_tokens: 1 }) +
      text(0, 'x', 'y') +
      finish('end_turn', { output_tokens: 3 })
    ).replaceAll('\n', '\r\n'),
  },
  // Cut before message_delta: the deltas counted are the output floor; the relay writes an error.
  cut: { body: start({ input_tokens: 9, output_tokens: 1 }) + text(0, 'one', 'two', 'three'), cut: true },
  noFinalNewline: {
    body: (
      start({ input_tokens: 2, output_tokens: 1 }) +
      text(0, 'x') +
      finish('max_tokens', { output_tokens: 2 })
    ).slice(0, -2),
  },
};

function chunksOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % bytes.length))].filter((c) => c > 0).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of [...at, bytes.length]) {
    chunks.push(bytes.subarray(from, cut));
    from = cut;
  }
  return chunks;
}

const context: ChatAnswerContext = {
  requestId: 'req_1',
  model: 'asked',
  stream: true,
  includeUsage: true,
  created: 1_700_000_000,
};

async function run(chunks: Buffer[], cut: boolean, fused: boolean) {
  const inner = new RecordingSink();
  const sink = fused ? new ChatCompletionsSink(inner, context) : new UnfusedSink(inner, context);
  const body = (async function* () {
    yield* chunks;
    if (cut) throw new UpstreamTransportError('reset', 'The upstream dropped.');
  })();
  const summary: CallSummary = { ...newCallSummary('asked'), attempts: 1 };
  const call = {
    requestId: 'req_1',
    request: { model: 'asked', messages: [], stream: true },
    startedAt: 0,
  } as unknown as MessagesCall;
  const response = { status: 200, headers: { 'content-type': 'text/event-stream' }, body };
  const outcome = await relay(response, call, sink, summary);
  return {
    outcome,
    summary: { usage: summary.usage, model: summary.model, errorType: summary.errorType },
    out: inner.body,
  };
}

function meterOf(chunks: Buffer[]) {
  const meter = new StreamUsageMeter();
  for (const chunk of chunks) if (!meter.completed) meter.push(chunk);
  meter.end();
  return { usage: meter.usage, model: meter.model, errorType: meter.errorType, completed: meter.completed };
}

describe('the Chat Completions sink metering the stream it translates', () => {
  for (const [name, stream] of Object.entries(STREAMS)) {
    it(`records and sends what the unfused path does: ${name}, any split`, async () => {
      const bytes = Buffer.from(stream.body);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat(), { maxLength: 30 }), async (cuts) => {
          const chunks = chunksOf(bytes, cuts);
          const fused = await run(chunks, stream.cut === true, true);
          const unfused = await run(chunks, stream.cut === true, false);
          expect(fused).toEqual(unfused);
          const meter = meterOf(chunks);
          expect(fused.summary.usage).toEqual(meter.usage);
          expect(fused.summary.model).toBe(meter.model ?? 'asked');
          if (!stream.cut) expect(fused.summary.errorType).toBe(meter.errorType);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('meters what matters: usage, model, error type, output floor', async () => {
    const tools = await run([Buffer.from(STREAMS['tools']!.body)], false, true);
    expect(tools.summary).toEqual({
      usage: { inputTokens: 31, outputTokens: 21, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
      model: 'claude-served',
      errorType: undefined,
    });
    expect(tools.out).toContain('"tool_calls":[{"index":0,"id":"toolu_1"');
    const error = await run([Buffer.from(STREAMS['error']!.body)], false, true);
    expect(error.summary.errorType).toBe('overloaded_error');
    expect(error.outcome).toEqual({ kind: 'unavailable', reason: 'stream error overloaded_error' });
    const cut = await run([Buffer.from(STREAMS['cut']!.body)], true, true);
    expect(cut.summary.usage.outputTokens).toBe(3);
    expect(cut.summary.errorType).toBe('api_error');
    expect(cut.out).toContain('"error"');
  });
});
