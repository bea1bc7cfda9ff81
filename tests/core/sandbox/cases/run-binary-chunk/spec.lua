return { at = "run", budget = { instructions = 100000, memory_mb = 8 },
  luac = { ["evil_d1.lua"] = "evil.luasrc", ["evil_d2.lua"] = "evil.luasrc",
           ["evil_d3.lua"] = "evil.luasrc" },
  error = { "evil_", "attempt to load a binary chunk" } }
