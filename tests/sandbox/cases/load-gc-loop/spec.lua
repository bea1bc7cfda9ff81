return { at = "load", budget = "default", timeout = 5,
  error = { "attack.lua:" } }
