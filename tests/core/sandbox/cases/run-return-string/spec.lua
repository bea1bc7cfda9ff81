return { at = "run", budget = { instructions = 100000, memory_mb = 8 },
  error = { "attack.lua:2:", "the method returned string; it must return a number (a share between 0 and 1)" } }
