return { at = "run", budget = { instructions = 100000, memory_mb = 8 },
  error = { "attack.lua:", "instruction budget exceeded" } }
