-- Legal but suspicious methods: warnings only, exit 0.
ruleset {
  id = "check-good",
  name = "校验测试",
  year = 2021,
}

group "dept"   { name = "市直单位" }
group "county" { name = "县(市、区)" }

metric "m1" { name = "办件及时率", unit = "share" }
metric "m2" { name = "投诉件数", unit = "count" }

indicator "main" { name = "常态化监测", points = { dept = 100, county = 100 } }
indicator "a" { parent = "main", name = "办件及时率", points = { dept = 60, county = 40 },
  metric = "m1", method = steps { { 0.9, 0.5 }, { 0.8, 0.8 }, otherwise = 0 },
  standard = "及时率90%以上得一半，80%以上得八成", source = "政务服务平台" }
indicator "b" { parent = "main", name = "投诉", points = { dept = 30, county = 50 },
  metric = "m2", method = rank { shares = { 0.8, 1 }, better = "lower", spread = 2 },
  standard = "投诉最少者得八成", source = "12345热线" }
indicator "c" { parent = "main", name = "投诉加分", points = 10,
  metric = "m2", method = per_event { per = 1 }, standard = "每件加1分", source = "12345热线" }

scheme "monthly" { name = "月度", period = "month", max = 100, parts = { { id = "main" } } }
