return { at = "run", budget = { instructions = 100000, memory_mb = 8 },
  error = { "broken.lua:3:", "attempt to index a nil value (local 'limits')" } }
