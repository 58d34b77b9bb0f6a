-- A site's seq and up to `count` events of its history from seq `from` on.
local EPOCH = epoch()
local seq = tonumber(redis.call('GET', S .. 'seq') or '0')
local entries = {}
if call.count > 0 and call.from <= seq then
  entries = redis.call('XRANGE', S .. 'events', call.from, '+', 'COUNT', call.count)
end
return {EPOCH, seq, entries}
