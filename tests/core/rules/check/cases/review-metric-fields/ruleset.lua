-- self_report and authenticity fields of the wrong type or naming an undeclared metric.
ruleset { id = "bad", name = "bad", year = 2021 }
group "g" { name = "g" }
source "cases" { name = "办件", unit = "org", time = "at",
  fields = { { "org", "string" }, { "at", "time" } } }
metric "m_sys" { name = "system", unit = "count", from = "cases", kind = "count" }
metric "m_unknown" { name = "r1", unit = "count", self_report = true,
  authenticity = { measured = "nothing", tolerance = 0.1 } }
metric "m_tol" { name = "r4", unit = "count", self_report = "yes",
  authenticity = { measured = "m_sys", tolerance = -1 } }
indicator "p" { name = "p", points = 100 }
indicator "a" { parent = "p", name = "a", points = 100, metric = "m_sys",
  method = target { target = 1 }, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
