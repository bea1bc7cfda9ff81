-- A custom method that requires a module whose top level fails. Each unit's call must report
-- the module's own error, not only the first: a failed require must not leave the module
-- marked as "loading".
return function(v)
  local helper = require "broken"
  return helper(v)
end
