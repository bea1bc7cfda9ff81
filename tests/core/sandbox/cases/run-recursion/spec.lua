return { at = "run", budget = { instructions = 10000000, memory_mb = 64 },
  error = { "attack.lua:14:", "stack overflow" } }
