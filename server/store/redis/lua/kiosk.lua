-- A site's kiosks (CONTRACT 6.7). 'add': enrol one, unless the site has call.cap already.
-- 'use': the kiosk's record, its use noted; nothing once it is revoked (so a use that
-- races a revocation cannot bring it back).
local kiosks, used = S .. 'kiosks', S .. 'kiosks:used'
if call.op == 'add' then
  if redis.call('HLEN', kiosks) >= call.cap then
    return 0
  end
  redis.call('HSET', kiosks, call.id, call.body)
  return 1
end
local body = redis.call('HGET', kiosks, call.id)
if not body then
  return false
end
redis.call('HSET', used, call.id, call.at)
return body
