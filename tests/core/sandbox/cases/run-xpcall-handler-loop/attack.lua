-- xpcall with a message handler that loops. When the budget's kill is raised from inside the
-- count hook, Lua calls the handler while hooks are disabled (the hook has not returned), so
-- the handler's loop is never interrupted.
return function(v)
  local ok = xpcall(function() while true do end end, function(msg)
    while true do end
  end)
  return 1
end
