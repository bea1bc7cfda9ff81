-- At load time: table.concat over a proxy whose every read walks a chain of __index tables; issue 13 §1. Must end at the load deadline.
local base = {}
for i = 1, 1e5 do base[i] = 'a' end
local p = base -- a proxy: every read walks 1900 __index tables
for _ = 1, 1900 do p = setmetatable({}, { __index = p }) end
while true do local x = table.concat(p, '', 1, 1e5) end
