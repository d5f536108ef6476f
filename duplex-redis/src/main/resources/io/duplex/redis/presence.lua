-- A node's periodic presence work on one topic, and the presence read: extends the expiry of the members this
-- node owns, removes members whose expiry passed (their node stopped refreshing them: it crashed or lost Redis)
-- with a leave event each, keeps the topic's state alive while the node is interested, and lists the members.
-- KEYS[1] members hash   KEYS[2] expiry sorted set   KEYS[3] state hash
-- ARGV[1] channel   ARGV[2] member ttl ms   ARGV[3] state ttl ms, or '0' not to touch the state
-- ARGV[4] '1' to return the members   ARGV[5] leave event prefix (JSON, open: the member JSON and '}' follow)
-- ARGV[6..] clients this node owns
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local ttl = tonumber(ARGV[2])
for i = 6, #ARGV do
  redis.call('ZADD', KEYS[2], 'XX', now + ttl, ARGV[i])
end
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, client in ipairs(dead) do
  local member = redis.call('HGET', KEYS[1], client)
  redis.call('HDEL', KEYS[1], client)
  redis.call('ZREM', KEYS[2], client)
  if member then
    redis.call('PUBLISH', ARGV[1], ARGV[5] .. member .. '}')
  end
end
if #ARGV >= 6 then
  redis.call('PEXPIRE', KEYS[1], 2 * ttl)
  redis.call('PEXPIRE', KEYS[2], 2 * ttl)
end
if ARGV[3] ~= '0' then
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
if ARGV[4] == '1' then
  return redis.call('HVALS', KEYS[1])
end
return {}
