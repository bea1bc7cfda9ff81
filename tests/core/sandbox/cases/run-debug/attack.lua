-- A custom method that tries the debug library (to reach upvalues, hooks, the registry).
return function(v)
  debug.sethook()
  return 1
end
