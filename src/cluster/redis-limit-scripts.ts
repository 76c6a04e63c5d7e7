import { LuaScript } from '../queue/lua-script.js';

/*
 * The limit checks of src/gateway/limits/memory-limit-store.ts, in Redis: the same arithmetic,
 * atomic across every gateway. KEYS are the checks' counters; ARGV is `now, lease, leaseUntil`
 * then three values per check: kind (r requests, t tokens, c concurrency, bu/bt budget in USD or
 * tokens), limit, and the period's reset time (budgets). Numbers travel back as strings: Redis
 * truncates Lua numbers to integers.
 */

const PREAMBLE = `
local MINUTE = 60000
local function refill(key, limit, now)
  local v = redis.call('HMGET', key, 'l', 'a')
  local level = tonumber(v[1]) or limit
  local at = tonumber(v[2]) or now
  return math.min(limit, level + math.max(0, now - at) * limit / MINUTE)
end
local function store(key, level, limit, now)
  redis.call('HSET', key, 'l', tostring(level), 'a', now)
  -- Kept until the bucket is full again (a full bucket and no bucket are the same).
  redis.call('PEXPIRE', key, math.ceil((limit - level) * MINUTE / limit) + 1000)
end
`;

export const TAKE = new LuaScript(`${PREAMBLE}
local now = tonumber(ARGV[1])
local lease = ARGV[2]
local leaseUntil = tonumber(ARGV[3])
local remaining = {}
local unseeded = {}
for i = 1, #KEYS do
  local kind = ARGV[3 * i + 1]
  local limit = tonumber(ARGV[3 * i + 2])
  local key = KEYS[i]
  if kind == 'r' or kind == 't' then
    local level = refill(key, limit, now)
    local needed = 1
    if kind == 't' then needed = 0 end
    if level < needed or (kind == 't' and level <= 0) then
      return {0, i - 1, tostring(math.max(1, math.ceil((needed - level) * MINUTE / limit)))}
    end
    if kind == 'r' then remaining[i] = level - 1 else remaining[i] = level end
  elseif kind == 'c' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    local held = redis.call('ZCARD', key)
    if held >= limit then return {0, i - 1, '1000'} end
    remaining[i] = limit - held - 1
  else
    local spent = redis.call('GET', key)
    if not spent then
      table.insert(unseeded, i - 1)
      remaining[i] = 0
    elseif tonumber(spent) >= limit then
      return {0, i - 1, tostring(tonumber(ARGV[3 * i + 3]) - now)}
    else
      remaining[i] = limit - tonumber(spent)
    end
  end
end
if #unseeded > 0 then return {2, unpack(unseeded)} end
local out = {1}
for i = 1, #KEYS do
  local kind = ARGV[3 * i + 1]
  local limit = tonumber(ARGV[3 * i + 2])
  if kind == 'r' or kind == 't' then
    store(KEYS[i], remaining[i], limit, now)
  elseif kind == 'c' then
    redis.call('ZADD', KEYS[i], leaseUntil, lease)
    redis.call('PEXPIRE', KEYS[i], math.max(1000, leaseUntil - now + 1000))
  end
  out[i + 1] = tostring(remaining[i])
end
return out
`);

/** ARGV: `now, lease, tokens, usd`, then the same three values per check as TAKE. */
export const SETTLE = new LuaScript(`${PREAMBLE}
local now = tonumber(ARGV[1])
local lease = ARGV[2]
local tokens = tonumber(ARGV[3])
local usd = ARGV[4]
for i = 1, #KEYS do
  local kind = ARGV[3 * i + 2]
  local limit = tonumber(ARGV[3 * i + 3])
  local key = KEYS[i]
  if kind == 'c' then
    redis.call('ZREM', key, lease)
  elseif kind == 't' and tokens > 0 then
    store(key, refill(key, limit, now) - tokens, limit, now)
  elseif kind == 'bu' and redis.call('EXISTS', key) == 1 then
    redis.call('INCRBYFLOAT', key, usd)
  elseif kind == 'bt' and redis.call('EXISTS', key) == 1 then
    redis.call('INCRBY', key, tokens)
  end
end
return 1
`);
