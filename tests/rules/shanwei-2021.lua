-- rules.shanwei-2021 — pins individual indicators of rules/shanwei-2021 at their thresholds.
--
-- Each case writes a tiny data directory (a single CSV, `unit,period,metric,value,n`) to a
-- temporary directory, runs `pinggu eval --format json` against the real rule set, and checks
-- the points of named (unit, indicator) cells, or totals, against figures worked out by hand
-- from the indicator's scoring standard (the comment of each expectation shows the arithmetic;
-- the file:line is where the rule is declared). Units without rows are scored too, by their
-- missing-data policies, and are ignored here unless a case says otherwise.
--
-- This is the interim rule-test suite until `pinggu test` exists.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = L.args()
local RULES = root .. "/rules/shanwei-2021"
local T = L.tester("rules.shanwei-2021")
local TOL = 5.1e-5          -- points are printed to 4 decimals

local function num(v) if L.isnull(v) then return nil end return v end

-- The background of every monthly case: each unit has a full month of evidence on every
-- monthly metric the case does not set itself (for each month the case's rows name). Without
-- it a unit with one or two rows rests on a sliver of its dimensions, and the thin-evidence
-- policy (min_applicable, monitoring.lua and platforms.lua) stands aside only while no unit of
-- the group has more; the background gives the group well-evidenced units, as a real month
-- has, so each case sees the policy at work where it says so. Relative
-- methods see the background values only on metrics the case does not set. Points of one
-- background unit: monitoring 100 − 2.4 (mon_eseal: every unit at 0.8, sd 0 → 70 % of 8) =
-- 97.6; platforms dept 10 + 10 + 10 + 10 + 7.5 + 20 + 15 = 82.5, county 10 + 10 + 10 + 20 +
-- 7.5 + 15 + 10 = 82.5 (pm_ontime 0.9 → half of 20; ps_response 0.9 → half of 15).
local BACKGROUND = {
  -- metric, value, n, group (nil: both)
  { "full_online_rate", "0.95", 100 }, { "instant_rate", "0.4", 100 }, { "time_cut_rate", "0.8", 100 },
  { "ontime_rate", "1", 100 }, { "town_online_rate", "0.9", 100, "county" },
  { "review_active_rate", "0.9", 100 }, { "bad_reviews", 0, 100 }, { "bad_rectify_rate", "1", 10 },
  { "ecert_use_rate", "0.8", 100 }, { "eseal_rate", "0.8", 100 }, { "yue_listing_rate", "1", 10 },
  { "guide_accuracy", "1", 20 }, { "zero_proof_rate", "0.9" }, { "monthly_report", 1 },
  { "mq_ontime_rate", "0.9", 50 }, { "mq_close_rate", "0.95", 50 }, { "mq_response_hours", "2", 50 },
  { "mq_patrol_rate", "1", 50, "county" }, { "mq_data_timely", "1", 10, "dept" },
  { "sm_response_rate", "0.9", 20 }, { "sm_close_rate", "0.98", 20 }, { "sm_satisfaction", "1", 20 },
}

local UNITS = {} -- { id, group } in units.csv order
for line in io.lines(RULES .. "/units.csv") do
  local id, _, group = line:match("^([^,]*),([^,]*),([^,]*)")
  if id and id ~= "id" then UNITS[#UNITS + 1] = { id, group } end
end

-- rows: { unit, period, metric, value, n } (n optional); value / n written with tostring.
-- opts.without: background metrics to leave out as well (a case about rescaling);
-- opts.lacks = { unit = { metric, ... } }: background metrics one unit goes without;
-- opts.months: months to give the background although no row names them.
local function write_data(rows, opts)
  opts = opts or {}
  local dir = L.tmpdir()
  local out = { "unit,period,metric,value,n" }
  local function add(r)
    out[#out + 1] = string.format("%s,%s,%s,%s,%s", r[1], r[2], r[3], tostring(r[4]), r[5] ~= nil and tostring(r[5]) or "")
  end
  local months, set, nmonths = {}, {}, {}
  for _, r in ipairs(rows) do
    add(r)
    set[r[2] .. "/" .. r[3]] = true
    if r[2]:match("^%d%d%d%d%-%d%d$") and not months[r[2]] then
      months[r[2]] = true
      nmonths[#nmonths + 1] = r[2]
    end
  end
  for _, m in ipairs(opts.months or {}) do
    if not months[m] then months[m] = true; nmonths[#nmonths + 1] = m end
  end
  for _, m in ipairs(opts.without or {}) do set["*/" .. m] = true end
  for _, p in ipairs(nmonths) do
    for _, b in ipairs(BACKGROUND) do
      if not set[p .. "/" .. b[1]] and not set["*/" .. b[1]] then
        for _, u in ipairs(UNITS) do
          local lacks = false
          for _, m in ipairs((opts.lacks or {})[u[1]] or {}) do lacks = lacks or m == b[1] end
          if (not b[4] or b[4] == u[2]) and not lacks then add { u[1], p, b[1], b[2], b[3] } end
        end
      end
    end
  end
  L.write(dir .. "/data.csv", table.concat(out, "\n") .. "\n")
  return dir
end

local function evaluate(dir, scheme, period, format)
  local out, err, code = L.run(L.eval_cmd(bin, { rules = RULES, data = dir, scheme = scheme, period = period,
    format = format or "json" }))
  if code ~= 0 then error(string.format("pinggu eval %s %s: exit %d\n%s", scheme, period, code, err)) end
  if (format or "json") ~= "json" then return out end
  return cjson.decode(out)
end

local function index(doc)
  local units, cells, rows = {}, {}, {}
  for _, u in ipairs(doc.units) do
    units[u.unit] = u
    cells[u.unit] = {}
    for _, i in ipairs(u.indicators or {}) do cells[u.unit][i.id] = i end
  end
  for _, g in ipairs(doc.groups) do
    for _, r in ipairs(g.ranking) do rows[r.unit] = r end
  end
  return units, cells, rows
end

-- expectations: { unit, indicator, points = p | nil for dropped, status = s, capped = b,
--                 weight = w, why = "..." } or { unit, total = t, rank = r, band = b, veto = v,
--                 clamped = c, part = { id, score } }
local function check(label, doc, expects)
  local units, cells, rows = index(doc)
  for _, e in ipairs(expects) do
    local what = string.format("%s: %s %s", label, e[1], e[2] or "")
    if e.why then what = what .. " [" .. e.why .. "]" end
    if e[2] then
      local c = cells[e[1]] and cells[e[1]][e[2]]
      if T:ok(c ~= nil, what .. ": listed") then
        if e.status then T:eq(what .. " status", e.status, c.status) end
        if e.points ~= nil then T:near(what .. " points", e.points, num(c.points), TOL) end
        if e.dropped then T:eq(what .. " points (dropped)", nil, num(c.points)) end
        if e.capped ~= nil then T:eq(what .. " capped", e.capped, c.capped) end
        if e.weight ~= nil then T:near(what .. " weight", e.weight, num(c.weight), 5.1e-7) end
        if e.carried_from ~= nil then T:eq(what .. " carried_from", e.carried_from, num(c.carried_from)) end
        if e.note then T:contains(what .. " note", num(c.note) or "", e.note) end
      end
    else
      local u, r = units[e[1]] or {}, rows[e[1]] or {}
      if e.total ~= nil then
        T:near(what .. " total", e.total, num(u.total), 0.0051)
        T:near(what .. " ranking total", e.total, num(r.total), 0.0051)
      end
      if e.rank ~= nil then T:eq(what .. " rank", e.rank, num(r.rank)) end
      if e.band ~= nil then T:eq(what .. " band", e.band, num(r.band)) end
      if e.veto ~= nil then
        T:eq(what .. " veto (units)", e.veto or nil, num(u.veto))
        T:eq(what .. " veto (ranking)", e.veto or nil, num(r.veto))
      end
      if e.clamped ~= nil then T:eq(what .. " clamped", e.clamped, u.clamped) end
      if e.tie_breaker ~= nil then T:eq(what .. " tie_breaker", e.tie_breaker or nil, num(r.tie_breaker)) end
      if e.part then T:near(what .. " part " .. e.part[1], e.part[2], num((r.parts or {})[e.part[1]]), 0.0051) end
    end
  end
  return units, cells, rows
end

local function case(title, fn) T:section(title, fn) end

---------------------------------------------------------------------------
-- monthly indicators
---------------------------------------------------------------------------
case("mon_full_online 全程网办办件占比: linear 0.5 → 0.95 (monitoring.lua:23-29)", function()
  -- points: dept 10, county 8; missing → not_applicable. Units given by id, alias, code, name.
  local P = "2021-05"
  local doc = evaluate(write_data {
    { "市发改局", P, "full_online_rate", "0.5", 60 },         -- alias of fagai
    { "441599002", P, "full_online_rate", "0.95", 70 },       -- code of jiaoyu
    { "市科学技术局", P, "full_online_rate", "0.725", 25 },    -- name of keji
    { "gongxin", P, "full_online_rate", "0.4999", 40 },
    { "gongan", P, "full_online_rate", "1", 380 },
    { "sifa", P, "full_online_rate", "0.9499", 75 },
    { "chengqu", P, "full_online_rate", "0.95", 1150 },
    { "haifeng", P, "full_online_rate", "0.725", 1280 },
    { "luhe", P, "full_online_rate", "0.5", 1050 },
  }, "monthly", P)
  check("full_online", doc, {
    { "fagai", "mon_full_online", points = 0, status = "ok", why = "0.5 = lo → 0" },
    { "jiaoyu", "mon_full_online", points = 10, why = "0.95 = hi → full 10" },
    { "keji", "mon_full_online", points = 5, why = "10 × (0.725 − 0.5) / 0.45 = 5" },
    { "gongxin", "mon_full_online", points = 0, why = "below lo → 0" },
    { "gongan", "mon_full_online", points = 10, why = "above hi → 10" },
    { "sifa", "mon_full_online", points = 10 * 0.4499 / 0.45, why = "10 × 0.4499 / 0.45 = 9.99778" },
    { "chengqu", "mon_full_online", points = 8, why = "county: 0.95 → full 8" },
    { "haifeng", "mon_full_online", points = 4, why = "8 × 0.225 / 0.45 = 4" },
    { "luhe", "mon_full_online", points = 0, why = "0.5 → 0" },
    { "minzheng", "mon_full_online", status = "na", dropped = true, why = "no row → not applicable" },
  })
end)

case("mon_time_cut 承诺时限压缩率: steps boundaries (monitoring.lua:39-46)", function()
  -- ≥0.8 → 100 %, ≥0.7 → 90 %, ≥0.6 → 75 %, ≥0.5 → 60 %, ≥0.3 → 30 %, else 0; dept 6, county 5
  local P = "2021-05"
  local vals = { fagai = "0.8", jiaoyu = "0.7999", keji = "0.7", gongxin = "0.6999", gongan = "0.6",
                 minzheng = "0.5", sifa = "0.4999", caizheng = "0.3", renshe = "0.2999", ziran = "1",
                 shengtai = "0.5999", chengqu = "0.6", haifeng = "0.3" }
  local rows = {}
  for u, v in pairs(vals) do rows[#rows + 1] = { u, P, "time_cut_rate", v, 100 } end
  local doc = evaluate(write_data(rows), "monthly", P)
  check("time_cut", doc, {
    { "fagai", "mon_time_cut", points = 6, why = "0.8 → 1 × 6" },
    { "jiaoyu", "mon_time_cut", points = 5.4, why = "0.7999 → 0.9 × 6" },
    { "keji", "mon_time_cut", points = 5.4, why = "0.7 → 0.9 × 6" },
    { "gongxin", "mon_time_cut", points = 4.5, why = "0.6999 → 0.75 × 6" },
    { "gongan", "mon_time_cut", points = 4.5, why = "0.6 → 0.75 × 6" },
    { "shengtai", "mon_time_cut", points = 3.6, why = "0.5999 → 0.6 × 6" },
    { "minzheng", "mon_time_cut", points = 3.6, why = "0.5 → 0.6 × 6" },
    { "sifa", "mon_time_cut", points = 1.8, why = "0.4999 → 0.3 × 6" },
    { "caizheng", "mon_time_cut", points = 1.8, why = "0.3 → 0.3 × 6" },
    { "renshe", "mon_time_cut", points = 0, why = "0.2999 → otherwise 0" },
    { "ziran", "mon_time_cut", points = 6, why = "1 → 6" },
    { "chengqu", "mon_time_cut", points = 3.75, why = "county: 0.6 → 0.75 × 5" },
    { "haifeng", "mon_time_cut", points = 1.5, why = "county: 0.3 → 0.3 × 5" },
  })
end)

case("mon_bad_reviews 差评数: deduct 1 per review beyond 1, capped at 8 (monitoring.lua:78-84)", function()
  local P = "2021-05"
  local doc = evaluate(write_data {
    { "fagai", P, "bad_reviews", 0 }, { "jiaoyu", P, "bad_reviews", 1 }, { "keji", P, "bad_reviews", 2 },
    { "gongxin", P, "bad_reviews", 8 }, { "gongan", P, "bad_reviews", 9 }, { "sifa", P, "bad_reviews", 12 },
    { "chengqu", P, "bad_reviews", 100 },
  }, "monthly", P)
  local _, cells = check("bad_reviews", doc, {
    { "fagai", "mon_bad_reviews", points = 8, why = "0 → 8" },
    { "jiaoyu", "mon_bad_reviews", points = 8, why = "1 is free → 8" },
    { "keji", "mon_bad_reviews", points = 7, why = "8 − 1 × (2 − 1) = 7" },
    { "gongxin", "mon_bad_reviews", points = 1, why = "8 − 7 = 1" },
    { "gongan", "mon_bad_reviews", points = 0, why = "8 − 8 = 0, exactly the cap" },
    { "sifa", "mon_bad_reviews", points = 0, capped = true, why = "8 − 11 → capped at 0, never negative" },
    { "chengqu", "mon_bad_reviews", points = 0, capped = true, why = "8 − 99 → 0" },
    { "minzheng", "mon_bad_reviews", status = "no_business", dropped = true, why = "no row → no business" },
  })
  -- the cap is noted and the lost points never exceed the item's 8 (× its weight)
  local s = cells.sifa and cells.sifa.mon_bad_reviews or {}
  T:ok(not L.isnull(s.note), "bad_reviews: sifa capped deduction carries a note")
  T:near("bad_reviews: sifa lost = 8 × weight", 8 * (num(s.weight) or 0), num(s.lost), 1e-3)
  -- minzheng is listed under the group's no_business with mon_bad_reviews
  local listed = false
  for _, g in ipairs(doc.groups) do
    for _, x in ipairs(g.no_business) do
      if x.unit == "minzheng" then
        for _, id in ipairs(x.indicators) do if id == "mon_bad_reviews" then listed = true end end
      end
    end
  end
  T:ok(listed, "bad_reviews: minzheng listed under no_business with mon_bad_reviews")
end)

case("mon_ontime 办件按期办结率: min_n 10, linear 0.9 → 1.0 (monitoring.lua:48-54)", function()
  local P = "2021-05"
  local doc = evaluate(write_data {
    { "fagai", P, "ontime_rate", "0.95", 9 },   -- n below min_n
    { "jiaoyu", P, "ontime_rate", "0.95", 10 }, -- exactly min_n
    { "keji", P, "ontime_rate", "0.95" },       -- empty n: not checked against min_n
    { "gongxin", P, "ontime_rate", "0.95", 0 }, -- n = 0: missing
    { "gongan", P, "ontime_rate", "0.9", 100 },
    { "chengqu", P, "ontime_rate", "1", 10 },
  }, "monthly", P)
  check("ontime", doc, {
    { "fagai", "mon_ontime", status = "no_business", dropped = true, why = "n 9 < 10" },
    { "jiaoyu", "mon_ontime", status = "ok", points = 4, why = "8 × 0.05 / 0.1 = 4" },
    { "keji", "mon_ontime", status = "ok", points = 4, why = "empty n → scored" },
    { "gongxin", "mon_ontime", status = "no_business", dropped = true, why = "n 0 → missing" },
    { "gongan", "mon_ontime", points = 0, why = "0.9 = lo → 0" },
    { "chengqu", "mon_ontime", points = 6, why = "county 6, 1.0 → full" },
  })
end)

case("not_applicable rescale inside 网上办理成熟度, and its thin-evidence minimum (monitoring.lua:20-56)", function()
  -- The background leaves out the other leaves of mon_handling, so each unit has only its rows
  -- there. jiaoyu: full_online 0.725 (5 of 10) and instant 0.2 (target 0.4: 3 of 6) rest on 16
  -- of the dept's 30 points (53 % ≥ min_applicable 50 %): rescaled, (5 + 3) × 30 / 16 = 15, and
  -- a leaf's weight carries it into the part (monitoring keeps all four dimensions: × 1).
  -- fagai: full_online 0.95 alone is 10 of 30 (33 %): one leaf would carry the dimension ×3,
  -- so mon_handling is not applicable (below = "not_applicable") and monitoring rescales the
  -- other three dimensions, 70 points, to 100.
  local P = "2021-05"
  local doc = evaluate(write_data({
    { "fagai", P, "full_online_rate", "0.95", 60 },
    { "jiaoyu", P, "full_online_rate", "0.725", 70 }, { "jiaoyu", P, "instant_rate", "0.2", 70 },
  }, { without = { "instant_rate", "time_cut_rate", "ontime_rate", "town_online_rate" } }), "monthly", P)
  check("rescale", doc, {
    { "jiaoyu", "mon_instant", points = 3, weight = 30 / 16, why = "target: 6 × 0.2 / 0.4; 30/16 × 1" },
    { "jiaoyu", "mon_handling", points = 15, why = "(5 + 3) × 30 / 16" },
    { "fagai", "mon_full_online", points = 10, weight = 0, why = "scored, but its dimension is dropped" },
    { "fagai", "mon_handling", status = "na", dropped = true, note = "有本单位数据的分值10/30（33.3%），低于最低适用比例50%",
      why = "10 of 30 < 50 %" },
    { "fagai", "mon_review", points = 25, weight = 100 / 70, why = "the other dimensions ×100/70" },
  })
end)

case("mon_report 月度工作台账报送: flag, not_submitted (monitoring.lua:178-184)", function()
  local P = "2021-05"
  local doc = evaluate(write_data {
    { "fagai", P, "monthly_report", 1 }, { "jiaoyu", P, "monthly_report", 0 },
  }, "monthly", P)
  check("report", doc, {
    { "fagai", "mon_report", status = "ok", points = 5, why = "1 → 5" },
    { "jiaoyu", "mon_report", status = "ok", points = 0, why = "0 → flag 0, still submitted" },
    -- not dropped: it keeps its share of mon_channel, whose other leaves the background fills
    -- (× 1; before the background and the thin-evidence policy this was 25/10 × 100/45)
    { "keji", "mon_report", status = "not_submitted", points = 0, weight = 1, note = "未报送", why = "no row" },
  })
end)

case("mon_zero_proof 证明事项免提交比例: carry_forward at most 3 periods (monitoring.lua:170-176)", function()
  local rows = {
    { "fagai", "2021-01", "zero_proof_rate", "0.9" },
    { "jiaoyu", "2021-02", "zero_proof_rate", "0.7" },
    { "keji", "2021-03", "zero_proof_rate", "0.5" }, { "keji", "2021-04", "zero_proof_rate", "0.9" },
    { "gongxin", "2021-04", "zero_proof_rate", "0.6" }, { "gongxin", "2021-05", "zero_proof_rate", "0.8" },
    { "gongan", "2021-05", "monthly_report", 1 },   -- the month must have some data
  }
  local dir = write_data(rows)
  local apr = evaluate(dir, "monthly", "2021-04")
  check("carry 2021-04", apr, {
    { "fagai", "mon_zero_proof", status = "carried", carried_from = "2021-01", points = 5,
      why = "3 periods back = carry_limit (ruleset.lua:45); 0.9 → 5" },
    { "jiaoyu", "mon_zero_proof", status = "carried", carried_from = "2021-02", points = 2.5,
      why = "5 × (0.7 − 0.5) / 0.4 = 2.5" },
    { "keji", "mon_zero_proof", status = "ok", points = 5, why = "own report" },
  })
  local may = evaluate(dir, "monthly", "2021-05")
  check("carry 2021-05", may, {
    { "fagai", "mon_zero_proof", status = "missing", points = 0, weight = 1,
      why = "4 periods back: beyond the limit → 0, not dropped (× 1: the background fills mon_channel)" },
    { "jiaoyu", "mon_zero_proof", status = "carried", carried_from = "2021-02", points = 2.5, why = "3 back" },
    { "keji", "mon_zero_proof", status = "carried", carried_from = "2021-04", points = 5, why = "the latest earlier value" },
    { "gongxin", "mon_zero_proof", status = "ok", points = 3.75, why = "own: 5 × 0.3 / 0.4" },
    { "shenji", "mon_zero_proof", status = "missing", points = 0, why = "never reported" },
  })
end)

case("pm_response 民情地图事件平均响应时长: linear, lower is better, 2 → 24 h (platforms.lua:47-53)", function()
  local P = "2021-06"
  local doc = evaluate(write_data {
    { "fagai", P, "mq_response_hours", "2", 10 }, { "jiaoyu", P, "mq_response_hours", "24", 10 },
    { "keji", P, "mq_response_hours", "13", 10 }, { "gongxin", P, "mq_response_hours", "1", 10 },
    { "gongan", P, "mq_response_hours", "30", 10 },
  }, "monthly", P)
  check("response", doc, {
    { "fagai", "pm_response", points = 10, why = "2 h → full" },
    { "jiaoyu", "pm_response", points = 0, why = "24 h → 0" },
    { "keji", "pm_response", points = 5, why = "10 × (1 − 11 / 22)" },
    { "gongxin", "pm_response", points = 10, why = "below 2 h → full" },
    { "gongan", "pm_response", points = 0, why = "beyond 24 h → 0" },
  })
end)

case("ps_close 善美店小二诉求 7 日办结率: steps with otherwise 20 % (platforms.lua:85-90)", function()
  local P = "2021-06"
  local vals = { fagai = "0.98", jiaoyu = "0.9799", keji = "0.95", gongxin = "0.9", gongan = "0.8",
                 minzheng = "0.7999", sifa = "0", chengqu = "0.98", haifeng = "0.5" }
  local rows = {}
  for u, v in pairs(vals) do rows[#rows + 1] = { u, P, "sm_close_rate", v, 50 } end
  local doc = evaluate(write_data(rows), "monthly", P)
  check("sm_close", doc, {
    { "fagai", "ps_close", points = 20, why = "0.98 → 20" },
    { "jiaoyu", "ps_close", points = 18, why = "0.9799 → 0.9 × 20" },
    { "keji", "ps_close", points = 18, why = "0.95 → 0.9 × 20" },
    { "gongxin", "ps_close", points = 15, why = "0.9 → 0.75 × 20" },
    { "gongan", "ps_close", points = 10, why = "0.8 → 0.5 × 20" },
    { "minzheng", "ps_close", points = 4, why = "below 0.8 → otherwise 0.2 × 20" },
    { "sifa", "ps_close", points = 4, why = "0 → otherwise 0.2 × 20" },
    { "chengqu", "ps_close", points = 15, why = "county 15" },
    { "haifeng", "ps_close", points = 3, why = "county: 0.2 × 15" },
  })
end)

case("市统计局's platforms in 2021-05: one leaf no longer carries the part (platforms.lua:22-35, issue 14 §6)", function()
  -- tongji has no 民情地图 events and no 店小二 requests, only the shared-data indicator
  -- (pm_data_timely 1 → 10 of 10); every other dept unit has the background, 82.5 on platforms.
  -- Before the thin-evidence policy: plat_mqdt = 10 × 50/10 = 50, plat_smdx dropped, platforms
  -- = 50 × 100/50 = 100 — one indicator ×10 (total 0.8 × 97.6 + 0.2 × 100 = 98.08). Now
  -- plat_mqdt rests on 10 of 50 points (20 % < 50 %) and is not applicable; platforms is left
  -- with nothing but a child dropped for thin evidence, so it takes the median of the dept
  -- units that met the minimum: 82.5 (total 0.8 × 97.6 + 0.2 × 82.5 = 94.58).
  local P = "2021-05"
  local doc = evaluate(write_data({}, { months = { P }, lacks = { tongji = {
    "mq_ontime_rate", "mq_close_rate", "mq_response_hours", "sm_response_rate", "sm_close_rate",
    "sm_satisfaction" } } }), "monthly", P)
  check("tongji", doc, {
    { "tongji", "pm_data_timely", points = 10, weight = 0, why = "scored, its dimension dropped" },
    { "tongji", "pm_ontime", status = "no_business", dropped = true, why = "no events" },
    { "tongji", "plat_mqdt", status = "na", dropped = true, note = "有本单位数据的分值10/50（20.0%）",
      why = "10 of 50 < 50 %" },
    { "tongji", "plat_smdx", status = "no_business", dropped = true, why = "no requests" },
    { "tongji", "platforms", status = "ok", points = 82.5, note = "按本组中位数82.5000分计",
      why = "the dept median, not 100" },
    { "tongji", part = { "monitoring", 97.6 }, why = "the background: 100 − 2.4 on mon_eseal" },
    { "tongji", part = { "platforms", 82.5 }, total = 94.58, why = "0.8 × 97.6 + 0.2 × 82.5" },
    { "gongan", "platforms", points = 82.5, weight = 1, why = "enough evidence: its own score" },
  })
end)

case("mon_rectify 差评按时整改率: the custom method around the group median (monitoring.lua:86-124)", function()
  local P = "2021-05"
  local doc = evaluate(write_data {
    -- county: 0.5, 0.8, 0.9, 1.0 → even count, median (0.8 + 0.9) / 2 = 0.85
    { "chengqu", P, "bad_rectify_rate", "0.5", 10 }, { "haifeng", P, "bad_rectify_rate", "0.8", 10 },
    { "luhe", P, "bad_rectify_rate", "0.9", 10 }, { "lufeng", P, "bad_rectify_rate", "1", 10 },
    -- dept: 0.6, 0.6, 0.9 → odd count, median 0.6
    { "fagai", P, "bad_rectify_rate", "0.6", 5 }, { "jiaoyu", P, "bad_rectify_rate", "0.6", 5 },
    { "keji", P, "bad_rectify_rate", "0.9", 5 },
  }, "monthly", P)
  check("rectify", doc, {
    { "chengqu", "mon_rectify", points = 9 * 0.6 * 0.5 / 0.85, why = "below the median: 9 × 0.6 × 0.5 / 0.85" },
    { "haifeng", "mon_rectify", points = 9 * 0.6 * 0.8 / 0.85, why = "below: 9 × 0.6 × 0.8 / 0.85" },
    { "luhe", "mon_rectify", points = 9 * (0.6 + 0.4 * 0.05 / 0.15), why = "above: 9 × (0.6 + 0.4 × 0.05 / 0.15) = 6.6" },
    { "lufeng", "mon_rectify", points = 9, why = "100 % → full" },
    { "fagai", "mon_rectify", points = 5.4, why = "at the median → 60 % × 9" },
    { "jiaoyu", "mon_rectify", points = 5.4, why = "at the median → 60 % × 9" },
    { "keji", "mon_rectify", points = 9 * (0.6 + 0.4 * 0.3 / 0.4), why = "9 × (0.6 + 0.4 × 0.3 / 0.4) = 8.1" },
    { "gongxin", "mon_rectify", status = "na", dropped = true, why = "no due tickets → not applicable" },
  })
end)

case("relative methods: best_ratio, zscore over the group (monitoring.lua:140-159)", function()
  local P = "2021-05"
  local doc = evaluate(write_data {
    { "fagai", P, "yue_listing_rate", "0.5", 8 }, { "jiaoyu", P, "yue_listing_rate", "0.8", 10 },
    { "chengqu", P, "yue_listing_rate", "0.3", 90 },
    -- eseal: mean 0.7, population sd 0.1 → z = ∓1
    { "fagai", P, "eseal_rate", "0.6", 100 }, { "jiaoyu", P, "eseal_rate", "0.8", 100 },
    { "chengqu", P, "eseal_rate", "0.9", 100 }, { "haifeng", P, "eseal_rate", "0.9", 100 },
  }, "monthly", P)
  check("relative", doc, {
    { "fagai", "mon_yue_listing", points = 5, why = "8 × 0.5 / 0.8 (best of the dept group)" },
    { "jiaoyu", "mon_yue_listing", points = 8, why = "the best → 8" },
    { "chengqu", "mon_yue_listing", points = 8, why = "alone in its group → the best" },
    { "fagai", "mon_eseal", points = 8 * 0.55, why = "8 × (0.7 − 0.15)" },
    { "jiaoyu", "mon_eseal", points = 8 * 0.85, why = "8 × (0.7 + 0.15)" },
    { "chengqu", "mon_eseal", points = 8 * 0.7, why = "sd 0 → base 70 %" },
    { "keji", "mon_eseal", status = "missing", points = 0, why = "no row → zero, outside the group's statistics" },
  })
end)

---------------------------------------------------------------------------
-- year end
---------------------------------------------------------------------------
-- A dept unit with full marks on every year-end leaf that applies to it when the rest are
-- missing (not_applicable): basic = 80 (b_data 8 + b_eseal 5 + b_app 6 → ×25/19 = 25;
-- b_efficiency 13 → b_effect 25; b_service dropped → basic = 50 × 80/50) and platform_ye = 20.
local function perfect_dept(u, rows, except)
  except = except or {}
  local Y = "2021"
  local t = {
    data_catalog_rate = { "1", 10 }, eseal_issued = { 1 }, eseal_uses = { 10000 },
    yzy_active_rate = { "0.9", 10 }, zero_proof_rate = { "0.9" },
    mq_data_classes = { 4 }, mq_account_active = { "0.95", 10 }, sm_registered = { 1 },
    mq_ontime_rate = { "1", 10 }, platform_satisfaction = { "1", 10 }, repeat_complaints = { 0 },
  }
  for _, m in ipairs { "data_catalog_rate", "eseal_issued", "eseal_uses", "yzy_active_rate", "zero_proof_rate",
                       "mq_data_classes", "mq_account_active", "sm_registered", "mq_ontime_rate",
                       "platform_satisfaction", "repeat_complaints" } do
    local v = except[m] or t[m]
    rows[#rows + 1] = { u, Y, m, v[1], v[2] }
  end
  return rows
end

case("year end: bonus +5 cap, penalty −10 cap, clamp to [0, 100], veto (bonus.lua, schemes.lua:16-21)", function()
  local Y = "2021"
  local rows = {}
  perfect_dept("fagai", rows)
  -- items capped at their points: 5 × 1 → 2, 5 × 1 → 2, 10 × 0.5 → 2; Σ 6 → bonus +5
  for _, r in ipairs { { "innovations", 5 }, { "special_tasks", 5 }, { "theme_services", 10 } } do
    rows[#rows + 1] = { "fagai", Y, r[1], r[2] }
  end
  perfect_dept("jiaoyu", rows)
  -- −5 (10 × 2.5 capped), −5 (10 × 1 capped), −3 (50 × 0.1 capped), −3 (5 × 1 capped): Σ −16 → −10
  for _, r in ipairs { { "security_incidents", 10 }, { "data_truth_issues", 10 }, { "fund_shortfall", 50 },
                       { "project_issues", 5 } } do
    rows[#rows + 1] = { "jiaoyu", Y, r[1], r[2] }
  end
  perfect_dept("keji", rows)
  rows[#rows + 1] = { "keji", Y, "innovations", 1 }
  rows[#rows + 1] = { "keji", Y, "security_incidents", 1 }
  perfect_dept("gongxin", rows)
  rows[#rows + 1] = { "gongxin", Y, "innovations", 2 }
  rows[#rows + 1] = { "gongxin", Y, "veto_events", 1 }
  perfect_dept("minzheng", rows)
  rows[#rows + 1] = { "minzheng", Y, "theme_services", 4 }
  perfect_dept("sifa", rows)
  rows[#rows + 1] = { "sifa", Y, "project_issues", 2 }
  perfect_dept("caizheng", rows, { mq_account_active = { "0.5", 10 } })
  rows[#rows + 1] = { "caizheng", Y, "innovations", 1 }
  -- penalties only, no positive base: the total clamps at 0
  rows[#rows + 1] = { "renshe", Y, "security_incidents", 2 }

  local doc = evaluate(write_data(rows), "year_end", Y)
  check("year_end", doc, {
    { "fagai", "basic", points = 80, why = "perfect dept, see perfect_dept" },
    { "fagai", "platform_ye", points = 20 },
    { "fagai", "b_innovation", points = 2, capped = true, why = "5 × 1 capped at 2" },
    { "fagai", "b_special", points = 2, capped = true },
    { "fagai", "b_theme", points = 2, capped = true, why = "10 × 0.5 capped at 2" },
    { "fagai", "bonus", points = 5, capped = true, why = "Σ 6 capped at +5" },
    { "fagai", total = 100, clamped = true, band = "优秀", why = "80 + 20 + 5 = 105 → 100" },
    { "jiaoyu", "p_security", points = -5, capped = true, why = "10 × 2.5 capped at −5" },
    { "jiaoyu", "p_data_truth", points = -5, capped = true },
    { "jiaoyu", "p_fund", points = -3, capped = true, why = "50 × 0.1 capped at −3" },
    { "jiaoyu", "p_project", points = -3, capped = true },
    { "jiaoyu", "bonus", points = -10, capped = true, why = "Σ −16 capped at −10" },
    { "jiaoyu", total = 90, clamped = false, band = "优秀", part = { "bonus", -10 }, why = "100 − 10; 90 reaches 优秀" },
    { "keji", "bonus", points = -1.5, capped = false, why = "+1 − 2.5" },
    { "keji", total = 98.5, rank = 3 },
    { "gongxin", "v_veto", status = "veto", why = "veto_events 1" },
    { "gongxin", total = 0, veto = "v_veto", band = "不合格", why = "单项否决 fixes the total at 0 (bonus.lua:75-80)" },
    { "minzheng", "b_theme", points = 2, capped = false, why = "4 × 0.5 = 2: exactly the cap, not beyond it" },
    { "minzheng", total = 100, clamped = true, why = "80 + 20 + 2" },
    -- fagai and minzheng: equal totals, equal basic, equal platform_ye → a shared rank 1
    { "fagai", rank = 1, tie_breaker = false },
    { "minzheng", rank = 1, tie_breaker = false },
    -- sifa 98 (−2) and caizheng 98 (py_accounts 0.5 → 0 of 3, so platform_ye 17, +1):
    -- same total, same basic 80 → platform_ye decides (ruleset.lua:36; monitoring and
    -- platforms are not in this scheme and are skipped)
    { "caizheng", "py_accounts", points = 0, why = "0.5 = lo → 0" },
    { "sifa", total = 98, rank = 4, tie_breaker = "platform_ye" },
    { "caizheng", total = 98, rank = 5, tie_breaker = "platform_ye" },
    { "jiaoyu", rank = 6 },
    { "renshe", "p_security", points = -5 },
    { "renshe", total = 0, clamped = true, why = "0 + 0 − 5 → clamped at 0" },
  })
end)

case("year end: steps, minmax and rank leaves (basic.lua:35-40, 78-84, 197-204)", function()
  local Y = "2021"
  local doc = evaluate(write_data {
    -- bs_uses steps: ≥10000 → 100 %, ≥2000 → 80 %, ≥500 → 60 %, ≥1 → 30 %, else 0; 3 points
    { "chengqu", Y, "eseal_uses", 10000 }, { "haifeng", Y, "eseal_uses", 9999 }, { "luhe", Y, "eseal_uses", 2000 },
    { "lufeng", Y, "eseal_uses", 1999 }, { "honghaiwan", Y, "eseal_uses", 500 }, { "huaqiao", Y, "eseal_uses", 1 },
    { "xinqu", Y, "eseal_uses", 0 },
    -- bd_catalog minmax over the county group: 0.5, 0.75, 1.0
    { "chengqu", Y, "data_catalog_rate", "0.5", 10 }, { "haifeng", Y, "data_catalog_rate", "0.75", 10 },
    { "luhe", Y, "data_catalog_rate", "1", 10 },
    -- bu_visits rank with shares {1, .95, .9, …}: 100, 100, 50 → ranks 1, 1, 3
    { "chengqu", Y, "yue_visits", 100 }, { "haifeng", Y, "yue_visits", 100 }, { "luhe", Y, "yue_visits", 50 },
    -- bu_visits over the dept group: 9 distinct values → ranks 1–9; ranks past the 7 listed
    -- shares get rest = 65 %
    { "fagai", Y, "yue_visits", 900 }, { "jiaoyu", Y, "yue_visits", 800 }, { "keji", Y, "yue_visits", 700 },
    { "gongxin", Y, "yue_visits", 600 }, { "gongan", Y, "yue_visits", 500 }, { "minzheng", Y, "yue_visits", 400 },
    { "sifa", Y, "yue_visits", 300 }, { "caizheng", Y, "yue_visits", 200 }, { "renshe", Y, "yue_visits", 100 },
    -- bu_satisfaction steps with otherwise 20 %: 0.999 → 4, 0.9989 → 3.6, 0.5 → 0.8
    { "chengqu", Y, "satisfaction_rate", "0.999", 100 }, { "haifeng", Y, "satisfaction_rate", "0.9989", 100 },
    { "luhe", Y, "satisfaction_rate", "0.5", 100 },
  }, "year_end", Y)
  check("year_end leaves", doc, {
    { "chengqu", "bs_uses", points = 3 }, { "haifeng", "bs_uses", points = 2.4 },
    { "luhe", "bs_uses", points = 2.4 }, { "lufeng", "bs_uses", points = 1.8 },
    { "honghaiwan", "bs_uses", points = 1.8 }, { "huaqiao", "bs_uses", points = 0.9 },
    { "xinqu", "bs_uses", points = 0, why = "0 → otherwise 0" },
    { "chengqu", "bd_catalog", points = 0, why = "the group minimum" },
    { "haifeng", "bd_catalog", points = 2, why = "4 × 0.25 / 0.5" },
    { "luhe", "bd_catalog", points = 4, why = "the group maximum" },
    { "lufeng", "bd_catalog", status = "missing", points = 0, why = "no row → zero" },
    { "chengqu", "bu_visits", points = 3, why = "rank 1" },
    { "haifeng", "bu_visits", points = 3, why = "tied rank 1" },
    { "luhe", "bu_visits", points = 2.7, why = "competition rank 3 → 90 %" },
    { "lufeng", "bu_visits", status = "na", dropped = true },
    { "fagai", "bu_visits", points = 3 }, { "jiaoyu", "bu_visits", points = 2.85 },
    { "keji", "bu_visits", points = 2.7 }, { "gongxin", "bu_visits", points = 2.55 },
    { "gongan", "bu_visits", points = 2.4 }, { "minzheng", "bu_visits", points = 2.25 },
    { "sifa", "bu_visits", points = 2.1, why = "rank 7 → 70 %" },
    { "caizheng", "bu_visits", points = 1.95, why = "rank 8 → rest 65 %" },
    { "renshe", "bu_visits", points = 1.95, why = "rank 9 → rest 65 %" },
    { "chengqu", "bu_satisfaction", points = 4 }, { "haifeng", "bu_satisfaction", points = 3.6 },
    { "luhe", "bu_satisfaction", points = 0.8, why = "otherwise 0.2 × 4" },
  })
end)

T:done()
