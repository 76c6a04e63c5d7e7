import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LuaScript } from '../queue/lua-script.js';
import type { RedisKeys } from '../queue/redis-keys.js';
import {
  statusOf,
  type WorkerAnnouncement,
  type WorkerRecord,
  type WorkerRegistry,
  type WorkerRegistryTiming,
} from './worker-registry.js';

/** Redis server time in ms: every gateway and worker judges liveness by the same clock. */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

const HEARTBEAT = new LuaScript(`${NOW}
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSETNX', KEYS[3], ARGV[1], now)
redis.call('ZADD', KEYS[1], now, ARGV[1])
return now
`);

/** Forgets workers lost for too long; returns now, then id, last seen, record, started for the rest. */
const LIST = new LuaScript(`${NOW}
local cutoff = now - tonumber(ARGV[1])
local forgotten = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. cutoff)
for _, id in ipairs(forgotten) do redis.call('HDEL', KEYS[2], id); redis.call('HDEL', KEYS[3], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. cutoff)
local seen = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local out = { tostring(now) }
for i = 1, #seen, 2 do
  local record = redis.call('HGET', KEYS[2], seen[i])
  local started = redis.call('HGET', KEYS[3], seen[i])
  if record and started then
    table.insert(out, seen[i]); table.insert(out, seen[i + 1]); table.insert(out, record)
    table.insert(out, started)
  end
end
return out
`);

const recordSchema = z.object({
  id: z.string(),
  host: z.string(),
  accounts: z.array(z.string()),
  capacity: z.number().int().nonnegative(),
  version: z.string(),
});

/** Workers in Redis: a sorted set of last heartbeats, a hash of what each registered, one of start times. */
export class RedisWorkerRegistry implements WorkerRegistry {
  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeys,
    private readonly timing: WorkerRegistryTiming,
  ) {}

  async heartbeat(worker: WorkerAnnouncement): Promise<void> {
    const record = {
      id: worker.id,
      host: worker.host,
      accounts: worker.accounts,
      capacity: worker.capacity,
      version: worker.version,
    };
    await HEARTBEAT.run(this.client, this.registryKeys(), [worker.id, JSON.stringify(record)]);
  }

  async deregister(id: string): Promise<void> {
    await this.client
      .multi()
      .zrem(this.keys.workersSeen, id)
      .hdel(this.keys.workersInfo, id)
      .hdel(this.keys.workersStarted, id)
      .exec();
  }

  private registryKeys(): string[] {
    return [this.keys.workersSeen, this.keys.workersInfo, this.keys.workersStarted];
  }

  async list(): Promise<WorkerRecord[]> {
    const reply = (await LIST.run(this.client, this.registryKeys(), [this.timing.forgetAfterMs])) as string[];
    const now = Number(reply[0]);
    const records: WorkerRecord[] = [];
    for (let i = 1; i + 3 < reply.length; i += 4) {
      const lastSeenAt = Number(reply[i + 1]);
      const parsed = recordSchema.safeParse(safeJson(reply[i + 2]));
      if (!parsed.success || parsed.data.id !== reply[i]) continue;
      records.push({
        ...parsed.data,
        status: statusOf(lastSeenAt, now, this.timing),
        startedAt: Number(reply[i + 3]),
        lastSeenAt,
      });
    }
    return records.sort((a, b) => a.id.localeCompare(b.id));
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
