-- A custom method that tries to reach the real os library through require.
return function(v)
  local os = require "os"
  os.execute("touch PWNED")
  return 1
end
