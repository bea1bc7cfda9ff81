-- parts.lua
local weights = { a = 60 }

local total = weights.a + weights.b
