-- Shared by every script (prepended to each). ARGV[1] is the call, a JSON object built in
-- Python: Lua never builds JSON of its own; it fills holes in texts Python serialised.
local call = cjson.decode(ARGV[1])
local P = call.prefix
local SITE = call.site
local S = SITE and (P .. 'site:' .. SITE .. ':')

-- The epoch names the history Redis holds. None means Redis lost its data (flushed,
-- restarted without persistence, failed over to an empty replica): start a new one,
-- from the candidate the caller sent (scripts have no good randomness). A site's seq
-- and history belong to the epoch they were written in: the first touch of a site in
-- a new epoch starts them over, so a seq never means two events within one epoch.
local function epoch()
  local current = redis.call('GET', P .. 'epoch')
  if not current then
    current = call.epoch
    redis.call('SET', P .. 'epoch', current)
  end
  if S and redis.call('GET', S .. 'epoch') ~= current then
    redis.call('DEL', S .. 'seq', S .. 'events')
    redis.call('SET', S .. 'epoch', current)
  end
  return current
end

-- Byte order, as Redis sorts equal-score members (Lua's < follows the server's locale).
local function before(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return #a < #b
end

local function ticket_key(id)
  return P .. 'ticket:' .. id
end

local function waiting_key(service)
  return S .. 'waiting:' .. service
end

-- The record of a waiting ticket's member: members are its order (fixed width) + its id.
local function member_ticket(member)
  return string.sub(member, call.width + 1)
end
