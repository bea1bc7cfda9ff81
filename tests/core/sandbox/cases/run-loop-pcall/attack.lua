-- A runaway method that wraps its loop in pcall to swallow the budget's kill, and loops again
-- whenever pcall returns.
return function(v)
  while true do
    pcall(function() while true do end end)
  end
end
