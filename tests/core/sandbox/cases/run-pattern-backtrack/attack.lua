-- A pattern that backtracks exponentially: string.find runs in C, where the count hook never
-- fires.
return function(v)
  local s = string.rep("a", 5000)
  return s:find(string.rep("a*", 20) .. "b") and 1 or 0
end
