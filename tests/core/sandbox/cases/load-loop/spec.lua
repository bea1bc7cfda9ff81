return { at = "load", budget = "default",
  error = { "attack.lua:3:", "instruction budget exceeded (100000000 instructions)" } }
