-- The current epoch, made when there is none. With `replace`, the epoch is replaced
-- if it still is that one: a process saw history that Redis no longer has.
if call.replace and redis.call('GET', P .. 'epoch') == call.replace then
  redis.call('DEL', P .. 'epoch')
end
return epoch()
