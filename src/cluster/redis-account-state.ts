import type { Redis } from 'ioredis';
import type {
  ClaimRequest,
  ClaimResult,
  SharedAccountState,
  SharedCooldown,
} from '../gateway/scheduler/shared-account-state.js';
import { QueueUnavailableError } from '../queue/queue-unavailable-error.js';
import { connectRedis, type RedisEndpoint } from '../queue/redis-connection.js';
import { CLAIM, DEPTH, RELEASE, RENEW } from './redis-account-scripts.js';

export interface RedisAccountStateOptions {
  /**
   * How long a lease lives without renewal. Held leases are renewed every third of it, so a
   * gateway that dies frees its slots within this time, however long its requests were to run.
   */
  leaseTtlMs?: number;
  /** Who this gateway is on the capacity channel (its own releases have woken it already). */
  origin?: string;
  /** Reports failures that are not the caller's to handle (a release, a renewal). */
  warn?: (message: string, error: unknown) => void;
}

const DEFAULT_LEASE_TTL_MS = 30_000;
/** /metrics reads the depth synchronously; it is re-read from Redis at most this often. */
const DEPTH_REFRESH_MS = 1_000;

/**
 * The scheduler's shared account state in Redis (key layout in
 * docs/decisions/2026-12-02-shared-scheduling-state.md): one script per claim, one per release,
 * both on the gateway's fail-fast command connection; lease renewal is one script per gateway
 * every leaseTtl/3 for all its leases, whatever their number.
 */
export class RedisAccountState implements SharedAccountState {
  private readonly leaseTtlMs: number;
  private readonly origin: string;
  /** Lease id → leases key, for renewal. */
  private readonly held = new Map<string, string>();
  private renewTimer: NodeJS.Timeout | undefined;
  private subscriber: Redis | undefined;
  private depthValue = 0;
  private depthReadAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly url: RedisEndpoint,
    private readonly options: RedisAccountStateOptions = {},
  ) {
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.origin = options.origin ?? `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const keys = [this.waitKey, this.stickyKey(request.conversationKey ?? '')];
    const args: Array<string | number> = [
      request.leaseId,
      this.leaseTtlMs,
      request.stickyTtlMs,
      request.waiterId,
      Math.max(0, Math.floor(request.waitMs)),
      request.maxDepth,
      request.conversationKey === undefined ? '0' : '1',
    ];
    for (const c of request.candidates) {
      keys.push(this.leasesKey(c.id), this.coolKey(c.id));
      args.push(c.id, c.maxConcurrency, c.priority, Math.max(1, c.weight));
    }
    let reply: unknown[];
    try {
      reply = (await CLAIM.run(this.redis, keys, args)) as unknown[];
    } catch (error) {
      throw new QueueUnavailableError(error);
    }
    if (reply[0] === 1) {
      const accountId = String(reply[1]);
      this.held.set(request.leaseId, this.leasesKey(accountId));
      this.startRenewing();
      return { kind: 'claimed', accountId, stickyHit: reply[2] === 1 };
    }
    const depth = Number(reply[1]);
    this.depthValue = depth;
    this.depthReadAt = Date.now();
    const cooling: SharedCooldown[] = [];
    for (let i = 2; i + 2 < reply.length; i += 3) {
      cooling.push({ id: String(reply[i]), remainingMs: Number(reply[i + 1]), reason: String(reply[i + 2]) });
    }
    return reply[0] === 2 ? { kind: 'full', cooling, depth } : { kind: 'busy', cooling };
  }

  async release(
    accountId: string,
    leaseId: string,
    cooldown?: { untilMs: number; reason: string },
  ): Promise<void> {
    this.held.delete(leaseId);
    const coolMs = cooldown === undefined ? 0 : Math.max(0, Math.ceil(cooldown.untilMs - Date.now()));
    try {
      await RELEASE.run(
        this.redis,
        [this.leasesKey(accountId), this.coolKey(accountId), this.waitKey],
        [leaseId, coolMs, cooldown?.reason ?? '', this.channel, this.origin],
      );
    } catch (error) {
      this.options.warn?.('could not release an account lease (it expires by itself)', error);
    }
  }

  leave(waiterId: string): void {
    this.redis.zrem(this.waitKey, waiterId).catch(() => {
      // The entry expires at the end of its wait anyway.
    });
  }

  /** Requests waiting cluster-wide, as last read (re-read in the background when old). */
  depth(): number {
    const now = Date.now();
    if (now - this.depthReadAt >= DEPTH_REFRESH_MS) {
      this.depthReadAt = now;
      DEPTH.run(this.redis, [this.waitKey], []).then(
        (value) => (this.depthValue = Number(value)),
        () => undefined,
      );
    }
    return this.depthValue;
  }

  /** Calls `listener` when another gateway gives back a slot while requests wait. */
  async subscribe(listener: () => void): Promise<void> {
    if (this.subscriber) throw new Error('already subscribed');
    // A subscribed connection can run nothing else; it resubscribes by itself after a reconnect.
    const subscriber = await connectRedis(this.url, 'blocking', { name: `${this.prefix}-capacity` });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, origin: string) => {
      if (origin !== this.origin) listener();
    });
    await subscriber.subscribe(this.channel);
  }

  close(): void {
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  private startRenewing(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(() => this.renew(), Math.max(10, Math.floor(this.leaseTtlMs / 3)));
    this.renewTimer.unref();
  }

  private renew(): void {
    if (this.held.size === 0) return;
    const ids = [...this.held.keys()];
    RENEW.run(this.redis, [...this.held.values()], [this.leaseTtlMs, ...ids]).catch((error: unknown) =>
      this.options.warn?.('could not renew account leases', error),
    );
  }

  private get waitKey(): string {
    return `${this.prefix}:wait`;
  }

  private get channel(): string {
    return `${this.prefix}:capacity`;
  }

  private leasesKey(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:leases`;
  }

  private coolKey(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:cool`;
  }

  private stickyKey(conversationKey: string): string {
    return `${this.prefix}:sticky:${conversationKey}`;
  }
}
