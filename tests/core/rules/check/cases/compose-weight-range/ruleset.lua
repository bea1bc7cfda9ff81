-- weight_range: the interval sensitivity draws a weight from; checked against the tree.
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
group "h" { name = "其他" }
metric "m1" { name = "m1", unit = "share" }
indicator "root" { name = "root", points = 100, weight_range = { 90, 110 } }
indicator "mean" { parent = "root", name = "mean", points = 60, aggregate = "mean",
  weight_range = { 50, 70 } }
indicator "a" { parent = "mean", name = "a", points = 10, weight = 2, weight_range = { 2.5, 3 },
  metric = "m1", method = value {}, standard = "s", source = "s" }
indicator "b" { parent = "mean", name = "b", points = 10, weight_range = { 0.5, 1.5 },
  metric = "m1", method = value {}, standard = "s", source = "s" }
indicator "c" { parent = "root", name = "c", points = { g = 20, h = 10 }, weight_range = { 5, 35 },
  metric = "m1", method = value {}, standard = "s", source = "s" }
indicator "mn" { parent = "root", name = "mn", points = { g = 20, h = 30 }, aggregate = "min" }
indicator "m1" { parent = "mn", name = "m1", points = 10, weight_range = { 5, 15 },
  metric = "m1", method = value {}, standard = "s", source = "s" }
indicator "m2" { parent = "mn", name = "m2", points = 10,
  metric = "m1", method = value {}, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "root" } } }
