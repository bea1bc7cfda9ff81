-- At load time: string.rep: linear, but 4 MB a call, as long as the instruction budget allows; issue 13 §1. Must end at the load deadline.
local s = ('a'):rep(1e6)
while true do local x = s:rep(4) end
