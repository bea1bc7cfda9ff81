-- A memory bomb inside pcall: the method swallows the memory error and returns a share as if
-- nothing happened. Running out of the memory budget must mark the row as an error, as
-- running out of instructions does (which pcall cannot swallow either).
return function(v)
  local ok = pcall(function()
    local s = "x"
    while true do s = s .. s end
  end)
  return 0.5
end
