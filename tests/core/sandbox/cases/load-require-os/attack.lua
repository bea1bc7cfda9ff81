-- At load time: reach the real os library through require.
local os = require "os"
os.execute("touch PWNED")
