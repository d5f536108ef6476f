-- One publication, atomically: number it, keep it in history, remember its key, fan it out.
-- KEYS[1] state hash {epoch, offset}   KEYS[2] history stream   KEYS[3] idempotency key (only with a key)
-- ARGV[1] channel   ARGV[2] envelope prefix (JSON object, open: no closing brace)
-- ARGV[3] excluded client as a JSON string, or ''   ARGV[4] history size   ARGV[5] history ttl ms
-- ARGV[6] state ttl ms   ARGV[7] idempotency window ms   ARGV[8] the epoch to use if the topic has none
-- Returns {0, epoch, offset, time} for a new publication, {1, epoch, offset} for a duplicate.
-- Every check comes before the first write: a script that fails midway keeps what it wrote.
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if KEYS[3] then
  local seen = redis.call('GET', KEYS[3])
  if seen then
    local sep = string.find(seen, ':', 1, true)
    return {1, string.sub(seen, 1, sep - 1), tonumber(string.sub(seen, sep + 1))}
  end
end
if not epoch then
  -- A new epoch: whatever history is left belongs to a lost one.
  epoch = ARGV[8]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'offset', 0)
end
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
local tail = ',"epoch":"' .. epoch .. '","offset":' .. offset .. ',"time":' .. now .. '}'
local stored = ARGV[2] .. tail
local size = tonumber(ARGV[4])
local historyTtl = tonumber(ARGV[5])
if size > 0 and historyTtl > 0 then
  redis.call('XADD', KEYS[2], 'MAXLEN', size, '0-' .. offset, 'p', stored)
  redis.call('PEXPIRE', KEYS[2], historyTtl)
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
if KEYS[3] then
  redis.call('SET', KEYS[3], epoch .. ':' .. offset, 'PX', ARGV[7])
end
if ARGV[3] == '' then
  redis.call('PUBLISH', ARGV[1], stored)
else
  redis.call('PUBLISH', ARGV[1], ARGV[2] .. ',"excludedClient":' .. ARGV[3] .. tail)
end
return {0, epoch, offset, now}
