-- One command, atomically: its preconditions, its moves, the site's new seqs, each
-- event into the site's history stream and out on its channel, the idempotent answer.
-- A precondition that no longer holds answers 'stale' before any write: the caller
-- reads again and retries.

local EPOCH = epoch()

local idem = call.idem
if idem then
  local body = redis.call('GET', idem.key)
  if body then
    return {'replay', EPOCH, body}
  end
end

-- an issue into a service with a max_waiting that is full: refused before any write
local limit = call.limit
if limit and redis.call('ZCARD', waiting_key(limit.service)) >= limit.max then
  return {'full', EPOCH}
end

-- the counter's current ticket is still the one the caller read
local expect = call.expect
if expect then
  local id = redis.call('HGET', S .. 'current', expect.counter) or ''
  if id ~= expect.ticket then
    return {'stale', EPOCH}
  end
  if id ~= '' and redis.call('GET', ticket_key(id)) ~= expect.record then
    return {'stale', EPOCH}
  end
  -- a call by name: the ticket named is still as the caller read it
  -- the counter's status is still the one the caller read (CONTRACT 6.2)
  if expect.state and (redis.call('HGET', S .. 'counters', expect.counter) or '') ~= expect.state then
    return {'stale', EPOCH}
  end
  local chosen = expect.chosen
  if chosen and (redis.call('GET', ticket_key(chosen.id)) or '') ~= chosen.record then
    return {'stale', EPOCH}
  end
end

-- a call: the caller prepared one option per ticket it might call ('' : nobody waits);
-- the one for the ticket first in line now is taken: the head of the counter's own line,
-- else the first of its services' lines' heads
local steps, answer, refused, option = call.steps, call.answer, call.refused, 0
if call.choose then
  local best = redis.call('ZRANGE', waiting_key(call.choose.desk), 0, 0)[1] or ''
  if best == '' then
    for _, service in ipairs(call.choose.services) do
      local head = redis.call('ZRANGE', waiting_key(service), 0, 0)[1]
      if head and (best == '' or before(head, best)) then
        best = head
      end
    end
  end
  for index, candidate in ipairs(call.choose.options) do
    if candidate.member == best then
      steps, answer, refused, option = candidate.steps, candidate.answer, candidate.refused, index
      break
    end
  end
  if option == 0 then
    return {'stale', EPOCH}
  end
end

local function waiting()
  local parts = {}
  for index, service in ipairs(call.services) do
    parts[index] = call.service_keys[index] .. redis.call('ZCARD', waiting_key(service))
  end
  return '{' .. table.concat(parts, ',') .. '}'
end

local function fill(text, holes)
  return (string.gsub(text, '"\\u0000(%a+)\\u0000"', holes))
end

-- the recent calls: newest first, one entry ("id counter recall") per ticket
local function remember(id, entry)
  local key = S .. 'recent'
  for _, old in ipairs(redis.call('LRANGE', key, 0, -1)) do
    if string.sub(old, 1, #id + 1) == id .. ' ' then
      redis.call('LREM', key, 0, old)
    end
  end
  redis.call('LPUSH', key, id .. ' ' .. entry)
  redis.call('LTRIM', key, 0, call.recent - 1)
end

local seq, number, serial, position = 0, '', 0, -1
-- a counter's new status: kept, and its event
local function counter_step(step)
  redis.call('HSET', S .. 'counters', step.counter.id, step.counter.record)
  return step.data
end

-- a ticket's move: its record, the indexes it moves in, its event's data
local function ticket_step(step)
  local holes = {}
  local wait = step.wait
  if step.new then
    -- a new ticket: its number (per service per day) and its serial (its event's seq)
    local counter = S .. 'number:' .. step.new.service .. ':' .. step.new.day
    number = step.new.service .. string.format('%0' .. call.digits .. 'd', redis.call('INCR', counter))
    redis.call('EXPIRE', counter, call.number_ttl)
    -- staff call a ticket by its ref (its day and number): found here
    local refs = S .. 'refs:' .. step.new.day
    redis.call('HSET', refs, number, step.id)
    redis.call('EXPIRE', refs, call.number_ttl)
    serial = seq
    holes.number = '"' .. number .. '"'
    holes.ref = '"' .. step.new.ref .. number .. '"'
    holes.serial = seq
    wait = {service = step.new.service,
            member = step.new.order .. string.format('%0' .. call.serial_width .. 'd', seq) .. step.id}
  end
  if step.unwait then
    redis.call('ZREM', waiting_key(step.unwait.service), step.unwait.member)
  end
  if step.leave and redis.call('HGET', S .. 'current', step.leave) == step.id then
    redis.call('HDEL', S .. 'current', step.leave)
  end
  if step.unheld then
    redis.call('ZREM', S .. 'held:' .. step.unheld, step.id)
  end
  if wait then
    redis.call('ZADD', waiting_key(wait.service), 0, wait.member)
  end
  if step.hold then
    redis.call('ZADD', S .. 'held:' .. step.hold, seq, step.id)
  end
  if step.take then
    redis.call('HSET', S .. 'current', step.take, step.id)
  end
  local key = ticket_key(step.id)
  redis.call('SET', key, fill(step.record, holes))
  if step.closed then
    redis.call('EXPIRE', key, call.keep_tickets)
  end
  if step.recent then
    remember(step.id, step.recent)
  end
  holes.waiting = waiting()
  position = -1
  if wait then
    position = redis.call('ZRANK', waiting_key(wait.service), wait.member)
  end
  return fill(step.data, holes)
end

for _, step in ipairs(steps or {}) do
  seq = redis.call('INCR', S .. 'seq')
  local data
  if step.counter then
    data = counter_step(step)
  else
    data = ticket_step(step)
  end
  -- who made it (kept for reports, never sent to displays): after the fields that
  -- every release reads, so that an older reader of the stream takes no notice
  redis.call('XADD', S .. 'events', 'MAXLEN', '~', call.cap, seq .. '-0',
             'type', step.event, 'ts', call.ts, 'data', data, 'actor', call.actor or '')
  redis.call('PUBLISH', P .. 'events:' .. SITE, EPOCH .. '\n' .. seq .. '\n' .. step.event
             .. '\n' .. call.ts .. '\n' .. data .. '\n' .. (call.actor or ''))
end

if idem then
  redis.call('SET', idem.key, fill(answer, {seq = seq}), 'EX', idem.ttl)
  redis.call('ZADD', P .. 'idempotency', idem.at, idem.key)
end
return {refused and 'refused' or 'ok', EPOCH, seq, option, number, serial, position}
