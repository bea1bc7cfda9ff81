-- At load time: a plain find (Lua's own is subject x needle); issue 13 §1. Must end at the load deadline.
local s, p = ('a'):rep(2e7), ('a'):rep(1e7) .. 'b'
while true do local x = s:find(p, 1, true) end
