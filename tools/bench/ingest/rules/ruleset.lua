-- The rule set of the ingestion benchmark (tools/bench/ingest-run): one source of case
-- records and the eight metrics of the reference query, per unit and sampling month. Each
-- metric is read by a leaf so that the set loads and `pinggu check` passes; the benchmark
-- reads the figures from the stored partials, not from the scores.
--
-- `cases` declares no key: a key makes ingest remember a hash of every record's key, which
-- grows with the file (the runner's --key option times that variant, source `cases_keyed`).
ruleset { id = "bench-ingest", name = "采集基准", year = 2021 }
group "dept"   { name = "市直单位" }
group "county" { name = "县(市、区)及管委会" }

local fields = {
  { "case_id", "string" },
  { "org_code", "string" },
  { "item_code", "string" },
  { "item_name", "string" },
  { "applicant_type", "enum", values = { "个人", "法人" } },
  { "accept_time", "time" },
  { "result_time", "time", nullable = true },
  { "promise_days", "int" },
  { "channel", "enum", values = { "窗口", "网上", "粤省事", "粤商通", "自助终端", "邮寄" } },
  { "fully_online", "bool" },
  { "uses_ecert", "bool" },
  { "rating", "int", nullable = true },
}

source "cases" { name = "办件", unit = "org_code", time = "accept_time", fields = fields }
source "cases_keyed" { name = "办件（按办件编号去重）", unit = "org_code", time = "accept_time",
                       key = "case_id", fields = fields }

-- The reference query's eight figures.
local reference = {
  { "n",           "办件量",         "count", { kind = "count" } },
  { "online",      "网上办理占比",   "share", { kind = "share",
                                                condition = "channel in ('网上', '粤省事', '粤商通')" } },
  { "full_online", "全程网办占比",   "share", { kind = "share", condition = "fully_online" } },
  { "ontime",      "按承诺时限办结率", "share", { kind = "share", where = "result_time is not null",
                                                condition = "days(accept_time, result_time) <= promise_days" } },
  { "mean_days",   "平均办理天数",   "days",  { kind = "mean", value = "days(accept_time, result_time)" } },
  { "ecert",       "电子证照使用率", "share", { kind = "share", condition = "uses_ecert" } },
  { "rating",      "平均评价",       "score", { kind = "mean", value = "rating" } },
  { "low_ratings", "差评件数",       "count", { kind = "count", where = "rating <= 2" } },
}

for _, src in ipairs { "cases", "cases_keyed" } do
  local part = src == "cases" and "ref" or "ref_keyed"
  indicator(part) { name = src == "cases" and "参考查询" or "参考查询（去重）",
                    points = 10 * #reference }
  for _, r in ipairs(reference) do
    local id = (src == "cases" and "" or "k_") .. r[1]
    local def = { name = r[2], unit = r[3], from = src }
    for k, v in pairs(r[4]) do def[k] = v end
    metric(id)(def)
    indicator("i_" .. id) { parent = part, name = r[2], points = 10, metric = id,
      method = linear { lo = 0, hi = 1e9 }, missing = "not_applicable",
      standard = "基准测试用，不计分", source = "生成的办件数据" }
  end
end

scheme "monthly" { name = "月度", period = "month", max = 10 * #reference,
                   parts = { { id = "ref" } } }
scheme "monthly_keyed" { name = "月度（去重）", period = "month", max = 10 * #reference,
                         parts = { { id = "ref_keyed" } } }
