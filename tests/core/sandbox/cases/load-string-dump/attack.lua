-- At load time: dump a function to bytecode.
assert(("").dump == nil, "string.dump is reachable through the string metatable")
local bytes = string.dump(function() return 1 end)
