-- a typo in a global name
metric "m1" { name = "办件及时率", unit = "share" }
indicator "main" { name = "常态化监测", points = 100, metric = "m1", method = linaer { lo = 0, hi = 1 } }
