-- Adds or replaces a presence member and tells every interested node.
-- KEYS[1] members hash (client -> member JSON)   KEYS[2] expiry sorted set (client -> expiry ms)
-- ARGV[1] channel   ARGV[2] client   ARGV[3] member JSON   ARGV[4] member ttl ms   ARGV[5] join event JSON
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local ttl = tonumber(ARGV[4])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[2])
-- The keys outlive their members' expiry, so that another node sweeps a crashed node's members (with leave
-- events) before the keys vanish with them silently.
redis.call('PEXPIRE', KEYS[1], 2 * ttl)
redis.call('PEXPIRE', KEYS[2], 2 * ttl)
redis.call('PUBLISH', ARGV[1], ARGV[5])
return 1
