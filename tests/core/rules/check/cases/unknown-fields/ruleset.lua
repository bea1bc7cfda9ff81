-- Unknown fields everywhere: warnings only, exit 0.
ruleset {
  id = "check-good",
  name = "校验测试",
  year = 2021,
  rouding = 2,
}

group "dept"   { name = "市直单位" }
group "county" { name = "县(市、区)" }

metric "m1" { name = "办件及时率", unit = "share", source = "平台" }
metric "m2" { name = "投诉件数", unit = "count" }

indicator "main" { name = "常态化监测", points = { dept = 100, county = 100 } }
indicator "a" { parent = "main", name = "办件及时率", points = { dept = 60, county = 40 }, wieght = 2,
  metric = "m1", method = linear { lo = 0.5, hi = 0.95, hgih = 1 },
  standard = "及时率50%以下得0分，95%以上得满分，其间按比例", source = "政务服务平台" }
indicator "b" { parent = "main", name = "投诉", points = { dept = 40, county = 60 },
  metric = "m2", method = steps { { 0, 1 }, { 3, 0.5 }, better = "lower" },
  standard = "无投诉得满分，3件以内得一半", source = "12345热线" }

scheme "monthly" { name = "月度", period = "month", max = 100, parts = { { id = "main", wieght = 1 } }, mx = 100 }
