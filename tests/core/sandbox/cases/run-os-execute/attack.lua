-- A custom method that tries to run a shell command (os has only time, date and clock).
return function(v)
  os.execute("touch PWNED")
  return 1
end
