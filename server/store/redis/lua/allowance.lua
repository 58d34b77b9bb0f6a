-- One use of an allowance (server/allowance.py, shared by every process): at most
-- call.limit uses per call.window ms for call.key (a client address). The key's list holds
-- the times (ms) of its uses within the window, oldest first, and expires with the window.
local key = P .. 'allowance:' .. call.key
local now, window = tonumber(call.now), tonumber(call.window)
while true do
  local first = redis.call('LINDEX', key, 0)
  if not first or tonumber(first) > now - window then
    break
  end
  redis.call('LPOP', key)
end
if redis.call('LLEN', key) >= call.limit then
  return tonumber(redis.call('LINDEX', key, 0)) + window - now
end
redis.call('RPUSH', key, call.now)
redis.call('PEXPIRE', key, window)
return 0
