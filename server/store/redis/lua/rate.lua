-- Keep a ticket's rating once (CONTRACT 6.4) and, in the same step, hand it to the
-- archive: a rating kept is always archived (with the epoch it was kept in), one refused
-- never. 1: kept; 0: the ticket has a rating already.
if redis.call('HSETNX', S .. 'ratings:' .. call.day, call.number, call.rating) == 0 then
  return 0
end
redis.call('XADD', S .. 'rated', 'MAXLEN', '~', call.cap, '*',
  'epoch', epoch(), 'rating', call.rating)
return 1
