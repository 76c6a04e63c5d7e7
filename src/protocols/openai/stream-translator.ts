/**
 * Anthropic SSE bytes → OpenAI chat.completion.chunk lines, incrementally. Chunks may split
 * anywhere (inside an event, inside a UTF-8 character): the SSE parser buffers, so any split of
 * the same bytes gives the same output. Every output is a complete `data: …\n\n` line.
 */
import { z } from 'zod';
import { SseParser } from '../anthropic/sse.js';
import {
  emptyUsage,
  mergeWireUsage,
  parseJson,
  type StreamUsageMeter,
  type TokenUsage,
} from '../anthropic/usage.js';
import { tokenUsageOf } from './anthropic-to-openai.js';
import {
  chatUsageOf,
  completionIdOf,
  finishReasonOf,
  type ChatCompletionChunk,
  type ChunkDelta,
  type FinishReason,
} from './chat-response.js';
import { openAiErrorOf } from './errors.js';
import { readMessageDelta, readMessageStart } from './stream-event-check.js';
import { textDeltaLiteral } from './text-delta.js';

const blockStart = z.looseObject({
  index: z.number().int(),
  content_block: z.looseObject({
    type: z.string(),
    id: z.string().optional(),
    name: z.string().optional(),
    text: z.string().optional(),
  }),
});
const blockDelta = z.looseObject({
  index: z.number().int(),
  delta: z.looseObject({
    type: z.string(),
    text: z.string().optional(),
    partial_json: z.string().optional(),
  }),
});
const errorEvent = z.looseObject({
  error: z.looseObject({ type: z.string(), message: z.string().optional() }),
});

const EVENTS = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'message_delta',
  'message_stop',
  'error',
  'ping',
]);

export const DONE_LINE = 'data: [DONE]\n\n';
const TEXT_TAIL = '},"finish_reason":null,"logprobs":null}]}\n\n';
const TEXT_TAIL_WITH_USAGE = '},"finish_reason":null,"logprobs":null}],"usage":null}\n\n';
/** SSE comment: keeps idle connections open; OpenAI clients skip comments. */
export const KEEPALIVE_LINE = ': ping\n\n';

export interface StreamTranslatorOptions {
  /** Unix seconds, the same for every chunk. */
  created: number;
  /** stream_options.include_usage: a last chunk with usage and no choices. */
  includeUsage: boolean;
  /** The id's suffix and the model until message_start tells. */
  requestId: string;
  model: string;
}

export class ChatStreamTranslator {
  private readonly parser = new SseParser(EVENTS, ({ event, data }) => this.onEvent(event, data));
  private out = '';
  private id: string;
  private model: string;
  private usage: TokenUsage = emptyUsage();
  /** Anthropic content block index → OpenAI tool_calls index. */
  private readonly toolIndex = new Map<number, number>();
  private finish: FinishReason | null = null;
  /** The text every chunk begins with, up to its delta; made again when message_start names id and model. */
  private head: string | undefined;
  /** message_stop or an error was translated: nothing more is sent. */
  done = false;
  /** Set while a metered push runs: the events go to it as well, parsed once for both. */
  private meter: StreamUsageMeter | undefined;

  constructor(private readonly options: StreamTranslatorOptions) {
    this.id = completionIdOf(undefined, options.requestId);
    this.model = options.model;
  }

  /** The lines these bytes complete ('' when they complete none). */
  push(chunk: Buffer | string): string {
    this.parser.push(chunk);
    return this.take();
  }

  end(): string {
    this.parser.end();
    return this.take();
  }

  /**
   * As push, and `meter` reads the same events (what it would read from the same bytes): the
   * relay's usage meter without a second SSE parse.
   */
  pushMetered(chunk: Buffer | string, meter: StreamUsageMeter): string {
    this.meter = meter;
    try {
      this.parser.push(chunk);
    } finally {
      this.meter = undefined;
    }
    return this.take();
  }

  /** As end, metered (see pushMetered). */
  endMetered(meter: StreamUsageMeter): string {
    this.meter = meter;
    try {
      this.parser.end();
    } finally {
      this.meter = undefined;
    }
    return this.take();
  }

  private take(): string {
    const out = this.out;
    this.out = '';
    return out;
  }

