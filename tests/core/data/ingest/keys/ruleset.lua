-- The rule set of test_keys.c: the same kind of record as three sources that differ only in
-- what a key repeated across batches gets (on_duplicate), one metric of every kind over each.
ruleset { id = "keys-test", name = "主键测试", year = 2021 }
group "dept" { name = "市直单位" }

local fields = {
  { "case_id", "string" },
  { "org", "string" },
  { "t", "time" },
  { "amount", "number" },
  { "tag", "string", nullable = true },
}
source "rej" { name = "拒绝", unit = "org", time = "t", key = "case_id", fields = fields }
source "kf" { name = "保留先到", unit = "org", time = "t", key = "case_id",
              on_duplicate = "keep_first", fields = fields }
source "rp" { name = "后到替换", unit = "org", time = "t", key = "case_id",
              on_duplicate = "replace", fields = fields }

local kinds = {
  n = { kind = "count" },
  total = { kind = "sum", value = "amount" },
  avg = { kind = "mean", value = "amount" },
  ratio = { kind = "ratio", value = "amount", denominator = "amount * amount + 1" },
  tags = { kind = "distinct", value = "tag" },
  med = { kind = "p50", value = "amount" },
  lo = { kind = "min", value = "amount" },
  hi = { kind = "max", value = "amount" },
  big = { kind = "share", condition = "amount > 1" },
  ytd = { kind = "sum", value = "amount", over = "year_to_date" },
}
local names = { "n", "total", "avg", "ratio", "tags", "med", "lo", "hi", "big", "ytd" }
indicator "all" { name = "全部", points = 10 * #names * 3 }
for _, src in ipairs { "rej", "kf", "rp" } do
  for _, k in ipairs(names) do
    local def = {}
    for key, v in pairs(kinds[k]) do def[key] = v end
    def.name = src .. "_" .. k
    def.from = src
    metric(src .. "_" .. k)(def)
    indicator("i_" .. src .. "_" .. k) { parent = "all", name = src .. "_" .. k, points = 10,
      metric = src .. "_" .. k, method = linear { lo = 0, hi = 1e9 }, standard = "测试",
      source = "测试" }
  end
end
scheme "m" { name = "月度", period = "month", max = 10 * #names * 3, parts = { { id = "all" } } }
