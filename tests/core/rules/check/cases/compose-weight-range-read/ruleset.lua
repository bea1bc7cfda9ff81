-- weight_range: read as two numbers { lo, hi } with 0 < lo <= hi.
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
metric "m1" { name = "m1", unit = "share" }
indicator "root" { name = "root", points = 100 }
indicator "d" { parent = "root", name = "d", points = 20, weight_range = { 0, 30 },
  metric = "m1", method = value {}, standard = "s", source = "s" }
indicator "e" { parent = "root", name = "e", points = 20, weight_range = { 12 },
  metric = "m1", method = value {}, standard = "s", source = "s" }
indicator "f" { parent = "root", name = "f", points = 20, weight_range = "wide",
  metric = "m1", method = value {}, standard = "s", source = "s" }
indicator "g" { parent = "root", name = "g", points = 20, weight_range = { 30, 10 },
  metric = "m1", method = value {}, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "root" } } }
