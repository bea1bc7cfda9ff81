return { at = "load", budget = "default",
  error = { "attack.lua:3:", "unknown global 'io'" } }
