-- A custom method that tries to compile code at run time with dofile.
return function(v)
  local r = dofile("rules/ruleset.lua")
  return 1
end
