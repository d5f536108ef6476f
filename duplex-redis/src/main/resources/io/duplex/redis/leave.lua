-- Removes a presence member; tells every interested node only when it was there.
-- KEYS[1] members hash   KEYS[2] expiry sorted set   ARGV[1] channel   ARGV[2] client   ARGV[3] leave event JSON
if redis.call('HDEL', KEYS[1], ARGV[2]) == 1 then
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('PUBLISH', ARGV[1], ARGV[3])
  return 1
end
return 0
