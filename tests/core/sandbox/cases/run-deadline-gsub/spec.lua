return { at = "run", budget = { instructions = 2000000000, memory_mb = 64 }, deadline_ms = 200,
  test = true, error = { "attack.lua:", "deadline exceeded" } }
