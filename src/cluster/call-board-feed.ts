/**
 * The admin queue page's view across gateways (docs/admin-operations.md). Each gateway keeps its
 * own CallBoard; nothing is written to Redis while nobody looks. When an admin asks, one gateway
 * publishes on `<p>:board:ask` with a reply key; PUBLISH says how many gateways heard it, each
 * pushes its snapshot onto the reply list, and the asker reads them. A cancel is one PUBLISH on
 * `<p>:board:cancel`: the gateway serving the request aborts it.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CallBoard, CallSnapshot } from '../gateway/call-board.js';
import { QueueUnavailableError } from '../queue/queue-unavailable-error.js';

export interface GatewayCalls {
  gateway: string;
  calls: CallSnapshot[];
}

export interface CallBoardFeed {
  /** Every gateway's calls; `complete` is false when some did not answer within `timeoutMs`. */
  collect(timeoutMs: number): Promise<{ gateways: GatewayCalls[]; complete: boolean }>;
  /** Cancels the request on whichever gateway serves it. */
  cancel(requestId: string): Promise<void>;
  close(): void;
}

/** Calls listed per gateway at most (a page of the admin queue view, not an export). */
const SNAPSHOT_LIMIT = 1_000;
const POLL_MS = 10;

/** Embedded mode: this process is the only gateway. */
export class LocalCallBoardFeed implements CallBoardFeed {
  constructor(
    private readonly board: CallBoard,
    private readonly gateway: string,
  ) {}

  async collect(): Promise<{ gateways: GatewayCalls[]; complete: boolean }> {
    return {
      gateways: [{ gateway: this.gateway, calls: this.board.snapshot(SNAPSHOT_LIMIT) }],
      complete: true,
    };
  }

  async cancel(requestId: string): Promise<void> {
    this.board.cancel(requestId);
  }

  close(): void {}
}

export class RedisCallBoardFeed implements CallBoardFeed {
  private subscriber: Redis | undefined;

  constructor(
    private readonly board: CallBoard,
    private readonly gateway: string,
    private readonly command: Redis,
    private readonly prefix: string,
  ) {}

  private get askChannel(): string {
    return `${this.prefix}:board:ask`;
  }

  private get cancelChannel(): string {
    return `${this.prefix}:board:cancel`;
  }

  /** Answers other gateways' asks and cancels from now on. */
  async start(subscriber: Redis): Promise<void> {
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.cancelChannel) this.board.cancel(message);
      else if (channel === this.askChannel && message.startsWith(`${this.prefix}:board:reply:`)) {
        const answer: GatewayCalls = { gateway: this.gateway, calls: this.board.snapshot(SNAPSHOT_LIMIT) };
        this.command
          .multi()
          .rpush(message, JSON.stringify(answer))
          .pexpire(message, 30_000)
          .exec()
          .catch(() => undefined); // the asker reports this gateway as not answering
      }
    });
    await subscriber.subscribe(this.askChannel, this.cancelChannel);
  }

  collect(timeoutMs: number): Promise<{ gateways: GatewayCalls[]; complete: boolean }> {
    return unavailableOnError(() => this.ask(timeoutMs));
  }

  private async ask(timeoutMs: number): Promise<{ gateways: GatewayCalls[]; complete: boolean }> {
    const replyKey = `${this.prefix}:board:reply:${randomBytes(8).toString('hex')}`;
    const listeners = await this.command.publish(this.askChannel, replyKey);
    const until = Date.now() + timeoutMs;
    let answered = 0;
    while ((answered = await this.command.llen(replyKey)) < listeners && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const [replies] = await Promise.all([this.command.lrange(replyKey, 0, -1), this.command.del(replyKey)]);
    const gateways: GatewayCalls[] = [];
    for (const reply of replies) {
      const parsed = safeJson(reply);
      if (parsed) gateways.push(parsed);
    }
    return { gateways, complete: answered >= listeners };
  }

  async cancel(requestId: string): Promise<void> {
    await unavailableOnError(() => this.command.publish(this.cancelChannel, requestId));
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}

/** Redis away: the admin hears 503 with retry-after, as clients of the queue path do. */
async function unavailableOnError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new QueueUnavailableError(error);
  }
}

/** Another gateway's snapshot: our own format, but read defensively (a torn or foreign entry is skipped). */
function safeJson(text: string): GatewayCalls | undefined {
  try {
    const value = JSON.parse(text) as Partial<GatewayCalls>;
    return typeof value.gateway === 'string' && Array.isArray(value.calls)
      ? (value as GatewayCalls)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A bare change announcement between gateways (the settings): one channel, the message is the
 * sender, so a gateway skips its own.
 */
export class RedisChangeFeed {
  private subscriber: Redis | undefined;

  constructor(
    private readonly command: Redis,
    private readonly channel: string,
    private readonly origin: string,
  ) {}

  async publish(): Promise<void> {
    await this.command.publish(this.channel, this.origin);
  }

  async start(subscriber: Redis, listener: () => void): Promise<void> {
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, origin: string) => {
      if (channel === this.channel && origin !== this.origin) listener();
    });
    await subscriber.subscribe(this.channel);
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}
