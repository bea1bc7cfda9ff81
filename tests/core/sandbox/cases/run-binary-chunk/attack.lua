-- A custom method that requires a precompiled (binary) chunk: evil_<unit>.lua is made with
-- luac5.4 from evil.luasrc when the test runs (one module per unit, so that every unit's call
-- really tries to load one). Loading must fail.
return function(v, group, unit)
  local evil = require("evil_" .. unit.id)
  return evil()
end
