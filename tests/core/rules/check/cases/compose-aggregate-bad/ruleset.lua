-- An operator pinggu does not know (read when the rules load).
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
metric "m1" { name = "m1", unit = "share" }
metric "m2" { name = "m2", unit = "count" }
indicator "p" { name = "p", points = 100, aggregate = "median" }
indicator "a" { parent = "p", name = "a", points = 60, metric = "m1",
  method = value {}, standard = "s", source = "s" }
indicator "b" { parent = "p", name = "b", points = 40, metric = "m2",
  method = value {}, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
