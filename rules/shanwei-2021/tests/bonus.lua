-- 规则测试：年终 加减分与单项否决（bonus.lua），年度综合评分（schemes.lua）。

test "加分项：每项计分、单项上限、合计不超过 +5" {
  scheme = "year_end",
  values = {
    fagai  = { b_innovation = 1, b_special = 1, b_theme = 3 },
    jiaoyu = { b_innovation = 3, b_special = 2, b_theme = 4 },
  },
  expect.points("fagai", "b_innovation", 1),
  expect.points("fagai", "b_special", 1),
  expect.points("fagai", "b_theme", 1.5),                 -- 3 × 0.5
  expect.points("fagai", "bonus", 3.5),
  expect.part("fagai", "bonus", 3.5),
  expect.points("jiaoyu", "b_innovation", 2),             -- 3, capped at 2
  expect.note("jiaoyu", "b_innovation", "达到上限2分"),
  expect.points("jiaoyu", "bonus", 5),                    -- 2 + 2 + 2 = 6, capped at +5
  expect.note("jiaoyu", "bonus", "加减分合计6"),
  expect.status("keji", "b_innovation", "missing"),       -- no record: no bonus
  expect.points("keji", "b_innovation", 0),
}

test "减分项：每起扣分、单项上限、合计不低于 −10" {
  scheme = "year_end",
  values = {
    keji    = { p_security = 1, p_data_truth = 2, p_fund = 15, p_project = 1 },
    gongxin = { p_security = 2, p_data_truth = 6, p_fund = 30, p_project = 0 },
  },
  expect.points("keji", "p_security", -2.5),
  expect.points("keji", "p_data_truth", -2),
  expect.points("keji", "p_fund", -1.5),                  -- 15 × 0.1
  expect.points("keji", "p_project", -1),
  expect.points("keji", "bonus", -7),
  expect.lost("keji", "p_security", 2.5),
  expect.points("gongxin", "p_security", -5),
  expect.points("gongxin", "p_data_truth", -5),           -- 6, capped at −5
  expect.points("gongxin", "p_fund", -3),
  expect.points("gongxin", "p_project", 0),
  expect.points("gongxin", "bonus", -10),                 -- −13, capped at −10
}

test "单项否决：年终考核总分记 0 分" {
  scheme = "year_end",
  values = {
    gongan = { v_veto = 1, b_innovation = 2, bs_issued = 1 },
    fagai  = { v_veto = 0, bs_issued = 1 },
  },
  expect.status("gongan", "v_veto", "veto"),
  expect.total("gongan", 0),
  expect.band("gongan", "不合格"),
  expect.status("fagai", "v_veto", "ok"),
  expect.points("fagai", "v_veto", 0),
}

-- 一个月完整的月度数据（同 monitoring.lua 测试的背景）：fagai 独自有数据时常态化监测 97.6、
-- 重大应用平台 82.5，月度总分 94.58；不报送台账则常态化监测 92.6，月度总分 90.58。
-- （只给一两项数据的单位与有足够数据的单位相比会因证据过少取本组中位数。）
local function month(report)
  return { fagai = {
    mon_full_online = { 0.95, n = 100 }, mon_instant = { 0.4, n = 100 }, mon_time_cut = { 0.8, n = 100 },
    mon_ontime = { 1, n = 100 }, mon_active_rate = { 0.9, n = 100 }, mon_bad_reviews = 0,
    mon_rectify = { 1, n = 10 }, mon_ecert_use = { 0.8, n = 100 }, mon_eseal = { 0.8, n = 100 },
    mon_yue_listing = { 1, n = 10 }, mon_guide = { 1, n = 20 }, mon_zero_proof = 0.9, mon_report = report,
    pm_ontime = { 0.9, n = 50 }, pm_close = { 0.95, n = 50 }, pm_response = { 2, n = 50 },
    pm_data_timely = { 1, n = 10 }, ps_response = { 0.9, n = 20 }, ps_close = { 0.98, n = 20 },
    ps_satisfaction = { 1, n = 20 } } }
end

-- 月度总分随方案权重而变：继承本文件的下一年度规则集若调整权重，以同名测试替换本测试。
test "年度综合评分：4–12 月月度总分平均 × 40% + 年终考核 × 60%" {
  scheme = "annual", period = "year",
  values = { fagai = { v_veto = 1 } },                    -- 年终考核 0 分
  periods = {
    ["YYYY-04"] = month(1),                               -- 月度 94.58
    ["YYYY-05"] = month(0),                               -- 月度 90.58
    ["YYYY-03"] = month(0),                               -- 3 月不计入
  },
  expect.part("fagai", "monthly_avg", 92.58),             -- (94.58 + 90.58) / 2
  expect.part("fagai", "year_end", 0),
  expect.total("fagai", 37.03),                           -- 0.4 × 92.58 = 37.032
}
