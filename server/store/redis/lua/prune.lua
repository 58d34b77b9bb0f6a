-- Forget the idempotent answers given before `before` (ms).
local index = P .. 'idempotency'
local old = redis.call('ZRANGEBYSCORE', index, '-inf', '(' .. call.before)
for _, key in ipairs(old) do
  redis.call('DEL', key)
end
redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. call.before)
return #old
