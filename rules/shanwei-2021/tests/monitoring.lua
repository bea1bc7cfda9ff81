-- 规则测试：月度 常态化监测（monitoring.lua）。运行：pinggu test rules/shanwei-2021
--
-- 周期写作 "YYYY-05"（规则集年度的 5 月）或不写（默认 5 月），分值用 expect.share 写成占该指标分值
-- 的比例，这样 2022 年规则集（extends 本规则集）继承这些测试时，换了年度、调了分值也照样成立。
--
-- 每个 test 只给出少数单位的数据（按指标 id 或数据项 id 填写，{ 值, n = 样本量 }），其余单位
-- 无数据、按各指标的缺数规则计分。期望值按评分标准手算，算式写在注释里。
-- 分值（市直 dept / 县区 county）见 monitoring.lua 文件头。
--
-- 证据过少（min_applicable，monitoring.lua、platforms.lua）：一个单位只有一两项数据时，其所在
-- 维度与部分不再按比例放大，而是不计分或取本组中位数（本组无人达到最低比例时此规则不适用）。
-- 为了让点名单位与一组证据充分的单位相比，各 test 用 rest 给未点名的单位一个月完整的“背景”
-- 数据（rest(...) 列出的指标除外，以免影响按本组计算的指标）。背景单位：常态化监测 100 − 2.4（用章率全组相同，标准分得 70%）
-- = 97.6；重大应用平台 市直 10+10+10+10+7.5+20+15 = 82.5，县区 10+10+10+20+7.5+15+10 = 82.5。
local BACKGROUND = {
  mon_full_online = { 0.95, n = 100 }, mon_instant = { 0.4, n = 100 }, mon_time_cut = { 0.8, n = 100 },
  mon_ontime = { 1, n = 100 }, mon_active_rate = { 0.9, n = 100 }, mon_bad_reviews = 0,
  mon_rectify = { 1, n = 10 }, mon_ecert_use = { 0.8, n = 100 }, mon_eseal = { 0.8, n = 100 },
  mon_yue_listing = { 1, n = 10 }, mon_guide = { 1, n = 20 }, mon_zero_proof = 0.9, mon_report = 1,
  pm_ontime = { 0.9, n = 50 }, pm_close = { 0.95, n = 50 }, pm_response = { 2, n = 50 },
  ps_response = { 0.9, n = 20 }, ps_close = { 0.98, n = 20 }, ps_satisfaction = { 1, n = 20 },
}
local ONLY = { dept = { pm_data_timely = { 1, n = 10 } },
               county = { mon_town_online = { 0.9, n = 100 }, pm_patrol = { 1, n = 50 } } }

-- rest { "id", ... }: the background for every unit no test names, without those indicators
local function rest(without)
  local skip = {}
  for _, id in ipairs(without or {}) do skip[id] = true end
  local out = {}
  for _, g in ipairs { "dept", "county" } do
    local t = {}
    for id, v in pairs(BACKGROUND) do if not skip[id] then t[id] = v end end
    for id, v in pairs(ONLY[g]) do if not skip[id] then t[id] = v end end
    out[g] = t
  end
  return out
end

test "网上办理成熟度：linear、target、steps 的阈值" {
  scheme = "monthly", period = "YYYY-05",
  values = {
    fagai   = { mon_full_online = { 0.5, n = 60 }, mon_instant = { 0.2, n = 50 },
                mon_time_cut = { 0.8, n = 40 }, mon_ontime = { 0.95, n = 100 } },
    jiaoyu  = { mon_full_online = { 0.95, n = 70 }, mon_instant = { 0.4, n = 50 },
                mon_time_cut = { 0.7999, n = 40 }, mon_ontime = { 1, n = 10 } },
    keji    = { mon_full_online = { 0.725, n = 25 }, mon_instant = { 0.5, n = 20 },
                mon_time_cut = { 0.3, n = 12 }, mon_ontime = { 1, n = 9 } },
    gongxin = { mon_full_online = { 0.4999, n = 40 }, mon_time_cut = { 0.2999, n = 30 } },
    chengqu = { mon_full_online = { 0.95, n = 1150 }, mon_instant = { 0.2, n = 900 },
                mon_time_cut = { 0.6, n = 800 }, mon_ontime = { 0.9, n = 50 },
                mon_town_online = { 0.7, n = 300 } },
  },
  rest = rest { "mon_town_online" },
  expect.points("fagai", "mon_full_online", 0),           -- 0.5 = lo
  expect.points("jiaoyu", "mon_full_online", 10),         -- 0.95 = hi
  expect.points("keji", "mon_full_online", 5),            -- 10 × (0.725 − 0.5) / 0.45
  expect.points("gongxin", "mon_full_online", 0),         -- below lo
  expect.points("chengqu", "mon_full_online", 8),         -- county: 8 points
  expect.points("fagai", "mon_instant", 3),               -- 6 × 0.2 / 0.4
  expect.points("jiaoyu", "mon_instant", 6),
  expect.points("keji", "mon_instant", 6),                -- above the target: still 6
  expect.points("chengqu", "mon_instant", 2.5),           -- 5 × 0.5
  expect.points("fagai", "mon_time_cut", 6),              -- ≥ 80 %: 100 %
  expect.points("jiaoyu", "mon_time_cut", 5.4),           -- 70–80 %: 90 %
  expect.points("keji", "mon_time_cut", 1.8),             -- 30–50 %: 30 %
  expect.points("gongxin", "mon_time_cut", 0),            -- below 30 %
  expect.points("chengqu", "mon_time_cut", 3.75),         -- 60–70 %: 75 % of 5
  expect.points("fagai", "mon_ontime", 4),                -- 8 × (0.95 − 0.9) / 0.1
  expect.points("jiaoyu", "mon_ontime", 8),               -- n = 10 = min_n counts
  expect.status("keji", "mon_ontime", "no_business"),     -- n = 9 < min_n 10
  expect.note("keji", "mon_ontime", "样本量9低于最低要求10"),
  expect.points("chengqu", "mon_ontime", 0),              -- 0.9 = lo
  expect.points("chengqu", "mon_town_online", 3),         -- 6 × (0.7 − 0.5) / 0.4
  expect.status("haifeng", "mon_town_online", "missing"), -- missing = zero
  expect.points("haifeng", "mon_town_online", 0),
  expect.status("fagai", "mon_town_online", "off"),       -- county only
  expect.status("gongxin", "mon_instant", "na"),          -- no items: not applicable
}

