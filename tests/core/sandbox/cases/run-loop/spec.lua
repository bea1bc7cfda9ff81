return { at = "run", budget = { instructions = 100000, memory_mb = 8 },
  error = { "attack.lua:4:", "instruction budget exceeded (100000 instructions)" } }
