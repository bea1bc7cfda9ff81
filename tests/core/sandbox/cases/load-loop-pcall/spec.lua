return { at = "load", budget = "default",
  error = { "attack.lua:", "instruction budget exceeded (100000000 instructions)" } }
