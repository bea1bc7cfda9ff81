-- At load time: gmatch with a backtracking pattern; issue 13 §1. Must end at the load deadline.
local s = ('a'):rep(3e4)
while true do for x in s:gmatch(('a*'):rep(10) .. 'b') do end end
