-- na_when: a name that is not `value`, an expression that is not a condition, a list with a string.
ruleset { id = "check-compose", name = "合成校验", year = 2021 }
group "g" { name = "单位" }
metric "m1" { name = "m1", unit = "share" }
metric "m2" { name = "m2", unit = "count" }
indicator "p" { name = "p", points = 100, aggregate = "mean" }
indicator "a" { parent = "p", name = "a", points = 10, metric = "m1",
  method = value {}, na_when = "valu < 0", standard = "s", source = "s" }
indicator "b" { parent = "p", name = "b", points = 10, metric = "m2",
  method = value {}, na_when = "value + 1", standard = "s", source = "s" }
indicator "c" { parent = "p", name = "c", points = 10, metric = "m2",
  method = value {}, na_when = { -1, "x" }, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
