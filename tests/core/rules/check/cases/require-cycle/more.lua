-- more.lua: requires parts.lua, which is still loading

require "parts"
