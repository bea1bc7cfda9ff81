-- A custom method that tries to tamper with the string metatable, to reach the real string
-- library or to plant a function every string method call would run.
return function(v)
  getmetatable("").__index = function() return function() return 1 end end
  return ("x"):len()
end
