-- Which columns a source's files may carry: extra_columns takes "error" or "ignore"; a field
-- may be optional only when it is nullable (a file without the column has every value null);
-- a misspelled field option draws a warning with the nearest option, not silence.
ruleset {
  id = "check-good",
  name = "校验测试",
  year = 2021,
}

group "dept"   { name = "市直单位" }
group "county" { name = "县(市、区)" }

source "good" { name = "好", unit = "org", time = "at", extra_columns = "ignore",
  fields = { { "org", "string" }, { "at", "time" },
             { "note", "string", nullable = true, optional = true } } }
source "bad" { name = "坏", unit = "org", time = "at", extra_columns = "maybe",
  fields = { { "org", "string" }, { "at", "time" },
             { "done", "time", optional = true },
             { "rating", "int", nulable = true } } }

metric "m1" { name = "件数", unit = "count", from = "good", kind = "count" }
metric "m2" { name = "投诉件数", unit = "count" }

indicator "main" { name = "常态化监测", points = { dept = 100, county = 100 } }
indicator "a" { parent = "main", name = "件数", points = { dept = 60, county = 40 },
  metric = "m1", method = linear { lo = 0, hi = 10 },
  standard = "10件以上得满分", source = "系统" }
indicator "b" { parent = "main", name = "投诉", points = { dept = 40, county = 60 },
  metric = "m2", method = steps { { 0, 1 }, { 3, 0.5 }, better = "lower" },
  standard = "无投诉得满分，3件以内得一半", source = "12345热线" }

scheme "monthly" { name = "月度", period = "month", max = 100, parts = { { id = "main" } } }
