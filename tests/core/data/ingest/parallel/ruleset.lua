-- The rule set of tests/core/data/ingest/test_parallel.c: a source without a key (so that a file is read
-- on several threads) and one metric of every kind, so that every partial field is merged.
ruleset { id = "ingest-parallel-test", name = "并行采集测试", year = 2021 }
group "dept" { name = "市直单位" }

calendar {
  holidays = { "2021-05-03", "2021-05-04", "2021-05-05" },
  workdays = { "2021-05-08" },
}

source "cases" {
  name = "办件", unit = "org_code", time = "accept_date",
  fields = {
    { "project_no", "string" },
    { "org_code", "string" },
    { "item_name", "string", nullable = true },
    { "accept_date", "time" },
    { "result_date", "time", nullable = true },
    { "promise_day", "int" },
    { "channel", "enum", values = { "窗口", "网上", "粤省事", "粤商通" } },
    { "fully_online", "bool" },
    { "rating", "int", nullable = true },
  },
}

local function m(id, def) def.name = id; def.from = "cases"; metric(id)(def) end
m("n_cases",       { kind = "count" })
m("online_share",  { kind = "share", condition = "channel in ('网上', '粤省事', '粤商通')" })
m("full_share",    { kind = "share", condition = "fully_online" })
m("ontime_share",  { kind = "share", where = "result_date is not null",
                     condition = "workdays(accept_date, result_date) <= promise_day" })
m("mean_days",     { kind = "mean", value = "days(accept_date, result_date)" })
m("p90_days",      { kind = "p90", value = "days(accept_date, result_date)" })
m("max_rating",    { kind = "max", value = "rating" })
m("min_rating",    { kind = "min", value = "rating" })
m("total_days",    { kind = "sum", value = "days(accept_date, result_date)" })
m("days_ratio",    { kind = "ratio", value = "days(accept_date, result_date)",
                     denominator = "promise_day / 3" })
m("channels",      { kind = "distinct", value = "channel" })
m("ytd_cases",     { kind = "count", over = "year_to_date" })
m("ye_cases",      { kind = "count", over = "year_end" })

local monthly = { "n_cases", "online_share", "full_share", "ontime_share", "mean_days",
  "p90_days", "max_rating", "min_rating", "total_days", "days_ratio", "channels", "ytd_cases" }
indicator "all" { name = "全部", points = 10 * #monthly }
for _, id in ipairs(monthly) do
  indicator("i_" .. id) { parent = "all", name = id, points = 10, metric = id,
    method = linear { lo = 0, hi = 1e9 }, standard = "测试", source = "测试" }
end
indicator "year" { name = "年终", points = 10 }
indicator "i_ye_cases" { parent = "year", name = "ye_cases", points = 10, metric = "ye_cases",
  method = linear { lo = 0, hi = 1e9 }, standard = "测试", source = "测试" }

scheme "m" { name = "月度", period = "month", max = 10 * #monthly, parts = { { id = "all" } } }
scheme "y" { name = "年终", period = "year", max = 10, parts = { { id = "year" } } }