test "网上办理成熟度：不适用的指标分值按比例分配给同级指标，不足一半的维度不计分" {
  scheme = "monthly",
  values = {
    fagai  = { mon_ontime = { 1, n = 20 }, mon_full_online = { 0.725, n = 30 } },
    jiaoyu = { mon_ontime = { 1, n = 20 } },
  },
  rest = rest(),
  expect.status("fagai", "mon_instant", "na"),
  expect.points("fagai", "mon_ontime", 8),
  expect.points("fagai", "mon_full_online", 5),           -- 10 × (0.725 − 0.5) / 0.45
  expect.points("fagai", "mon_handling", 13 * 30 / 18),   -- (8 + 5) of 18 (60 % ≥ 50 %) → × 30/18
  expect.lost("fagai", "mon_ontime", 0),
  -- jiaoyu：只有按期办结率 8/30（27%），低于最低适用比例 50%：本维度不计分，不放大 3.75 倍
  expect.status("jiaoyu", "mon_handling", "na"),
  expect.note("jiaoyu", "mon_handling", "有本单位数据的分值8/30（26.7%），低于最低适用比例50%"),
  expect.lost("jiaoyu", "mon_ontime", 0),
}

test "好差评：主动评价率、差评扣分、整改率与本组中位数" {
  scheme = "monthly",
  values = {
    fagai   = { mon_active_rate = { 0.7, n = 20 }, mon_bad_reviews = 1, mon_rectify = { 1, n = 3 } },
    jiaoyu  = { mon_active_rate = { 0.9, n = 9 }, mon_bad_reviews = 3, mon_rectify = { 0.8, n = 5 } },
    keji    = { mon_bad_reviews = 9, mon_rectify = { 0.6, n = 5 } },
    gongxin = { mon_bad_reviews = 20, mon_rectify = { 0.5, n = 4 } },
    chengqu = { mon_rectify = { 0, n = 2 } },
  },
  rest = rest { "mon_rectify", "mon_bad_reviews" },
  expect.points("fagai", "mon_active_rate", 4),           -- 8 × (0.7 − 0.5) / 0.4
  expect.status("jiaoyu", "mon_active_rate", "no_business"),
  expect.points("fagai", "mon_bad_reviews", 8),           -- 1 free review
  expect.points("jiaoyu", "mon_bad_reviews", 6),          -- 8 − (3 − 1) × 1
  expect.points("keji", "mon_bad_reviews", 0),            -- 8 − 8: all gone
  expect.points("gongxin", "mon_bad_reviews", 0),         -- 19 lost, capped at 8
  expect.note("gongxin", "mon_bad_reviews", "达到上限8分"),
  expect.status("minzheng", "mon_bad_reviews", "no_business"),
  -- dept values 1, 0.8, 0.6, 0.5: median (0.6 + 0.8) / 2 = 0.7
  expect.points("fagai", "mon_rectify", 9),               -- 100 %: full
  expect.points("jiaoyu", "mon_rectify", 9 * (0.6 + 0.4 * 0.1 / 0.3)),  -- above the median
  expect.points("keji", "mon_rectify", 9 * 0.6 * 0.6 / 0.7),            -- below it
  expect.points("gongxin", "mon_rectify", 9 * 0.6 * 0.5 / 0.7),
  expect.note("keji", "mon_rectify", "本组中位数 70.0%"),
  expect.points("chengqu", "mon_rectify", 5.4),           -- alone: median 0, v ≥ median → 60 %
  expect.status("jiaoyu", "mon_rectify", "ok"),
}

