return { at = "load", budget = "default",
  error = { "attack.lua:" } }
