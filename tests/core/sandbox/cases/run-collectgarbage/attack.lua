-- A custom method that tries to drive the collector (stop it, or force full collections).
return function(v)
  collectgarbage("stop")
  return 1
end
