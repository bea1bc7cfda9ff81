-- At load time: require a rule file far larger than any rule set needs. The file is read
-- into the host's own memory before Lua sees it, outside the Lua memory cap, so its size is
-- bounded before it is read.
local huge = require "huge"
