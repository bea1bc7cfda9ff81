return { at = "load", budget = "default", luac = { ["evil.lua"] = "evil.luasrc" },
  error = { "evil.lua", "attempt to load a binary chunk" } }
