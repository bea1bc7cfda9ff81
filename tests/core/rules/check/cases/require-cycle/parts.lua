-- parts.lua: requires more.lua
require "more"
