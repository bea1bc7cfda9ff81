return { at = "load", budget = "default",
  error = { "attack.lua:3:", "attempt to call a nil value (field 'dump')" } }
