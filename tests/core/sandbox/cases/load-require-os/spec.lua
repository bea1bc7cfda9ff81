return { at = "load", budget = "default",
  error = { "attack.lua:2:", "require 'os': no file" } }
