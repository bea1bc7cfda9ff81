-- value { scale } must be above 0; a group's ranked must be a boolean.
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
metric "m1" { name = "m1", unit = "share" }
metric "m2" { name = "m2", unit = "count" }
group "h" { name = "h", ranked = "no" }
indicator "p" { name = "p", points = 100 }
indicator "a" { parent = "p", name = "a", points = 100, metric = "m1",
  method = value { scale = 0 }, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
