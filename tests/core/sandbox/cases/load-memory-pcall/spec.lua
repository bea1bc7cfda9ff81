return { at = "load", budget = "default",
  error = { "memory cap exceeded" } }
