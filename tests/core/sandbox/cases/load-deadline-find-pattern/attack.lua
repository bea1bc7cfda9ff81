-- At load time: s:find on a pattern without a quantifier (Lua's own search is subject x pattern); issue 13 §1. Must end at the load deadline.
local s, p = ('a'):rep(2e7), ('a'):rep(1e5) .. 'b'
while true do local x = s:find(p) end
