return { at = "run", budget = { instructions = 100000, memory_mb = 8 }, timeout = 5,
  error = { "attack.lua:", "instruction budget exceeded" } }
