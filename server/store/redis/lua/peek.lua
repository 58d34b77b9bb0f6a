-- What a counter command reads first: the counter's current ticket and the first
-- `k` waiting tickets of each of its services, each member with its record.
local EPOCH = epoch()
local id = redis.call('HGET', S .. 'current', call.counter) or ''
local record = ''
if id ~= '' then
  record = redis.call('GET', ticket_key(id)) or ''
end
local reply = {EPOCH, id, record}
if call.k > 0 then
  for _, service in ipairs(call.services) do
    for _, member in ipairs(redis.call('ZRANGE', waiting_key(service), 0, call.k - 1)) do
      reply[#reply + 1] = member
      reply[#reply + 1] = redis.call('GET', ticket_key(member_ticket(member))) or ''
    end
  end
end
return reply
