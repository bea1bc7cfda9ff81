return { at = "load", budget = "default", padded = { ["huge.lua"] = 40 },
  error = { "huge.lua: 41", "bytes, more than a rule file may hold (4 MiB)" } }
