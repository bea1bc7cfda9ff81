return { at = "load", budget = "default",
  error = { "attack.lua:", "instruction budget exceeded" } }
