-- A finalizer (__gc) that loops. Lua runs finalizers with hooks disabled, so the budget never
-- stops it; it runs at some later collection, or when the state is closed at exit.
return function(v)
  setmetatable({}, { __gc = function() while true do end end })
  local garbage = {}
  for i = 1, 20000 do garbage[i % 100 + 1] = { i } end
  return 1
end
