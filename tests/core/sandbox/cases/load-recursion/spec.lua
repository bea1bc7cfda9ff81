return { at = "load", budget = "default",
  error = { "attack.lua:14:", "stack overflow" } }
