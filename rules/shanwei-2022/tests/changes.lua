-- 规则测试：2022 年相对 2021 年的变化（月度权重、新增加分项）。

test "月度排名：常态化监测 70%、重大应用平台 30%" {
  scheme = "monthly", period = "2022-05",
  values = {
    -- 常态化监测得 40 分；重大应用平台只有事件结案率一项有数据（达标，10 分），其余平台
    -- 指标本期无业务、按比例放大：10 ÷ 30 × 100 = 33.33 分。
    -- 总分 = 40 × 70% + 33.33 × 30% = 38（按 2021 年权重为 40 × 80% + 33.33 × 20% = 38.67）
    chengqu = { mon_full_online = { 0.95, n = 1150 }, mon_instant = { 0.6, n = 900 },
                mon_time_cut = { 0.8, n = 800 }, mon_ontime = { 1, n = 50 },
                mon_town_online = { 0.9, n = 300 }, pm_close = { 0.95, n = 20 } },
  },
  expect.part("chengqu", "monitoring", 40),
  expect.part("chengqu", "platforms", 33.33, 0.01),
  expect.total("chengqu", 38),
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
