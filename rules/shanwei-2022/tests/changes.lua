-- 规则测试：2022 年相对 2021 年的变化（月度权重、退出台账报送、证明事项免提交 10 分、新增加分项）。
--
-- 2021 年的规则测试（../shanwei-2021/tests）由本规则集继承、按 2022 年运行：周期写作 "YYYY-05"、
-- 分值写成占指标分值的比例（expect.share）的测试照样成立；关于已退出指标 mon_report 的期望
-- 不再检查；总分随权重变化的两个测试由本文件中同名的测试替换。`pinggu test rules/shanwei-2022`
-- 列出替换和不再检查的各项。

-- 城区一个月完整的数据（只有一两项数据的单位会因证据过少取本组中位数，min_applicable）。
local CHENGQU = {
  mon_full_online = { 0.95, n = 1150 }, mon_instant = { 0.6, n = 900 },
  mon_time_cut = { 0.8, n = 800 }, mon_ontime = { 1, n = 50 },
  mon_town_online = { 0.9, n = 300 }, mon_active_rate = { 0.9, n = 100 },
  mon_bad_reviews = 0, mon_rectify = { 1, n = 10 }, mon_ecert_use = { 0.8, n = 100 },
  mon_eseal = { 0.8, n = 100 }, mon_yue_listing = { 1, n = 10 },
  mon_guide = { 1, n = 20 }, mon_zero_proof = 0.9,
  pm_ontime = { 0.9, n = 50 }, pm_close = { 0.95, n = 20 }, pm_response = { 2, n = 50 },
  pm_patrol = { 1, n = 50 }, ps_response = { 0.9, n = 20 }, ps_close = { 0.98, n = 20 },
  ps_satisfaction = { 1, n = 20 },
}

test "月度排名：常态化监测 70%、重大应用平台 30%" {
  scheme = "monthly", period = "YYYY-05",
  values = { chengqu = CHENGQU },
  -- 常态化监测 30 + 25 + (12 + 5.6) + (8 + 7 + 10) = 97.6（用章率全组只有城区一家，标准分得 70%；
  -- 服务渠道与办事指南仍 25 分：证明事项免提交 10 分接替台账报送的 5 分）；
  -- 重大应用平台 (10 + 10 + 10 + 20) + (7.5 + 15 + 10) = 82.5。
  -- 总分 = 97.6 × 70% + 82.5 × 30% = 93.07（按 2021 年权重为 97.6 × 80% + 82.5 × 20% = 94.58）
  expect.part("chengqu", "monitoring", 97.6),
  expect.part("chengqu", "platforms", 82.5),
  expect.total("chengqu", 93.07),
}

test "证明事项免提交比例 10 分，台账报送退出" {
  scheme = "monthly", period = "first_month",
  values = { chengqu = CHENGQU, fagai = { mon_zero_proof = 0.7 } },
  expect.points("chengqu", "mon_zero_proof", 10),         -- 90 % 及以上满分：2022 年 10 分
  expect.points("fagai", "mon_zero_proof", 5),            -- 10 × (0.7 − 0.5) / 0.4
  expect.share("fagai", "mon_zero_proof", 0.5),           -- 与 2021 年同一比例（5 分中的 2.5 分）
  expect.points("chengqu", "mon_channel", 25),            -- 8 + 7 + 10
}

-- 市直单位一个月完整的数据：常态化监测 97.6，重大应用平台 10+10+10+10+7.5+20+15 = 82.5（同 2021 年
-- 测试的背景单位，../shanwei-2021/tests/monitoring.lua 开头）。
local DEPT = {}
for id, v in pairs(CHENGQU) do DEPT[id] = v end
DEPT.mon_town_online, DEPT.pm_patrol, DEPT.pm_data_timely = nil, nil, { 1, n = 10 }

-- 替换 ../shanwei-2021/tests/monitoring.lua 的同名测试（2021 年权重 80% + 20%）。
test "月度总分：两部分按方案权重合计；证据过少的部分取本组中位数" {
  scheme = "monthly",
  values = { fagai = { mon_eseal = { 0.8, n = 100 } }, jiaoyu = DEPT, keji = DEPT, gongxin = DEPT },
  -- fagai 只有用章率：电子证照印章 8/20 分有数据，不足一半、不计分；其余维度无数据或无业务。
  -- 常态化监测因此按本组中位数计（证据充分的 jiaoyu、keji、gongxin 都是 97.6）；
  -- 重大应用平台只有共享数据更新及时率（无数据 0 分）的 10/50，同样取本组中位数 82.5。
  expect.status("fagai", "mon_support", "na"),
  expect.note("fagai", "monitoring", "按本组中位数97.6000分计"),
  expect.points("fagai", "monitoring", 97.6),
  expect.points("fagai", "platforms", 82.5),
  expect.total("fagai", 93.07),                           -- 0.7 × 97.6 + 0.3 × 82.5
  expect.band("fagai", "优秀"),
  expect.points("jiaoyu", "monitoring", 97.6),
  expect.total("jiaoyu", 93.07),
}

-- 替换 ../shanwei-2021/tests/bonus.lua 的同名测试：月度总分按 2022 年权重。
test "年度综合评分：4–12 月月度总分平均 × 40% + 年终考核 × 60%" {
  scheme = "annual", period = "year",
  values = { fagai = { v_veto = 1 } },                    -- 年终考核 0 分
  periods = {
    ["YYYY-04"] = { fagai = DEPT },                       -- 月度 93.07
    ["YYYY-05"] = { fagai = DEPT },                       -- 月度 93.07
    ["YYYY-03"] = { fagai = { mon_zero_proof = 0.5 } },   -- 3 月不计入
  },
  expect.part("fagai", "monthly_avg", 93.07),
  expect.part("fagai", "year_end", 0),
  expect.total("fagai", 37.23),                           -- 0.4 × 93.07 = 37.228
}

test "新增加分项：公共数据开放，每个数据集 0.1 分，最多 1 分" {
  scheme = "year_end", period = "year",
  values = {
    fagai  = { b_open_data = 4 },
    jiaoyu = { b_open_data = 25 },
  },
  expect.points("fagai", "b_open_data", 0.4),
  expect.points("jiaoyu", "b_open_data", 1),             -- 25 × 0.1 = 2.5，上限 1 分
  expect.note("jiaoyu", "b_open_data", "达到上限1分"),
  expect.points("keji", "b_open_data", 0),               -- 无数据按 0 件计
}
