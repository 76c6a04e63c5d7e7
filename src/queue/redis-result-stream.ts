import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script.js';
import { QueueUnavailableError } from './queue-unavailable-error.js';
import type { RedisKeys } from './redis-keys.js';
import { RedisStreamHub, parseEntries, type RawStreamEntry } from './redis-stream-hub.js';
import {
  ResultStreamConflictError,
  ResultStreamTruncatedError,
  type ResultEntry,
  type ResultRead,
  type ResultStream,
  type ResultStreamLimits,
  type StoredResultEntry,
} from './result-stream.js';

/**
 * Appends entries with ids `<seq>-0`, trimming to MAXLEN and refreshing the TTL, in one round trip.
 * The first XADD fails when the stream's top id is already >= seq: another writer got there first.
 */
const APPEND = new LuaScript(`
local seq = tonumber(ARGV[1])
local count = (#ARGV - 3) / 2
for i = 0, count - 1 do
  local ok = redis.pcall('XADD', KEYS[1], 'MAXLEN', ARGV[2], (seq + i) .. '-0',
    'k', ARGV[4 + 2 * i], 'd', ARGV[5 + 2 * i])
  if type(ok) == 'table' and ok.err then
    if i == 0 then return 0 end
    return redis.error_reply(ok.err)
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`);

/** Result streams as Redis Streams; live reads share one blocking connection per process. */
export class RedisResultStream implements ResultStream {
  private readonly hub: RedisStreamHub;

  constructor(
    private readonly command: Redis,
    blocking: Redis,
    private readonly keys: RedisKeys,
    private readonly limits: ResultStreamLimits,
  ) {
    this.hub = new RedisStreamHub(command, blocking);
  }

  async append(streamId: string, firstSeq: number, entries: readonly ResultEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const args: (string | number | Buffer)[] = [firstSeq, this.limits.maxEntries, this.limits.ttlMs];
    for (const entry of entries) args.push(entry.kind, entry.data);
    const written = await this.guard(() => APPEND.run(this.command, [this.keys.result(streamId)], args));
    if (written === 0) throw new ResultStreamConflictError(streamId);
  }

  async read(
    streamId: string,
    afterSeq: number,
    options: { count?: number; blockMs?: number } = {},
  ): Promise<ResultRead> {
    const key = this.keys.result(streamId);
    const count = options.count ?? 1000;
    const range = async () =>
      parseEntries(
        await this.guard<RawStreamEntry[]>(() =>
          this.command.xrangeBuffer(key, `${afterSeq + 1}-0`, '+', 'COUNT', count),
        ),
      );
    let entries = await range();
    if (entries.length === 0 && options.blockMs) {
      try {
        entries = (await this.hub.readOnce(key, afterSeq, options.blockMs)).slice(0, count);
      } catch (error) {
        if (!(error instanceof ResultStreamTruncatedError)) throw error;
        entries = await range();
      }
    }
    return { entries, truncated: entries.length > 0 && entries[0]!.seq > afterSeq + 1 };
  }

  follow(streamId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<StoredResultEntry> {
    return this.hub.follow(this.keys.result(streamId), streamId, afterSeq, signal);
  }

  async ttl(streamId: string): Promise<number | undefined> {
    const ms = await this.guard(() => this.command.pttl(this.keys.result(streamId)));
    return ms >= 0 ? ms : undefined;
  }

  async delete(streamId: string): Promise<void> {
    await this.guard(() => this.command.del(this.keys.result(streamId)));
  }

  async close(): Promise<void> {
    await this.hub.close();
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw isConnectionError(error) ? new QueueUnavailableError(error) : error;
    }
  }
}

/**
 * ioredis's errors for "not connected" (offline queue off) and a connection lost mid-command, and
 * Redis's own during a failover: a demoted master refusing writes (READONLY), a replica without
 * its master or still loading, every sentinel unreachable.
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /enableOfflineQueue|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|sentinels are unreachable/.test(
      error.message,
    ) ||
    /^(READONLY|MASTERDOWN|LOADING|TRYAGAIN)\b/.test(error.message)
  );
}