  private onEvent(event: string, data: string): void {
    const meter = this.meter;
    if (event === 'content_block_delta') {
      meter?.observe(event, data); // counted, never read
      if (this.done) return;
      const literal = textDeltaLiteral(data);
      if (literal !== undefined) {
        // An empty text adds nothing to the answer, as on the parsed path.
        if (literal.length > 2) this.emitText(literal);
        return;
      }
      return this.onBlockDelta(parseJson(data));
    }
    if (event === 'ping' || event === 'message_stop') {
      meter?.observe(event, data);
      if (this.done) return;
      if (event === 'ping') this.out += KEEPALIVE_LINE;
      else this.onStop();
      return;
    }
    const json = parseJson(data);
    meter?.observe(event, data, json);
    if (this.done) return;
    switch (event) {
      case 'message_start': {
        const message = readMessageStart(json);
        if (!message) return;
        if (message.id) this.id = completionIdOf(message.id, this.options.requestId);
        if (message.model) this.model = message.model;
        this.head = undefined;
        this.usage = tokenUsageOf(message.usage);
        this.emit({ role: 'assistant', content: '' });
        return;
      }
      case 'content_block_start':
        return this.onBlockStart(json);
      case 'message_delta': {
        const delta = readMessageDelta(json);
        if (!delta) return;
        mergeWireUsage(this.usage, delta.usage);
        this.finish = finishReasonOf(delta.delta?.stop_reason);
        this.emit({}, this.finish);
        return;
      }
      case 'error': {
        const parsed = errorEvent.safeParse(json);
        const type = parsed.success ? parsed.data.error.type : 'api_error';
        const message =
          (parsed.success ? parsed.data.error.message : undefined) ?? 'The upstream stream failed.';
        this.out += `data: ${JSON.stringify(openAiErrorOf(type, message).body)}\n\n`;
        this.done = true;
        return;
      }
    }
  }

  private onStop(): void {
    if (this.finish === null) this.emit({}, 'stop');
    if (this.options.includeUsage) this.line({ ...this.base(), choices: [], usage: chatUsageOf(this.usage) });
    this.out += DONE_LINE;
    this.done = true;
  }

  private onBlockStart(json: unknown): void {
    const parsed = blockStart.safeParse(json);
    if (!parsed.success) return;
    const block = parsed.data.content_block;
    if (block.type === 'text' && block.text) this.emit({ content: block.text });
    else if (block.type === 'tool_use') {
      const index = this.toolIndex.size;
      this.toolIndex.set(parsed.data.index, index);
      this.emit({
        tool_calls: [
          {
            index,
            id: block.id ?? '',
            type: 'function',
            function: { name: block.name ?? '', arguments: '' },
          },
        ],
      });
    }
  }

  private onBlockDelta(json: unknown): void {
    const parsed = blockDelta.safeParse(json);
    if (!parsed.success) return;
    const { delta, index } = parsed.data;
    if (delta.type === 'text_delta' && delta.text) this.emit({ content: delta.text });
    else if (delta.type === 'input_json_delta' && delta.partial_json) {
      const toolIndex = this.toolIndex.get(index);
      if (toolIndex !== undefined) {
        this.emit({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] });
      }
    }
  }

  private base(): Omit<ChatCompletionChunk, 'choices'> {
    return { id: this.id, object: 'chat.completion.chunk', created: this.options.created, model: this.model };
  }

  /**
   * Writes the chunk `{...base, choices: [{index: 0, delta, finish_reason, logprobs: null}], usage?}`.
   * Only the delta is serialized per chunk; the rest is text made once per message, because a
   * chunk goes out for every token and stringifying the whole object cost more than the rest.
   */
  private emit(delta: ChunkDelta, finishReason: FinishReason | null = null): void {
    this.emitLiteral(JSON.stringify(delta), finishReason);
  }

  /** As emit, with the delta already serialized. */
  private emitLiteral(delta: string, finishReason: FinishReason | null = null): void {
    const finish = finishReason === null ? 'null' : `"${finishReason}"`;
    const tail = this.options.includeUsage ? ',"usage":null}\n\n' : '}\n\n';
    this.out += `${this.chunkHead()}${delta},"finish_reason":${finish},"logprobs":null}]${tail}`;
  }

  /** The chunk of one text delta, given as its JSON string literal: the line of nearly every event. */
  private emitText(literal: string): void {
    const tail = this.options.includeUsage ? TEXT_TAIL_WITH_USAGE : TEXT_TAIL;
    this.out += this.chunkHead() + '{"content":' + literal + tail;
  }

  private chunkHead(): string {
    if (this.head === undefined) {
      const base = JSON.stringify(this.base());
      this.head = `data: ${base.slice(0, -1)},"choices":[{"index":0,"delta":`;
    }
    return this.head;
  }

  private line(chunk: ChatCompletionChunk): void {
    this.out += `data: ${JSON.stringify(chunk)}\n\n`;
  }
}
