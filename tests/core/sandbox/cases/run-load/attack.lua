-- A custom method that tries to compile code at run time with load.
return function(v)
  local r = load("return 1")()
  return 1
end
