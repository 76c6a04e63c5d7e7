import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LuaScript } from '../queue/lua-script.js';
import type { RedisKeys } from '../queue/redis-keys.js';
import {
  statusOf,
  type HeartbeatReply,
  type WorkerAnnouncement,
  type WorkerRecord,
  type WorkerRegistry,
  type WorkerRegistryTiming,
} from './worker-registry.js';
import { compareOrdinal } from '../ordinal-compare.js';

/** Redis server time in ms: every gateway and worker judges liveness by the same clock. */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** Returns 1 when an admin drained the worker: the heartbeat is how the worker hears it. */
const HEARTBEAT = new LuaScript(`${NOW}
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSETNX', KEYS[3], ARGV[1], now)
redis.call('ZADD', KEYS[1], now, ARGV[1])
return redis.call('HEXISTS', KEYS[4], ARGV[1])
`);

/**
 * Forgets workers lost for too long; returns now, then id, last seen, record, started and the
 * drain flag for the rest.
 */
const LIST = new LuaScript(`${NOW}
local cutoff = now - tonumber(ARGV[1])
local forgotten = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. cutoff)
for _, id in ipairs(forgotten) do
  redis.call('HDEL', KEYS[2], id); redis.call('HDEL', KEYS[3], id); redis.call('HDEL', KEYS[4], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. cutoff)
local seen = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local out = { tostring(now) }
for i = 1, #seen, 2 do
  local record = redis.call('HGET', KEYS[2], seen[i])
  local started = redis.call('HGET', KEYS[3], seen[i])
  if record and started then
    table.insert(out, seen[i]); table.insert(out, seen[i + 1]); table.insert(out, record)
    table.insert(out, started); table.insert(out, tostring(redis.call('HEXISTS', KEYS[4], seen[i])))
  end
end
return out
`);

/** KEYS: info, drain. ARGV: id, '1' to drain or '0' to undrain. 0 when the worker is not registered. */
const SET_DRAIN = new LuaScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] == '1' then redis.call('HSET', KEYS[2], ARGV[1], '1') else redis.call('HDEL', KEYS[2], ARGV[1]) end
return 1
`);

const recordSchema = z.object({
  id: z.string(),
  host: z.string(),
  accounts: z.array(z.string()),
  capacity: z.number().int().nonnegative(),
  version: z.string(),
  inFlight: z.number().int().nonnegative().optional(),
  state: z.enum(['running', 'draining', 'drained']).optional(),
});

/** Workers in Redis: a sorted set of last heartbeats, a hash of what each registered, one of start times. */
export class RedisWorkerRegistry implements WorkerRegistry {
  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeys,
    private readonly timing: WorkerRegistryTiming,
  ) {}

  async heartbeat(worker: WorkerAnnouncement): Promise<HeartbeatReply> {
    const record = {
      id: worker.id,
      host: worker.host,
      accounts: worker.accounts,
      capacity: worker.capacity,
      version: worker.version,
      ...(worker.inFlight === undefined ? {} : { inFlight: worker.inFlight }),
      ...(worker.state === undefined ? {} : { state: worker.state }),
    };
    const drain = await HEARTBEAT.run(this.client, this.registryKeys(), [worker.id, JSON.stringify(record)]);
    return { drain: Number(drain) === 1 };
  }

  async deregister(id: string): Promise<void> {
    await this.client
      .multi()
      .zrem(this.keys.workersSeen, id)
      .hdel(this.keys.workersInfo, id)
      .hdel(this.keys.workersStarted, id)
      .hdel(this.keys.workersDrain, id)
      .exec();
  }

  async setDrain(id: string, drain: boolean): Promise<boolean> {
    const found = await SET_DRAIN.run(
      this.client,
      [this.keys.workersInfo, this.keys.workersDrain],
      [id, drain ? '1' : '0'],
    );
    return Number(found) === 1;
  }

  private registryKeys(): string[] {
    return [this.keys.workersSeen, this.keys.workersInfo, this.keys.workersStarted, this.keys.workersDrain];
  }

  async list(): Promise<WorkerRecord[]> {
    const reply = (await LIST.run(this.client, this.registryKeys(), [this.timing.forgetAfterMs])) as string[];
    const now = Number(reply[0]);
    const records: WorkerRecord[] = [];
    for (let i = 1; i + 4 < reply.length; i += 5) {
      const lastSeenAt = Number(reply[i + 1]);
      const parsed = recordSchema.safeParse(safeJson(reply[i + 2]));
      if (!parsed.success || parsed.data.id !== reply[i]) continue;
      records.push({
        ...parsed.data,
        status: statusOf(lastSeenAt, now, this.timing),
        startedAt: Number(reply[i + 3]),
        lastSeenAt,
        drain: reply[i + 4] === '1',
      });
    }
    return records.sort((a, b) => compareOrdinal(a.id, b.id));
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
