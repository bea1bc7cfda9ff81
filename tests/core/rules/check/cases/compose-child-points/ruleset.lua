-- Under geomean a child's share is its points' share: points 0 divide by zero; a veto item has none.
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
metric "m1" { name = "m1", unit = "share" }
metric "m2" { name = "m2", unit = "count" }
indicator "p" { name = "p", points = 100, aggregate = "geomean" }
indicator "a" { parent = "p", name = "a", points = 0, metric = "m1",
  method = value {}, standard = "s", source = "s" }
indicator "b" { parent = "p", name = "b", points = 10, metric = "m2",
  method = value {}, standard = "s", source = "s" }
indicator "v" { parent = "p", name = "v", veto = 0, metric = "m2", standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
