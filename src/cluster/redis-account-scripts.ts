import { LuaScript } from '../queue/lua-script.js';

/*
 * The scheduler's shared state (src/cluster/redis-account-state.ts) as Lua scripts, so that each
 * step is atomic across gateways and costs one round trip. Times are Redis's own clock (TIME), so
 * gateways with skewed clocks agree on which leases and waiters have expired.
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** Keeps a key at least `ms` beyond now without shortening a longer life (another gateway's TTL). */
const KEEP = `
local function keep(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
`;

/**
 * KEYS: wait zset, sticky key, then per candidate its leases zset and its cooldown key.
 * ARGV: lease, leaseTtlMs, stickyTtlMs, waiter, waitMs, maxDepth, hasSticky ('1'/'0'), then per
 * candidate id, max, priority, weight.
 * Returns {1, accountId, stickyHit} | {0 busy | 2 full, depth, then id, remainingMs, reason per
 * cooling candidate}.
 */
export const CLAIM = new LuaScript(`${NOW}${KEEP}
local leaseTtl = tonumber(ARGV[2])
local n = (#KEYS - 2) / 2
local bound = false
if ARGV[7] == '1' then bound = redis.call('GET', KEYS[2]) end
local cooling = {}
local best, bestPriority, bestLoad, sticky = nil, 0, 0, 0
for i = 1, n do
  local id = ARGV[4 + 4 * i]
  local cool = KEYS[2 + 2 * i]
  local left = redis.call('PTTL', cool)
  if left > 0 then
    table.insert(cooling, id)
    table.insert(cooling, left)
    table.insert(cooling, redis.call('GET', cool) or '')
  else
    local leases = KEYS[1 + 2 * i]
    -- Leases of processes that died without giving them back.
    redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
    local held = redis.call('ZCARD', leases)
    if held < tonumber(ARGV[5 + 4 * i]) then
      if id == bound then
        best, sticky = i, 1
        break
      end
      local priority = tonumber(ARGV[6 + 4 * i])
      local load = held / tonumber(ARGV[7 + 4 * i])
      if best == nil or priority < bestPriority or (priority == bestPriority and load < bestLoad) then
        best, bestPriority, bestLoad = i, priority, load
      end
    end
  end
end
local wait = KEYS[1]
local waiter = ARGV[4]
if best then
  local leases = KEYS[1 + 2 * best]
  local id = ARGV[4 + 4 * best]
  redis.call('ZADD', leases, now + leaseTtl, ARGV[1])
  keep(leases, leaseTtl + 1000)
  if ARGV[7] == '1' then redis.call('SET', KEYS[2], id, 'PX', ARGV[3]) end
  redis.call('ZREM', wait, waiter)
  return {1, id, sticky}
end
redis.call('ZREMRANGEBYSCORE', wait, '-inf', now)
local depth = redis.call('ZCARD', wait)
local waitMs = tonumber(ARGV[5])
local status = 0
if waitMs > 0 then
  local waiting = redis.call('ZSCORE', wait, waiter)
  if waiting or depth < tonumber(ARGV[6]) then
    if not waiting then depth = depth + 1 end
    redis.call('ZADD', wait, now + waitMs, waiter)
    keep(wait, waitMs + 1000)
  else
    status = 2
  end
end
return {status, depth, unpack(cooling)}
`);

/**
 * KEYS: leases zset, cooldown key, wait zset. ARGV: lease, cooldownMs (0: none), reason, channel,
 * origin. Publishes on the channel only when someone waits: releases cost nothing extra otherwise.
 */
export const RELEASE = new LuaScript(`${NOW}
redis.call('ZREM', KEYS[1], ARGV[1])
local coolMs = tonumber(ARGV[2])
-- A longer cooldown already in force is never shortened (PTTL is -2 when there is none).
if coolMs > 0 and redis.call('PTTL', KEYS[2]) < coolMs then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', coolMs)
end
if redis.call('ZCOUNT', KEYS[3], now, '+inf') > 0 then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return 1
`);

/**
 * KEYS: one leases zset per lease held. ARGV: leaseTtlMs, then the lease ids. A lease reclaimed
 * while its gateway was frozen is added back: the request it counts is still in flight.
 */
export const RENEW = new LuaScript(`${NOW}${KEEP}
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now + ttl, ARGV[i + 1])
  keep(KEYS[i], ttl + 1000)
end
return #KEYS
`);

/** KEYS: wait zset. Returns how many requests wait, cluster-wide. */
export const DEPTH = new LuaScript(`${NOW}
return redis.call('ZCOUNT', KEYS[1], now, '+inf')
`);
