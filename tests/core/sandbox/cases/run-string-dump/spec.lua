return { at = "run", budget = { instructions = 100000, memory_mb = 8 },
  error = { "attack.lua:5:", "attempt to call a nil value (field 'dump')" } }
