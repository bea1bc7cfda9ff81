-- An override is checked like any declaration, at the child's line: here the children of
-- main no longer add up to its points. A declaration with a new id is an addition.
ruleset { id = "override-sum", name = "继承测试", year = 2022, extends = "../inherit-base" }
calendar { holidays = { "2022-10-03" } }
indicator "a" { parent = "main", name = "办件及时率", points = { dept = 70, county = 40 },
  metric = "m1", method = linear { lo = 0.5, hi = 0.9 } }
