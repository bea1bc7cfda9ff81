-- Weights must be above 0: a zero weight, a negative one.
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
metric "m1" { name = "m1", unit = "share" }
metric "m2" { name = "m2", unit = "count" }
indicator "p" { name = "p", points = 100, aggregate = "mean" }
indicator "a" { parent = "p", name = "a", points = 10, weight = 0, metric = "m1",
  method = value {}, standard = "s", source = "s" }
indicator "b" { parent = "p", name = "b", points = 10, weight = -1, metric = "m2",
  method = value {}, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
