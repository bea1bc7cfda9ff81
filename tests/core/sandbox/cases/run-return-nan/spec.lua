return { at = "run", budget = { instructions = 100000, memory_mb = 8 },
  error = { "attack.lua:2:", "nan; it must return a share between 0 and 1" } }
