-- At load time (the top level of a rule file): write a file with io.open.
local path = "PWNED"
local f = io.open(path, "w")
f:write("escaped\n")
f:close()
