-- A site's state at one seq: each counter's current ticket, the recent calls with their
-- tickets as they are now, the waiting counts, the held counts per counter, each
-- counter's status as kept.
local EPOCH = epoch()
local serving = {}
for index, counter in ipairs(call.counters) do
  local id = redis.call('HGET', S .. 'current', counter)
  serving[index] = id and (redis.call('GET', ticket_key(id)) or '') or ''
end
local recent = {}
for _, entry in ipairs(redis.call('LRANGE', S .. 'recent', 0, -1)) do
  recent[#recent + 1] = entry
  recent[#recent + 1] = redis.call('GET', ticket_key(string.match(entry, '^%S+'))) or ''
end
local waiting = {}
for index, service in ipairs(call.services) do
  waiting[index] = redis.call('ZCARD', waiting_key(service))
end
local held = {}
for index, counter in ipairs(call.counters) do
  held[index] = redis.call('ZCARD', S .. 'held:' .. counter)
end
local states = {}
for index, counter in ipairs(call.counters) do
  states[index] = redis.call('HGET', S .. 'counters', counter) or ''
end
return {EPOCH, tonumber(redis.call('GET', S .. 'seq') or '0'), serving, recent, waiting, held,
        states}
