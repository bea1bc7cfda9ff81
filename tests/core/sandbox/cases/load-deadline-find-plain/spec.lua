return { at = "load", budget = "default", deadline_ms = 200, test = true,
  error = { "attack.lua:", "deadline exceeded" } }
