-- A custom method that tries to compile code at run time with loadfile.
return function(v)
  local r = loadfile("rules/ruleset.lua")()
  return 1
end
