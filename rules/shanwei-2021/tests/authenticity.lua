-- 规则测试：评估数据真实性核查（metrics.lua 的 ecert_calls_reported）与 p_data_truth 扣分。
-- 自报用证次数高于系统统计（ecert_calls）10% 以上的月份各记一项，计入 data_truth_issues 的
-- 年度值（与评估方核查的填报值相加），由 p_data_truth 每项扣 1 分。

test "自报高于系统统计超过 10% 的月份各扣 1 分，与评估方核查记录相加" {
  scheme = "year_end", period = "year",
  values = {
    renshe = { p_data_truth = 1 },                  -- 评估方另核查出 1 项
    gongan = { p_data_truth = 0 },
    keji   = { p_data_truth = 0 },
  },
  periods = {
    ["YYYY-05"] = {
      renshe = { ecert_calls_reported = 1200, ecert_calls = 1000 },   -- 高出 20%：记一项
      gongan = { ecert_calls_reported = 1100, ecert_calls = 1000 },   -- 恰好 10%：不记
      keji   = { ecert_calls_reported = 900,  ecert_calls = 1000 },   -- 少报：不记
    },
    ["YYYY-06"] = {
      renshe = { ecert_calls_reported = 50, ecert_calls = 0 },        -- 系统为 0 而自报 50：记一项
      keji   = { ecert_calls_reported = 5000 },                       -- 系统无数据：无从比对，不记
    },
  },
  expect.value("renshe", "p_data_truth", 3),        -- 1 + 2
  expect.points("renshe", "p_data_truth", -3),
  expect.note("renshe", "p_data_truth", "评估数据真实性核查：2项"),
  expect.note("renshe", "p_data_truth", "-05 自报1200，系统1000"),
  expect.points("gongan", "p_data_truth", 0),
  expect.points("keji", "p_data_truth", 0),
  expect.status("keji", "p_data_truth", "ok"),
}

test "只有核查出的问题、没有填报值时，问题项数即为数据" {
  scheme = "year_end", period = "year",
  values = { fagai = { b_innovation = 1 } },
  periods = {
    ["YYYY-03"] = { jiaoyu = { ecert_calls_reported = 130, ecert_calls = 100 } },
    ["YYYY-09"] = { jiaoyu = { ecert_calls_reported = 260, ecert_calls = 200 } },
    ["YYYY-11"] = { jiaoyu = { ecert_calls_reported = 111, ecert_calls = 100 } },
  },
  expect.value("jiaoyu", "p_data_truth", 3),
  expect.points("jiaoyu", "p_data_truth", -3),
  expect.status("jiaoyu", "p_data_truth", "ok"),
  expect.points("fagai", "p_data_truth", 0),        -- 无记录：不加减分
  expect.status("fagai", "p_data_truth", "missing"),
}
