-- A topic's position and the publications after a given one, read in one step so that the position and the
-- publications agree (a publication between the two would otherwise be lost to a subscriber).
-- KEYS[1] state hash   KEYS[2] history stream
-- ARGV[1] '1' to create the topic when it has no state   ARGV[2] the epoch for a new topic   ARGV[3] state ttl ms
-- ARGV[4] the caller's epoch, or '' for "the newest ARGV[6]"   ARGV[5] the caller's offset   ARGV[6] limit
-- ARGV[7] the last offset wanted, or '0' for "up to the newest" (a node filling a gap wants only the gap)
-- Returns {} for an unknown topic (not created), else {epoch, offset, now, entries} where entries are
-- stream entries {id, {'p', envelope}} in offset order (newest first when ARGV[4] is '').
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  if ARGV[1] ~= '1' then
    return {}
  end
  epoch = ARGV[2]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'offset', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
local offset = tonumber(redis.call('HGET', KEYS[1], 'offset'))
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local limit = tonumber(ARGV[6])
local entries = {}
if limit > 0 then
  if ARGV[4] == '' then
    entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', limit)
  elseif ARGV[4] == epoch then
    local since = tonumber(ARGV[5])
    local to = tonumber(ARGV[7])
    if to <= 0 or to > offset then
      to = offset
    end
    if since < to then
      -- The newest are kept when the limit cuts: a reader catching up wants what is current.
      local from = math.max(since + 1, to - limit + 1)
      entries = redis.call('XRANGE', KEYS[2], '0-' .. from, '0-' .. to, 'COUNT', limit)
    end
  end
end
return {epoch, offset, now, entries}
