return { at = "run", budget = { instructions = 100000, memory_mb = 8 },
  error = { "attack.lua:2:", "the method returned inf; it must return a share between 0 and 1" } }
