return { at = "load", budget = "default",
  error = { "attack.lua:2:", "unknown global 'debug'" } }
