-- winsor applies to relative methods only.
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
metric "m1" { name = "m1", unit = "share" }
metric "m2" { name = "m2", unit = "count" }
indicator "p" { name = "p", points = 100 }
indicator "a" { parent = "p", name = "a", points = 100, metric = "m1",
  method = linear { lo = 0, hi = 1 }, winsor = { p = 0.05 }, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
