-- A custom method that tries to end the process, or to read the environment.
return function(v)
  if os.getenv then return 1 end
  os.exit(3)
  return 1
end
