-- A custom method that never returns, under the default budget (1e6 instructions).
return function(v)
  local n = 0
  while true do n = n + 1 end
end
