-- At load time: tamper with the string metatable (its __metatable field hides it).
local mt = getmetatable("")
mt.__index = function() return function() return 1 end end
