-- At load time: compile code from a string.
local f = load("return 1")
