-- No transform on an inner node or on target; under log, linear's lo and hi above 0; no log with value.
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
metric "m1" { name = "m1", unit = "share" }
metric "m2" { name = "m2", unit = "count" }
indicator "p" { name = "p", points = 100, aggregate = "mean", transform = { cap = 5 } }
indicator "b" { parent = "p", name = "b", points = 10, metric = "m2",
  method = linear { lo = 0, hi = 10 }, transform = { log = true, floor = 1 }, standard = "s", source = "s" }
indicator "c" { parent = "p", name = "c", points = 10, metric = "m2",
  method = target { target = 5 }, transform = { cap = 10 }, standard = "s", source = "s" }
indicator "e" { parent = "p", name = "e", points = 10, metric = "m2",
  method = value {}, transform = { log = true, floor = 1 }, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
