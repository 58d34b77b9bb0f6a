-- Drop a site's history before seq `min`, unless its epoch changed meanwhile (then the
-- seqs the caller read mean other events).

-- The first seq a consumer group (the PostgreSQL archive's, server/archive/) still needs:
-- one it was handed but did not acknowledge, or the first not yet handed out. The archive
-- may fall behind (PostgreSQL down) for as long as the stream's cap allows, not a day.
local function needed(key, min)
  if redis.call('EXISTS', key) == 0 then
    return min
  end
  for _, group in ipairs(redis.call('XINFO', 'GROUPS', key)) do
    local fields = {}
    for i = 1, #group, 2 do
      fields[group[i]] = group[i + 1]
    end
    local next = tonumber(string.match(fields['last-delivered-id'], '^(%d+)')) + 1
    local pending = redis.call('XPENDING', key, fields['name'])
    if pending[1] > 0 then
      next = math.min(next, tonumber(string.match(pending[2], '^(%d+)')))
    end
    min = math.min(min, next)
  end
  return min
end

if epoch() == call.expect then
  local key = S .. 'events'
  redis.call('XTRIM', key, 'MINID', needed(key, call.min))
end
return 0
