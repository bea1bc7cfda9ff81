-- broken.lua: fails when it loads
local limits = nil
local max = limits.max
return function(v) return v / max end
