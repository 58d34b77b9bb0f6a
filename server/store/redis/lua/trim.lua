-- Drop a site's history before seq `min`, unless its epoch changed meanwhile (then the
-- seqs the caller read mean other events).
if epoch() == call.expect then
  redis.call('XTRIM', S .. 'events', 'MINID', call.min)
end
return 0
