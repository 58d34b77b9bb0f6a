-- Close tickets still held when their day is over: each one's record becomes its closed
-- record (held, with finished_at), expiring as closed tickets do, and it leaves its
-- counter's held set; unless it changed since it was read (called back meanwhile).
local closed = 0
for _, entry in ipairs(call.entries) do
  local key = ticket_key(entry.id)
  if redis.call('GET', key) == entry.old then
    redis.call('SET', key, entry.new, 'EX', call.keep)
    redis.call('ZREM', S .. 'held:' .. entry.counter, entry.id)
    closed = closed + 1
  end
end
return closed
