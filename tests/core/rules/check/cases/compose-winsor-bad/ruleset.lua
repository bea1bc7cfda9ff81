-- winsor.p must be above 0 and below 0.5.
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
metric "m1" { name = "m1", unit = "share" }
metric "m2" { name = "m2", unit = "count" }
indicator "p" { name = "p", points = 100 }
indicator "b" { parent = "p", name = "b", points = 100, metric = "m2",
  method = minmax {}, winsor = { p = 0.5 }, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
