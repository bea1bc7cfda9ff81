-- 规则测试：月度 数字政府重大应用平台（platforms.lua）。分值见 platforms.lua 文件头。

test "民情地图：按期处置、结案、响应时长（越短越好）、巡查走访、共享数据" {
  scheme = "monthly",
  values = {
    fagai   = { pm_ontime = 0.9, pm_close = 0.76, pm_response = 2, pm_data_timely = 1 },
    jiaoyu  = { pm_response = 13, pm_data_timely = 0.95 },
    keji    = { pm_response = 24, pm_data_timely = 0.8 },
    gongxin = { pm_data_timely = 0.6 },
    gongan  = { pm_data_timely = 0.59 },
    chengqu = { pm_ontime = 1, pm_close = 1, pm_response = 1, pm_patrol = 0.85 },
  },
  expect.points("fagai", "pm_ontime", 10),                -- 20 × (0.9 − 0.8) / 0.2
  expect.points("chengqu", "pm_ontime", 20),
  expect.status("jiaoyu", "pm_ontime", "no_business"),
  expect.points("fagai", "pm_close", 8),                  -- 10 × 0.76 / 0.95
  expect.points("chengqu", "pm_close", 10),
  expect.points("fagai", "pm_response", 10),              -- 2 h: full
  expect.points("jiaoyu", "pm_response", 5),              -- 10 × (24 − 13) / 22
  expect.points("keji", "pm_response", 0),                -- 24 h
  expect.points("chengqu", "pm_response", 10),            -- under 2 h
  expect.points("chengqu", "pm_patrol", 10),              -- 20 × (0.85 − 0.7) / 0.3
  expect.points("haifeng", "pm_patrol", 0),               -- missing = zero
  expect.status("fagai", "pm_patrol", "off"),             -- county only
  expect.points("fagai", "pm_data_timely", 10),
  expect.points("jiaoyu", "pm_data_timely", 8),           -- ≥ 90 %: 80 %
  expect.points("keji", "pm_data_timely", 6),             -- ≥ 80 %: 60 %
  expect.points("gongxin", "pm_data_timely", 3),          -- ≥ 60 %: 30 %
  expect.points("gongan", "pm_data_timely", 0),
  expect.status("chengqu", "pm_data_timely", "off"),      -- dept only
}

test "善美店小二：60 分钟响应率、7 日办结率 steps（其余 20%）、企业满意率" {
  scheme = "monthly",
  values = {
    fagai   = { ps_response = 0.9, ps_close = 0.98, ps_satisfaction = 0.925 },
    jiaoyu  = { ps_close = 0.96 },
    keji    = { ps_close = 0.9 },
    gongxin = { ps_close = 0.85 },
    gongan  = { ps_close = 0.5 },
    chengqu = { ps_close = 0.5, ps_satisfaction = 1 },
  },
  expect.points("fagai", "ps_response", 7.5),             -- 15 × (0.9 − 0.8) / 0.2
  expect.status("jiaoyu", "ps_response", "no_business"),
  expect.points("fagai", "ps_close", 20),                 -- ≥ 98 %
  expect.points("jiaoyu", "ps_close", 18),                -- 95–98 %: 90 %
  expect.points("keji", "ps_close", 15),                  -- 90–95 %: 75 %
  expect.points("gongxin", "ps_close", 10),               -- 80–90 %: 50 %
  expect.points("gongan", "ps_close", 4),                 -- below 80 %: 20 %
  expect.points("chengqu", "ps_close", 3),                -- county: 20 % of 15
  expect.points("fagai", "ps_satisfaction", 7.5),         -- 15 × (0.925 − 0.85) / 0.15
  expect.points("chengqu", "ps_satisfaction", 10),
}
