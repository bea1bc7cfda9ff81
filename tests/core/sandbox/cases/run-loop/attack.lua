-- A custom method that never returns.
return function(v)
  local n = 0
  while true do n = n + 1 end
end
