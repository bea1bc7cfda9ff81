return { at = "load", budget = "default",
  error = { "attack.lua:2:", "attempt to call a nil value (field 'randomseed')" } }
