-- retire names an indicator the set declares itself; and an inherited id both retired and
-- declared again.
ruleset { id = "retire-own", name = "继承测试", year = 2022, extends = "../inherit-base" }
calendar { holidays = {} }
indicator "c" { parent = "main", name = "新指标", points = 0, metric = "m1",
  method = linear { lo = 0, hi = 1 } }
retire "c"
retire "a"
indicator "a" { parent = "main", name = "办件及时率", points = { dept = 60, county = 40 },
  metric = "m1", method = linear { lo = 0.5, hi = 0.9 } }
