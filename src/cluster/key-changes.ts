import type { Redis } from 'ioredis';
import { connectRedis, type RedisEndpoint } from '../queue/redis-connection.js';

/**
 * Every gateway caches API keys for a few seconds. When an admin revokes or changes a key on one
 * gateway, this channel tells the others to drop their copy at once, so revocation is immediate
 * everywhere rather than within the cache's lifetime.
 */
export interface KeyChangeFeed {
  publish(apiKeyId: string): Promise<void>;
  subscribe(listener: (apiKeyId: string) => void): Promise<void>;
  close(): void;
}

export class RedisKeyChanges implements KeyChangeFeed {
  private subscriber: Redis | undefined;

  constructor(
    private readonly publisher: Redis,
    private readonly url: RedisEndpoint,
    private readonly channel: string,
  ) {}

  async publish(apiKeyId: string): Promise<void> {
    await this.publisher.publish(this.channel, apiKeyId);
  }

  async subscribe(listener: (apiKeyId: string) => void): Promise<void> {
    if (this.subscriber) throw new Error('already subscribed');
    // A subscribed connection can run nothing else; it resubscribes by itself after a reconnect.
    const subscriber = await connectRedis(this.url, 'blocking', { name: `${this.channel}-sub` });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, apiKeyId: string) => listener(apiKeyId));
    await subscriber.subscribe(this.channel);
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}
