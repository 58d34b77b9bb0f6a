-- What a counter command reads first: the counter's current ticket, the first `k`
-- waiting tickets of each of its lines (its own, then its services'), each member with
-- its record and its line's index; on request the ticket named by `chosen` (its day and
-- number) and the tickets the counter holds.
local EPOCH = epoch()
local id = redis.call('HGET', S .. 'current', call.counter) or ''
local record = ''
if id ~= '' then
  record = redis.call('GET', ticket_key(id)) or ''
end
local chosen_id, chosen_record = '', ''
if call.chosen then
  chosen_id = redis.call('HGET', S .. 'refs:' .. call.chosen.day, call.chosen.number) or ''
  if chosen_id ~= '' then
    chosen_record = redis.call('GET', ticket_key(chosen_id)) or ''
  end
end
local held = {}
if call.held then
  for _, held_id in ipairs(redis.call('ZRANGE', S .. 'held:' .. call.counter, 0, -1)) do
    held[#held + 1] = redis.call('GET', ticket_key(held_id)) or ''
  end
end
local reply = {EPOCH, id, record, chosen_id, chosen_record, held}
if call.k > 0 then
  for index, line in ipairs(call.lines) do
    for _, member in ipairs(redis.call('ZRANGE', waiting_key(line), 0, call.k - 1)) do
      reply[#reply + 1] = index - 1
      reply[#reply + 1] = member
      reply[#reply + 1] = redis.call('GET', ticket_key(member_ticket(member))) or ''
    end
  end
end
return reply
