-- What a counter command reads first: the counter's current ticket, the first `k`
-- waiting tickets of each of its lines (its own, then its services'), each member with
-- its record and its line's index; on request the ticket named by `chosen` (its day and
-- number) and the tickets the counter holds; the counter's status as kept.
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
-- the counter's status as kept: open or paused today, it calls from the services chosen
-- today (CONTRACT 6.2), not its configured ones (call.lines: its own line, then those)
local state = redis.call('HGET', S .. 'counters', call.counter) or ''
local lines = call.lines
if state ~= '' and call.k > 0 then
  local read, kept = pcall(cjson.decode, state)
  if read and type(kept) == 'table' and kept.status ~= 'closed' and type(kept.services) == 'table'
      and (not call.today or kept.day == call.today) then
    lines = {call.lines[1]}
    for _, service in ipairs(kept.services) do
      lines[#lines + 1] = service
    end
  end
end
local reply = {EPOCH, id, record, chosen_id, chosen_record, held, state}
if call.k > 0 then
  for index, line in ipairs(lines) do
    for _, member in ipairs(redis.call('ZRANGE', waiting_key(line), 0, call.k - 1)) do
      reply[#reply + 1] = index - 1
      reply[#reply + 1] = member
      reply[#reply + 1] = redis.call('GET', ticket_key(member_ticket(member))) or ''
    end
  end
end
return reply
