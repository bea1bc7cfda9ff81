-- A part has no parent to be weighted under: its weight is the scheme's.
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
metric "m1" { name = "m1", unit = "share" }
metric "m2" { name = "m2", unit = "count" }
indicator "p" { name = "p", points = 100, aggregate = "mean", weight = 1 }
indicator "a" { parent = "p", name = "a", points = 10, metric = "m1",
  method = value {}, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
