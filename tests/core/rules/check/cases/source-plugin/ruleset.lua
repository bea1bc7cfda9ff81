-- plugin sources: a connection in the options (a parameter, or a URI with credentials in any
-- option), a malformed plugin name, options without a plugin, an option of a bad type.
ruleset { id = "bad", name = "bad", year = 2021 }
group "g" { name = "g" }
source "a" { name = "a", unit = "org", time = "at", plugin = "postgres",
  options = { table = "cases", password = "s3cret" },
  fields = { { "org", "string" }, { "at", "time" } } }
source "b" { name = "b", unit = "org", time = "at", plugin = "postgres",
  options = { table = "postgresql://u:pw@db/gov" },
  fields = { { "org", "string" }, { "at", "time" } } }
source "c" { name = "c", unit = "org", time = "at", plugin = "Post gres",
  fields = { { "org", "string" }, { "at", "time" } } }
source "d" { name = "d", unit = "org", time = "at", options = { table = "cases" },
  fields = { { "org", "string" }, { "at", "time" } } }
source "e" { name = "e", unit = "org", time = "at", plugin = "postgres",
  options = { table = { "x" } },
  fields = { { "org", "string" }, { "at", "time" } } }
metric "m" { name = "m", unit = "count", from = "a", kind = "count" }
indicator "p" { name = "p", points = 100 }
indicator "i" { parent = "p", name = "i", points = 100, metric = "m",
  method = target { target = 1 }, standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" } } }
