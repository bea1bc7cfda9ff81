-- self_report and authenticity used wrongly: on a computed metric, against the same metric,
-- counting into the measured metric.
ruleset { id = "bad", name = "bad", year = 2021 }
group "g" { name = "g" }
source "cases" { name = "办件", unit = "org", time = "at",
  fields = { { "org", "string" }, { "at", "time" } } }
metric "m_sys" { name = "system", unit = "count", from = "cases", kind = "count" }
metric "m_comp" { name = "computed", unit = "count", from = "cases", kind = "count",
  self_report = true }
metric "m_self" { name = "r2", unit = "count", self_report = true,
  authenticity = { measured = "m_self", tolerance = 0.1 } }
metric "m_into" { name = "r3", unit = "count", self_report = true,
  authenticity = { measured = "m_sys", tolerance = 0.1, into = "m_sys" } }
indicator "p" { name = "p", points = 100 }
indicator "a" { parent = "p", name = "a", points = 100, metric = "m_sys",
  method = target { target = 1 }, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
