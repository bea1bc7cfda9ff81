-- A custom method that looks for string.dump, through the library and through the string
-- metatable; if it finds it, it scores full marks (and the test fails).
return function(v)
  if ("").dump ~= nil then return 1 end
  local bytes = string.dump(function() return 1 end)
  return 1
end
