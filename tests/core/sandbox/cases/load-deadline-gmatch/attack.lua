-- At load time: gmatch with a pattern without a quantifier (subject x pattern; the old pre-check let it through); issue 13 §1. Must end at the load deadline.
local s, p = ('a'):rep(2e7), ('a'):rep(1e5) .. 'b'
while true do for x in s:gmatch(p) do end end
