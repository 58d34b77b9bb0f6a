-- A site's screens as the admin left them (server/screens.py): names, and removals (ms
-- since 1970). 'name': keep call.text as its name, unless call.cap other screens are named; 'unname':
-- forget the name. 'remove': drop the removals made before call.since (and any unreadable
-- one), then forget the name and note the removal at call.at, unless call.cap others are
-- still noted.
local names, removed = S .. 'screens', S .. 'screens:removed'
local function full(hash)
  return redis.call('HEXISTS', hash, call.id) == 0 and redis.call('HLEN', hash) >= call.cap
end
if call.op == 'unname' then
  redis.call('HDEL', names, call.id)
  return 1
end
if call.op == 'name' then
  if full(names) then
    return 0
  end
  redis.call('HSET', names, call.id, call.text)
  return 1
end
local since = tonumber(call.since)
local noted = redis.call('HGETALL', removed)
for i = 1, #noted, 2 do
  local at = tonumber(noted[i + 1])
  if not at or at < since then
    redis.call('HDEL', removed, noted[i])
  end
end
if full(removed) then
  return 0
end
redis.call('HDEL', names, call.id)
redis.call('HSET', removed, call.id, call.at)
return 1
