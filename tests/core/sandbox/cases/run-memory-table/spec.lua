return { at = "run", budget = { instructions = 100000000, memory_mb = 2 },
  error = { "attack.lua:", "memory cap exceeded (2 MiB)" } }
