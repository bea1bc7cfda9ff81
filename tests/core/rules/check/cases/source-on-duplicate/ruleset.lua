-- on_duplicate: one of reject, keep_first, replace, and only on a source with a key.
ruleset { id = "check-dup", name = "校验测试", year = 2021 }
group "dept" { name = "市直单位" }

local fields = { { "id", "string" }, { "org", "string" }, { "t", "time" } }
source "typo" { name = "拼错", unit = "org", time = "t", key = "id", on_duplicate = "keep_last",
                fields = fields }
source "nokey" { name = "无主键", unit = "org", time = "t", on_duplicate = "replace",
                 fields = fields }
source "good" { name = "正确", unit = "org", time = "t", key = "id", on_duplicate = "keep_first",
                fields = fields }

metric "n" { name = "件数", from = "good", kind = "count" }
indicator "main" { name = "主", points = 10 }
indicator "a" { parent = "main", name = "件数", points = 10, metric = "n",
  method = linear { lo = 0, hi = 10 }, standard = "测试", source = "测试" }
scheme "monthly" { name = "月度", period = "month", max = 10, parts = { { id = "main" } } }