test "电子证照电子印章：用证率 min_n，用章率按本组标准分" {
  scheme = "monthly",
  values = {
    fagai   = { mon_ecert_use = { 0.55, n = 10 }, mon_eseal = { 0.9, n = 100 } },
    jiaoyu  = { mon_ecert_use = { 0.9, n = 5 }, mon_eseal = { 0.5, n = 100 } },
    chengqu = { mon_eseal = { 0.6, n = 100 } },
  },
  rest = rest { "mon_eseal" },
  expect.points("fagai", "mon_ecert_use", 6),             -- 12 × (0.55 − 0.3) / 0.5
  expect.status("jiaoyu", "mon_ecert_use", "no_business"),
  -- dept mean 0.7, population sd 0.2: z = ±1
  expect.points("fagai", "mon_eseal", 8 * 0.85),
  expect.points("jiaoyu", "mon_eseal", 8 * 0.55),
  expect.points("chengqu", "mon_eseal", 8 * 0.7),         -- alone: sd 0 → base
  expect.status("keji", "mon_eseal", "missing"),
}

test "服务渠道与办事指南：上线率比最高、指南 steps、自报沿用、台账报送" {
  scheme = "monthly", period = "YYYY-05",
  values = {
    fagai   = { mon_yue_listing = { 0.8, n = 20 }, mon_guide = { 0.98, n = 50 },
                mon_zero_proof = 0.7, mon_report = 1 },
    jiaoyu  = { mon_yue_listing = { 0.4, n = 10 }, mon_guide = { 0.9799, n = 50 }, mon_report = 0 },
    keji    = { mon_guide = { 0.9, n = 20 } },
    gongxin = { mon_guide = { 0.8, n = 20 } },
    gongan  = { mon_guide = { 0.7999, n = 20 } },
  },
  rest = rest { "mon_yue_listing" },
  periods = {
    ["YYYY-03"] = { jiaoyu = { mon_zero_proof = 0.9 } },
    ["YYYY-01"] = { keji = { mon_zero_proof = 0.9 } },    -- 4 periods back: too old
  },
  expect.points("fagai", "mon_yue_listing", 8),           -- the group's best
  expect.points("jiaoyu", "mon_yue_listing", 4),          -- 0.4 / 0.8
  expect.points("fagai", "mon_guide", 7),                 -- ≥ 98 %
  expect.points("jiaoyu", "mon_guide", 5.95),             -- 95–98 %: 85 %
  expect.points("keji", "mon_guide", 4.9),                -- 90–95 %: 70 %
  expect.points("gongxin", "mon_guide", 2.8),             -- 80–90 %: 40 %
  expect.points("gongan", "mon_guide", 0),
  expect.share("fagai", "mon_zero_proof", 0.5),           -- (0.7 − 0.5) / 0.4 of its points (5: 2.5)
  expect.status("jiaoyu", "mon_zero_proof", "carried"),
  expect.value("jiaoyu", "mon_zero_proof", 0.9),
  expect.share("jiaoyu", "mon_zero_proof", 1),
  expect.note("jiaoyu", "mon_zero_proof", "沿用"),       -- 沿用YYYY-03数据
  expect.status("keji", "mon_zero_proof", "missing"),
  expect.points("keji", "mon_zero_proof", 0),
  expect.points("fagai", "mon_report", 5),
  expect.points("jiaoyu", "mon_report", 0),
  expect.status("jiaoyu", "mon_report", "ok"),
  expect.status("keji", "mon_report", "not_submitted"),
}

-- 总分随方案权重而变：继承本文件的下一年度规则集若调整权重，以同名测试替换本测试。
test "月度总分：两部分按方案权重合计；证据过少的部分取本组中位数" {
  scheme = "monthly",
  values = { fagai = { mon_report = 1 } },
  rest = rest(),
  -- fagai 只报送了工作台账：服务渠道 (0 + 5)/10（自报沿用无数据 0 分）只有 10/25 分有数据，
  -- 电子证照印章只有用章率 8/20（无数据 0 分），均不足一半、不计分；网上办理、好差评无业务。
  -- 常态化监测因此只剩证据过少而不计分的维度，按本组中位数计：其余单位都是背景 97.6。
  -- 以前是 (0 + 5)/10 × 25 = 12.5，再 × 100/45 = 27.78：两项指标撑起整个常态化监测。
  expect.status("fagai", "mon_channel", "na"),
  expect.note("fagai", "mon_channel", "低于最低适用比例"),
  expect.points("fagai", "monitoring", 97.6),
  expect.note("fagai", "monitoring", "按本组中位数97.6000分计"),
  -- 重大应用平台：只有共享数据更新及时率（无数据 0 分）10/50，民情地图不计分；店小二无业务；
  -- 按本组中位数 82.5 计（以前是 0 分：一项 0 分指标放大 10 倍）
  expect.points("fagai", "platforms", 82.5),
  expect.total("fagai", 94.58),                           -- 0.8 × 97.6 + 0.2 × 82.5
  expect.band("fagai", "优秀"),
  -- 背景单位：自己的得分
  expect.points("jiaoyu", "monitoring", 97.6),
  expect.total("jiaoyu", 94.58),
}
