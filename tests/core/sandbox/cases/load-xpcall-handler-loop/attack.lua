-- At load time: xpcall with a handler that loops; the load budget's kill calls the handler
-- with hooks off.
xpcall(function() while true do end end, function() while true do end end)
