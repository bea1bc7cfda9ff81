-- A custom method that doubles a string until memory runs out.
return function(v)
  local s = "x"
  while true do s = s .. s end
end
