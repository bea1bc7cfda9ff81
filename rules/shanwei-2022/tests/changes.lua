-- 规则测试：2022 年相对 2021 年的变化（月度权重、新增加分项）。

test "月度排名：常态化监测 70%、重大应用平台 30%" {
  scheme = "monthly", period = "2022-05",
  values = {
    -- 城区一个月完整的数据（只有一两项数据的单位会因证据过少取本组中位数，min_applicable）：
    -- 常态化监测 30 + 25 + (12 + 5.6) + 25 = 97.6（用章率全组只有城区一家，标准分得 70%）；
    -- 重大应用平台 (10 + 10 + 10 + 20) + (7.5 + 15 + 10) = 82.5。
    -- 总分 = 97.6 × 70% + 82.5 × 30% = 93.07（按 2021 年权重为 97.6 × 80% + 82.5 × 20% = 94.58）
    chengqu = { mon_full_online = { 0.95, n = 1150 }, mon_instant = { 0.6, n = 900 },
                mon_time_cut = { 0.8, n = 800 }, mon_ontime = { 1, n = 50 },
                mon_town_online = { 0.9, n = 300 }, mon_active_rate = { 0.9, n = 100 },
                mon_bad_reviews = 0, mon_rectify = { 1, n = 10 }, mon_ecert_use = { 0.8, n = 100 },
                mon_eseal = { 0.8, n = 100 }, mon_yue_listing = { 1, n = 10 },
                mon_guide = { 1, n = 20 }, mon_zero_proof = 0.9, mon_report = 1,
                pm_ontime = { 0.9, n = 50 }, pm_close = { 0.95, n = 20 }, pm_response = { 2, n = 50 },
                pm_patrol = { 1, n = 50 }, ps_response = { 0.9, n = 20 }, ps_close = { 0.98, n = 20 },
                ps_satisfaction = { 1, n = 20 } },
  },
  expect.part("chengqu", "monitoring", 97.6),
  expect.part("chengqu", "platforms", 82.5),
  expect.total("chengqu", 93.07),
}

test "新增加分项：公共数据开放，每个数据集 0.1 分，最多 1 分" {
  scheme = "year_end", period = "2022",
  values = {
    fagai  = { b_open_data = 4 },
    jiaoyu = { b_open_data = 25 },
  },
  expect.points("fagai", "b_open_data", 0.4),
  expect.points("jiaoyu", "b_open_data", 1),             -- 25 × 0.1 = 2.5，上限 1 分
  expect.note("jiaoyu", "b_open_data", "达到上限1分"),
  expect.points("keji", "b_open_data", 0),               -- 无数据按 0 件计
}
