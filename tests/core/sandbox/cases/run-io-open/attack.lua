-- A custom method that tries to write a file with io.open (there is no io library).
return function(v)
  local f = io.open("PWNED", "w")
  f:write("escaped\n")
  f:close()
  return 1
end
