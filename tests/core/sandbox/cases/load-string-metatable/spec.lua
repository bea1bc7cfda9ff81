return { at = "load", budget = "default",
  error = { "attack.lua:3:", "attempt to index a boolean value" } }
