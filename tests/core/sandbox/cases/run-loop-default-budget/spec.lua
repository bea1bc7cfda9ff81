return { at = "run", budget = "default",
  error = { "attack.lua:4:", "instruction budget exceeded (1000000 instructions)" } }
