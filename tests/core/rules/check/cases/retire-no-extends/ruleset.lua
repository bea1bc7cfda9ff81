-- retire in a set that extends nothing.
ruleset { id = "retire-no-extends", name = "继承测试", year = 2021 }
group "dept" { name = "市直单位" }
metric "m1" { name = "办件及时率", unit = "share" }
indicator "main" { name = "常态化监测", points = 100, metric = "m1", method = linear { lo = 0, hi = 1 } }
scheme "monthly" { name = "月度", period = "month", parts = { { id = "main" } } }
retire "main"
