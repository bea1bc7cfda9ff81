-- A logarithm needs a floor above 0; a floor must be below the cap.
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
metric "m1" { name = "m1", unit = "share" }
metric "m2" { name = "m2", unit = "count" }
indicator "p" { name = "p", points = 100, aggregate = "mean" }
indicator "a" { parent = "p", name = "a", points = 10, metric = "m1",
  method = linear { lo = 1, hi = 10 }, transform = { log = true }, standard = "s", source = "s" }
indicator "d" { parent = "p", name = "d", points = 10, metric = "m2",
  method = value {}, transform = { floor = 5, cap = 1 }, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
