-- In a custom method: gsub with a backtracking pattern; issue 13 §1. Must end at the call deadline.
return function(v)
  local s = ('a'):rep(3e4)
  while true do local x = s:gsub(('a*'):rep(10) .. 'b', 'x') end
  return 1
end
