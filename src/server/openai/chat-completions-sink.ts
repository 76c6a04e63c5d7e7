import type { ResponseSink } from '../../gateway/call.js';
import { upstreamErrorBodySchema } from '../../protocols/anthropic/messages-schema.js';
import { StreamUsageMeter, type StreamMeter } from '../../protocols/anthropic/usage.js';
import {
  anthropicMessageSchema,
  chunksFromCompletion,
  completionFromMessage,
} from '../../protocols/openai/anthropic-to-openai.js';
import { ChatStreamTranslator } from '../../protocols/openai/stream-translator.js';
import type { ErrorReply } from '../error-handler.js';
import { openAiReplyFrom } from './openai-error-reply.js';

export interface ChatAnswerContext {
  requestId: string;
  /** The model asked for, until the answer names the one that served it. */
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** Unix seconds. */
  created: number;
}

const SSE_TYPE = 'text/event-stream';
const PASSED_HEADERS = ['request-id', 'retry-after', 'x-should-retry', 'x-switchyard-model'];

/**
 * A ResponseSink that speaks OpenAI to the client while the pipeline speaks Anthropic to it. The
 * pipeline, scheduler, failover, ledger and metrics run unchanged: they see Anthropic bytes going
 * out and read usage from them as usual.
 *
 * An SSE answer (including the early 200 with pings) is translated chunk by chunk. A whole answer
 * (a JSON message or an upstream error) is collected until `end`, then sent translated with its
 * status; the relay always calls `start` and `end` back to back for those.
 */
export class ChatCompletionsSink implements ResponseSink {
  headersSent = false;
  private translator: ChatStreamTranslator | undefined;
  private whole: { status: number; headers: Record<string, string>; chunks: Buffer[] } | undefined;
  private metered: TranslatingMeter | undefined;

  constructor(
    private readonly inner: ResponseSink,
    private readonly context: ChatAnswerContext,
  ) {}

  get closed(): boolean {
    return this.inner.closed;
  }

  onClose(listener: () => void): void {
    this.inner.onClose(listener);
  }

  start(status: number, headers: Record<string, string>): void {
    this.headersSent = true;
    if ((headers['content-type'] ?? '').startsWith(SSE_TYPE)) {
      this.translator = new ChatStreamTranslator(this.context);
      this.inner.start(status, withRequestId(headers));
    } else {
      this.whole = { status, headers, chunks: [] };
    }
  }

  /** The translator meters the stream for the relay: the SSE is parsed once, not twice. */
  streamMeter(): StreamMeter {
    if (!this.translator) return new StreamUsageMeter();
    this.metered = new TranslatingMeter(this.translator);
    return this.metered;
  }

  write(chunk: Buffer | string): Promise<void> | undefined {
    if (this.translator) {
      const out = this.metered ? this.metered.translated(chunk) : this.translator.push(chunk);
      return out === '' ? undefined : this.inner.write(out);
    }
    this.whole?.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return undefined;
  }

  end(chunk?: Buffer | string): void {
    if (this.translator) {
      let out: string;
      if (this.metered) out = this.metered.translated(chunk);
      else out = chunk === undefined ? '' : this.translator.push(chunk);
      out += this.translator.end();
      this.inner.end(out === '' ? undefined : out);
      return;
    }
    if (!this.whole) {
      this.inner.end();
      return;
    }
    if (chunk !== undefined) this.whole.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    const reply = this.translateWhole(
      this.whole.status,
      this.whole.headers,
      Buffer.concat(this.whole.chunks),
    );
    this.inner.start(reply.status, reply.headers);
    this.inner.end(reply.body);
  }

  private translateWhole(status: number, upstreamHeaders: Record<string, string>, body: Buffer): ErrorReply {
    const headers: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const value = upstreamHeaders[name];
      if (value !== undefined) headers[name] = value;
    }
    const json = parseJson(body);
    if (status >= 400 || status < 200) {
      const parsed = upstreamErrorBodySchema.safeParse(json);
      const type = parsed.success ? parsed.data.error.type : 'api_error';
      const message =
        (parsed.success ? parsed.data.error.message : undefined) ?? `The upstream answered HTTP ${status}.`;
      return openAiReplyFrom(type, message, status, { ...headers, 'content-type': JSON_TYPE });
    }
    const message = anthropicMessageSchema.safeParse(json);
    if (!message.success) {
      return openAiReplyFrom('api_error', 'The upstream answer could not be read.', 502, {
        ...headers,
        'content-type': JSON_TYPE,
      });
    }
    const completion = completionFromMessage(message.data, this.context);
    if (this.context.stream) {
      return {
        status,
        headers: withRequestId({
          ...headers,
          'content-type': `${SSE_TYPE}; charset=utf-8`,
          'cache-control': 'no-cache',
        }),
        body: chunksFromCompletion(completion, this.context.includeUsage),
      };
    }
    return {
      status,
      headers: withRequestId({ ...headers, 'content-type': JSON_TYPE }),
      body: JSON.stringify(completion),
    };
  }
}

/**
 * The relay's meter over the translator: each chunk the relay meters is translated in the same
 * pass, and its output held until the relay writes that chunk object. A chunk that was not metered
 * (an error event the relay writes itself) is translated as it comes.
 */
class TranslatingMeter implements StreamMeter {
  private readonly tally = new StreamUsageMeter();
  private chunk: Buffer | undefined;
  private out = '';

  constructor(private readonly translator: ChatStreamTranslator) {}

  get usage() {
    return this.tally.usage;
  }
  get model() {
    return this.tally.model;
  }
  get completed() {
    return this.tally.completed;
  }
  get errorType() {
    return this.tally.errorType;
  }

  push(chunk: Buffer): void {
    this.out += this.translator.pushMetered(chunk, this.tally);
    this.chunk = chunk;
  }

  end(): void {
    this.out += this.translator.endMetered(this.tally);
    this.chunk = undefined;
  }

  /** What writing `chunk` sends: the held translation when it is the chunk just metered. */
  translated(chunk: Buffer | string | undefined): string {
    const held = this.out;
    this.out = '';
    if (chunk === undefined || chunk === this.chunk) {
      this.chunk = undefined;
      return held;
    }
    return held + this.translator.push(chunk);
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Adds OpenAI's name for the request id to the relay's headers, in place: the relay makes a new
 * object per response, and copying a dozen headers costs microseconds per response.
 */
function withRequestId(headers: Record<string, string>): Record<string, string> {
  const id = headers['request-id'];
  if (id !== undefined) headers['x-request-id'] = id;
  return headers;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
