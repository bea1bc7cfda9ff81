-- 规则测试：年终 数字政府基础能力（basic.lua）与重大应用平台（platform_ye.lua）。
-- 年终数据的周期为规则集的年度（scheme year_end 的默认周期；2021 年规则集即 "2021"）。

test "数字化支撑能力：极差、线性、达标率、制发、用章量 steps" {
  scheme = "year_end",
  values = {
    fagai   = { bd_catalog = 0.9, bd_share = 0.9, be_issue = 0.475, be_use = { 0.55, n = 100 },
                bs_issued = 1, bs_uses = 10000, ba_auth = 0.75, ba_yzy = 0.45 },
    jiaoyu  = { bd_catalog = 0.5, bs_issued = 0, bs_uses = 1999 },
    keji    = { bd_catalog = 0.7, bs_uses = 1 },
    gongxin = { bs_uses = 0 },
  },
  expect.points("fagai", "bd_catalog", 4),                -- the group's highest
  expect.points("jiaoyu", "bd_catalog", 0),               -- the lowest
  expect.points("keji", "bd_catalog", 2),                 -- (0.7 − 0.5) / (0.9 − 0.5)
  expect.points("fagai", "bd_share", 2),                  -- 4 × (0.9 − 0.8) / 0.2
  expect.status("jiaoyu", "bd_share", "na"),
  expect.points("fagai", "be_issue", 1.5),                -- 3 × 0.475 / 0.95
  expect.points("fagai", "be_use", 1.5),                  -- 3 × (0.55 − 0.3) / 0.5
  expect.points("fagai", "bs_issued", 2),
  expect.points("jiaoyu", "bs_issued", 0),
  expect.points("fagai", "bs_uses", 3),                   -- ≥ 10000
  expect.points("jiaoyu", "bs_uses", 1.8),                -- ≥ 500: 60 %
  expect.points("keji", "bs_uses", 0.9),                  -- ≥ 1: 30 %
  expect.points("gongxin", "bs_uses", 0),
  expect.points("fagai", "ba_auth", 1.5),                 -- 3 × (0.75 − 0.5) / 0.5
  expect.points("fagai", "ba_yzy", 1.5),                  -- 3 × 0.45 / 0.9
  expect.status("jiaoyu", "ba_yzy", "missing"),
}

test "数字化服务能力：事项一致率 steps、指南、动态调整、镇村标准化、同源、汇聚、供给方式" {
  scheme = "year_end",
  values = {
    fagai   = { bi_consistency = 0.98, bi_guide = 0.925, bi_update = 0.475, bss_same = 0.9,
                bss_sync = 0.95, bc_full_online = 0.725, bc_mobile = 0.55 },
    jiaoyu  = { bi_consistency = 0.9 },
    chengqu = { bi_consistency = 1, bi_guide = 1, bi_town_std = 0.8 },
  },
  expect.points("fagai", "bi_consistency", 3.6),          -- ≥ 98 %: 90 % of 4
  expect.points("jiaoyu", "bi_consistency", 1.6),         -- ≥ 90 %: 40 % of 4
  expect.points("chengqu", "bi_consistency", 3),          -- county: 3 points
  expect.points("fagai", "bi_guide", 2),                  -- 4 × (0.925 − 0.85) / 0.15
  expect.points("chengqu", "bi_guide", 3),
  expect.points("fagai", "bi_update", 2),                 -- 4 × 0.475 / 0.95
  expect.points("chengqu", "bi_town_std", 1.5),           -- 3 × (0.8 − 0.6) / 0.4
  expect.status("fagai", "bi_town_std", "off"),
  expect.points("fagai", "bss_same", 2.5),                -- 5 × (0.9 − 0.8) / 0.2
  expect.points("fagai", "bss_sync", 1.5),                -- 3 × (0.95 − 0.9) / 0.1
  expect.points("fagai", "bc_full_online", 2.5),          -- 5 × (0.725 − 0.5) / 0.45
  expect.points("fagai", "bc_mobile", 2.5),               -- 5 × (0.55 − 0.3) / 0.5
}

