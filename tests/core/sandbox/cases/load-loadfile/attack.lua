-- At load time: compile a file outside the require mechanism.
local f = loadfile("/etc/passwd")