test "数字化服务成效：网上申办率、访问量按排名、满意率 steps、压缩率、零跑动、证明免提交" {
  scheme = "year_end",
  values = {
    fagai    = { bu_online_apply = 0.65, bu_visits = 100, bu_satisfaction = 0.999,
                 bf_time_cut = 0.65, bf_zero_visit = 0.8, bf_zero_proof = 0.7 },
    jiaoyu   = { bu_visits = 90, bu_satisfaction = 0.9989 },
    keji     = { bu_visits = 90, bu_satisfaction = 0.97 },
    gongxin  = { bu_visits = 80 },
    gongan   = { bu_visits = 70 },
    minzheng = { bu_visits = 60 },
    sifa     = { bu_visits = 50 },
    caizheng = { bu_visits = 40 },
    renshe   = { bu_visits = 30 },
  },
  expect.points("fagai", "bu_online_apply", 2.5),         -- 5 × (0.65 − 0.4) / 0.5
  expect.points("fagai", "bu_visits", 3),                 -- rank 1
  expect.points("jiaoyu", "bu_visits", 2.85),             -- tied 2nd: 95 %
  expect.points("keji", "bu_visits", 2.85),
  expect.points("gongxin", "bu_visits", 2.55),            -- 4th (1-2-2-4): 85 %
  expect.points("caizheng", "bu_visits", 1.95),           -- 8th: rest 65 %
  expect.points("renshe", "bu_visits", 1.95),
  expect.points("fagai", "bu_satisfaction", 4),           -- ≥ 99.9 %
  expect.points("jiaoyu", "bu_satisfaction", 3.6),        -- ≥ 99.5 %: 90 %
  expect.points("keji", "bu_satisfaction", 0.8),          -- below 98 %: 20 %
  expect.points("fagai", "bf_time_cut", 2.5),             -- 5 × (0.65 − 0.5) / 0.3
  expect.points("fagai", "bf_zero_visit", 2),             -- 4 × (0.8 − 0.7) / 0.2
  expect.points("fagai", "bf_zero_proof", 2),             -- 4 × (0.7 − 0.5) / 0.4
  expect.status("jiaoyu", "bf_zero_proof", "not_submitted"),
}

test "年终重大应用平台：数据类数按组分设、账号活跃、登记、按期处置、网格员、满意率、重复投诉" {
  scheme = "year_end",
  values = {
    fagai   = { py_data_dept = 2, py_accounts = 0.725, py_smdx_reg = 1, py_ontime = 0.9,
                py_satisfaction = 0.925, py_repeat = 2 },
    chengqu = { py_data_county = 6, py_accounts = 0.95, py_ontime = 0.9, py_grid = 0.9 },
  },
  expect.points("fagai", "py_data_dept", 1.5),            -- 3 × 2 / 4
  expect.status("chengqu", "py_data_dept", "off"),
  expect.points("chengqu", "py_data_county", 1),          -- 2 × 6 / 12
  expect.points("fagai", "py_accounts", 1.5),             -- 3 × (0.725 − 0.5) / 0.45
  expect.points("chengqu", "py_accounts", 2),
  expect.points("fagai", "py_smdx_reg", 2),
  expect.points("chengqu", "py_smdx_reg", 0),             -- no data: 0 (all units count)
  expect.points("fagai", "py_ontime", 3),                 -- 6 × (0.9 − 0.8) / 0.2
  expect.points("chengqu", "py_ontime", 2),               -- county: 4 × 0.5
  expect.points("chengqu", "py_grid", 2),                 -- 4 × (0.9 − 0.8) / 0.2
  expect.points("fagai", "py_satisfaction", 1.5),         -- 3 × (0.925 − 0.85) / 0.15
  expect.points("fagai", "py_repeat", 2),                 -- 3 − (2 − 1)
  expect.points("chengqu", "py_repeat", 0),               -- no data: 0
}
