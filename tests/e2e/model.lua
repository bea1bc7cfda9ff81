-- model.lua — an independent re-implementation, in plain Lua, of the Shanwei 2021 evaluation
-- as README.md ("Writing rules" and "The reference rule set") describes it. It shares no code
-- with pinggu: the indicator tree below is transcribed by hand from rules/shanwei-2021/*.lua
-- (each entry names the file:line it comes from), the formulas are written from the README's
-- method table, and the data are read from the sample CSV files with lib.lua's own reader.
--
-- If pinggu and this model disagree, either the engine, the rule set or this transcription is
-- wrong; the tests print both figures.
local L = require "lib"

local M = {}

---------------------------------------------------------------------------
-- rule set constants (rules/shanwei-2021/ruleset.lua)
---------------------------------------------------------------------------
M.ROUNDING = 2                                                  -- ruleset.lua:31
M.TIE_BREAKERS = { "monitoring", "basic", "platforms", "platform_ye" } -- ruleset.lua:36
M.BANDS = { { "优秀", 90 }, { "良好", 80 }, { "合格", 60 }, { "不合格", 0 } } -- ruleset.lua:38-43
M.DEFAULT_MISSING = "zero"                                      -- ruleset.lua:44
M.CARRY_LIMIT = 3                                               -- ruleset.lua:45
M.YEAR = 2021                                                   -- ruleset.lua:29
M.GROUPS = { "dept", "county" }                                 -- ruleset.lua:49-50

---------------------------------------------------------------------------
-- the indicator tree, in declaration (display) order
--   points: a number (every group the parent covers) or { group = points }
--   method: { kind, params... } with kind one of the README's built-in methods, or "rectify"
--           for monitoring.lua's custom function rectify_vs_median
---------------------------------------------------------------------------
local N = {}
local function node(t) N[#N + 1] = t end

-- monitoring.lua — 月度常态化监测 (100)
node { id = "monitoring", points = 100, min_applicable = 0.5, below = "group_median" }     -- monitoring.lua
node { id = "mon_handling", parent = "monitoring", points = { dept = 30, county = 30 },
  min_applicable = 0.5, below = "not_applicable" }
node { id = "mon_full_online", parent = "mon_handling", points = { dept = 10, county = 8 }, -- :23-26
  metric = "full_online_rate", method = { "linear", lo = 0.5, hi = 0.95 }, missing = "not_applicable" }
node { id = "mon_instant", parent = "mon_handling", points = { dept = 6, county = 5 },      -- :31-34
  metric = "instant_rate", method = { "target", target = 0.4 }, missing = "not_applicable" }
node { id = "mon_time_cut", parent = "mon_handling", points = { dept = 6, county = 5 },     -- :39-43
  metric = "time_cut_rate",
  method = { "steps", { 0.8, 1 }, { 0.7, 0.9 }, { 0.6, 0.75 }, { 0.5, 0.6 }, { 0.3, 0.3 }, otherwise = 0 },
  missing = "not_applicable" }
node { id = "mon_ontime", parent = "mon_handling", points = { dept = 8, county = 6 },       -- :48-51
  metric = "ontime_rate", method = { "linear", lo = 0.9, hi = 1.0 }, missing = "no_business", min_n = 10 }
node { id = "mon_town_online", parent = "mon_handling", points = { county = 6 },           -- :56-58
  metric = "town_online_rate", method = { "linear", lo = 0.5, hi = 0.9 } }
node { id = "mon_review", parent = "monitoring", points = { dept = 25, county = 25 },
  min_applicable = 0.5, below = "not_applicable" }
node { id = "mon_active_rate", parent = "mon_review", points = 8,                           -- :69-72
  metric = "review_active_rate", method = { "linear", lo = 0.5, hi = 0.9 }, missing = "no_business", min_n = 10 }
node { id = "mon_bad_reviews", parent = "mon_review", points = 8,                           -- :78-81
  metric = "bad_reviews", method = { "deduct", per = 1, free = 1 }, missing = "no_business" }
node { id = "mon_rectify", parent = "mon_review", points = 9,                               -- :116-119 (fn :91-114)
  metric = "bad_rectify_rate", method = { "rectify", base = 0.6 }, missing = "not_applicable" }
node { id = "mon_support", parent = "monitoring", points = { dept = 20, county = 20 },
  min_applicable = 0.5, below = "not_applicable" }
node { id = "mon_ecert_use", parent = "mon_support", points = 12,                           -- :132-135
  metric = "ecert_use_rate", method = { "linear", lo = 0.3, hi = 0.8 }, missing = "no_business", min_n = 10 }
node { id = "mon_eseal", parent = "mon_support", points = 8,                                -- :140-142
  metric = "eseal_rate", method = { "zscore", base = 0.7, per_sd = 0.15 } }
node { id = "mon_channel", parent = "monitoring", points = { dept = 25, county = 25 },
  min_applicable = 0.5, below = "not_applicable" }
node { id = "mon_yue_listing", parent = "mon_channel", points = 8,                           -- :153-156
  metric = "yue_listing_rate", method = { "best_ratio" }, missing = "not_applicable" }
node { id = "mon_guide", parent = "mon_channel", points = 7,                                 -- :161-165
  metric = "guide_accuracy",
  method = { "steps", { 0.98, 1 }, { 0.95, 0.85 }, { 0.9, 0.7 }, { 0.8, 0.4 }, otherwise = 0 },
  missing = "not_applicable" }
node { id = "mon_zero_proof", parent = "mon_channel", points = 5,                            -- :170-173
  metric = "zero_proof_rate", method = { "linear", lo = 0.5, hi = 0.9 }, missing = "carry_forward" }
node { id = "mon_report", parent = "mon_channel", points = 5,                                -- :178-181
  metric = "monthly_report", method = { "flag" }, missing = "not_submitted" }

-- platforms.lua — 重大应用平台（月度） (100)
node { id = "platforms", points = 100, min_applicable = 0.5, below = "group_median" }          -- platforms.lua
node { id = "plat_mqdt", parent = "platforms", points = { dept = 50, county = 60 },
  min_applicable = 0.5, below = "not_applicable" }
node { id = "pm_ontime", parent = "plat_mqdt", points = { dept = 20, county = 20 },          -- :31-34
  metric = "mq_ontime_rate", method = { "linear", lo = 0.8, hi = 1.0 }, missing = "no_business" }
node { id = "pm_close", parent = "plat_mqdt", points = { dept = 10, county = 10 },           -- :39-42
  metric = "mq_close_rate", method = { "target", target = 0.95 }, missing = "no_business" }
node { id = "pm_response", parent = "plat_mqdt", points = { dept = 10, county = 10 },        -- :47-50
  metric = "mq_response_hours", method = { "linear", lo = 2, hi = 24, better = "lower" }, missing = "no_business" }
node { id = "pm_patrol", parent = "plat_mqdt", points = { county = 20 },                     -- :55-57
  metric = "mq_patrol_rate", method = { "linear", lo = 0.7, hi = 1.0 } }
node { id = "pm_data_timely", parent = "plat_mqdt", points = { dept = 10 },                  -- :62-65
  metric = "mq_data_timely",
  method = { "steps", { 1.0, 1 }, { 0.9, 0.8 }, { 0.8, 0.6 }, { 0.6, 0.3 }, otherwise = 0 } }
node { id = "plat_smdx", parent = "platforms", points = { dept = 50, county = 40 },
  min_applicable = 0.5, below = "not_applicable" }
node { id = "ps_response", parent = "plat_smdx", points = { dept = 15, county = 15 },        -- :76-79
  metric = "sm_response_rate", method = { "linear", lo = 0.8, hi = 1.0 }, missing = "no_business" }
node { id = "ps_close", parent = "plat_smdx", points = { dept = 20, county = 15 },           -- :85-89
  metric = "sm_close_rate",
  method = { "steps", { 0.98, 1 }, { 0.95, 0.9 }, { 0.9, 0.75 }, { 0.8, 0.5 }, otherwise = 0.2 },
  missing = "no_business" }
node { id = "ps_satisfaction", parent = "plat_smdx", points = { dept = 15, county = 10 },    -- :94-97
  metric = "sm_satisfaction", method = { "linear", lo = 0.85, hi = 1.0 }, missing = "no_business" }

-- basic.lua — 数字政府基础能力 (80)
node { id = "basic", points = 80 }                                                           -- basic.lua:24
node { id = "b_support", parent = "basic", points = 25 }                                     -- :30
node { id = "b_data", parent = "b_support", points = 8 }                                     -- :33
node { id = "bd_catalog", parent = "b_data", points = 4,                                     -- :35-37
  metric = "data_catalog_rate", method = { "minmax" } }
node { id = "bd_share", parent = "b_data", points = 4,                                       -- :42-45
  metric = "share_response_rate", method = { "linear", lo = 0.8, hi = 1.0 }, missing = "not_applicable" }
node { id = "b_ecert", parent = "b_support", points = 6 }                                    -- :51
node { id = "be_issue", parent = "b_ecert", points = 3,                                      -- :53-56
  metric = "ecert_issue_rate", method = { "target", target = 0.95 }, missing = "not_applicable" }
node { id = "be_use", parent = "b_ecert", points = 3,                                        -- :61-64
  metric = "ecert_use_rate", method = { "linear", lo = 0.3, hi = 0.8 }, missing = "not_applicable" }
node { id = "b_eseal", parent = "b_support", points = 5 }                                    -- :70
node { id = "bs_issued", parent = "b_eseal", points = 2,                                     -- :72-74
  metric = "eseal_issued", method = { "flag" } }
node { id = "bs_uses", parent = "b_eseal", points = 3,                                       -- :78-81
  metric = "eseal_uses",
  method = { "steps", { 10000, 1 }, { 2000, 0.8 }, { 500, 0.6 }, { 1, 0.3 }, otherwise = 0 } }
node { id = "b_app", parent = "b_support", points = 6 }                                      -- :87
node { id = "ba_auth", parent = "b_app", points = 3,                                         -- :89-92
  metric = "auth_access_rate", method = { "linear", lo = 0.5, hi = 1.0 }, missing = "not_applicable" }
node { id = "ba_yzy", parent = "b_app", points = 3,                                          -- :97-99
  metric = "yzy_active_rate", method = { "target", target = 0.9 } }
node { id = "b_service", parent = "basic", points = 30 }                                     -- :106
node { id = "b_items", parent = "b_service", points = 12 }                                   -- :109
node { id = "bi_consistency", parent = "b_items", points = { dept = 4, county = 3 },         -- :111-115
  metric = "item_consistency",
  method = { "steps", { 1.0, 1 }, { 0.98, 0.9 }, { 0.95, 0.7 }, { 0.9, 0.4 }, otherwise = 0 },
  missing = "not_applicable" }
node { id = "bi_guide", parent = "b_items", points = { dept = 4, county = 3 },               -- :120-123
  metric = "guide_accuracy", method = { "linear", lo = 0.85, hi = 1.0 }, missing = "not_applicable" }
node { id = "bi_update", parent = "b_items", points = { dept = 4, county = 3 },              -- :128-131
  metric = "item_update_timely", method = { "target", target = 0.95 }, missing = "not_applicable" }
node { id = "bi_town_std", parent = "b_items", points = { county = 3 },                      -- :136-138
  metric = "town_item_std_rate", method = { "linear", lo = 0.6, hi = 1.0 } }
node { id = "b_same", parent = "b_service", points = 8 }                                     -- :144
node { id = "bss_same", parent = "b_same", points = 5,                                       -- :146-149
  metric = "same_source_rate", method = { "linear", lo = 0.8, hi = 1.0 }, missing = "not_applicable" }
node { id = "bss_sync", parent = "b_same", points = 3,                                       -- :154-157
  metric = "case_sync_rate", method = { "linear", lo = 0.9, hi = 1.0 }, missing = "not_applicable" }
node { id = "b_channels", parent = "b_service", points = 10 }                                -- :163
node { id = "bc_full_online", parent = "b_channels", points = 5,                             -- :165-168
  metric = "full_online_rate", method = { "linear", lo = 0.5, hi = 0.95 }, missing = "not_applicable" }
node { id = "bc_mobile", parent = "b_channels", points = 5,                                  -- :173-176
  metric = "mobile_rate", method = { "linear", lo = 0.3, hi = 0.8 }, missing = "not_applicable" }
node { id = "b_effect", parent = "basic", points = 25 }                                      -- :184
node { id = "b_usage", parent = "b_effect", points = 12 }                                    -- :187
node { id = "bu_online_apply", parent = "b_usage", points = 5,                               -- :189-192
  metric = "online_apply_rate", method = { "linear", lo = 0.4, hi = 0.9 }, missing = "not_applicable" }
node { id = "bu_visits", parent = "b_usage", points = 3,                                     -- :197-201
  metric = "yue_visits", method = { "rank", shares = { 1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7 }, rest = 0.65 },
  missing = "not_applicable" }
node { id = "bu_satisfaction", parent = "b_usage", points = 4,                               -- :206-210
  metric = "satisfaction_rate",
  method = { "steps", { 0.999, 1 }, { 0.995, 0.9 }, { 0.99, 0.75 }, { 0.98, 0.5 }, otherwise = 0.2 },
  missing = "not_applicable" }
node { id = "b_efficiency", parent = "b_effect", points = 13 }                               -- :216
node { id = "bf_time_cut", parent = "b_efficiency", points = 5,                              -- :218-221
  metric = "time_cut_rate", method = { "linear", lo = 0.5, hi = 0.8 }, missing = "not_applicable" }
node { id = "bf_zero_visit", parent = "b_efficiency", points = 4,                            -- :226-229
  metric = "zero_visit_rate", method = { "linear", lo = 0.7, hi = 0.9 }, missing = "not_applicable" }
node { id = "bf_zero_proof", parent = "b_efficiency", points = 4,                            -- :234-237
  metric = "zero_proof_rate", method = { "linear", lo = 0.5, hi = 0.9 }, missing = "not_submitted" }

-- platform_ye.lua — 重大应用平台（年终） (20); every leaf uses the default "zero"
node { id = "platform_ye", points = 20 }                                                     -- platform_ye.lua:24
node { id = "py_depth", parent = "platform_ye", points = { dept = 8, county = 6 } }         -- :30-31
node { id = "py_data_dept", parent = "py_depth", points = { dept = 3 },                     -- :33-35
  metric = "mq_data_classes", method = { "target", target = 4 } }
node { id = "py_data_county", parent = "py_depth", points = { county = 2 },                 -- :40-42
  metric = "mq_data_classes", method = { "target", target = 12 } }
node { id = "py_accounts", parent = "py_depth", points = { dept = 3, county = 2 },          -- :47-49
  metric = "mq_account_active", method = { "linear", lo = 0.5, hi = 0.95 } }
node { id = "py_smdx_reg", parent = "py_depth", points = { dept = 2, county = 2 },          -- :54-56
  metric = "sm_registered", method = { "flag" } }
node { id = "py_quality", parent = "platform_ye", points = { dept = 6, county = 8 } }       -- :63-64
node { id = "py_ontime", parent = "py_quality", points = { dept = 6, county = 4 },          -- :66-68
  metric = "mq_ontime_rate", method = { "linear", lo = 0.8, hi = 1.0 } }
node { id = "py_grid", parent = "py_quality", points = { county = 4 },                      -- :73-75
  metric = "grid_staffing_rate", method = { "linear", lo = 0.8, hi = 1.0 } }
node { id = "py_effect", parent = "platform_ye", points = { dept = 6, county = 6 } }        -- :82-83
node { id = "py_satisfaction", parent = "py_effect", points = 3,                            -- :85-87
  metric = "platform_satisfaction", method = { "linear", lo = 0.85, hi = 1.0 } }
node { id = "py_repeat", parent = "py_effect", points = 3,                                  -- :92-94
  metric = "repeat_complaints", method = { "deduct", per = 1, free = 1 } }

-- bonus.lua — 加减分 (+5 / −10, veto)
node { id = "bonus", adjust = true, plus = 5, minus = 10 }                                   -- bonus.lua:15
node { id = "b_innovation", parent = "bonus", points = 2,                                    -- :21-23
  metric = "innovations", method = { "per_event", per = 1 } }
node { id = "b_special", parent = "bonus", points = 2,                                       -- :28-30
  metric = "special_tasks", method = { "per_event", per = 1 } }
node { id = "b_theme", parent = "bonus", points = 2,                                         -- :35-37
  metric = "theme_services", method = { "per_event", per = 0.5 } }
node { id = "p_security", parent = "bonus", points = -5,                                     -- :44-46
  metric = "security_incidents", method = { "per_event", per = 2.5 } }
node { id = "p_data_truth", parent = "bonus", points = -5,                                   -- :51-53
  metric = "data_truth_issues", method = { "per_event", per = 1 } }
node { id = "p_fund", parent = "bonus", points = -3,                                         -- :58-60
  metric = "fund_shortfall", method = { "per_event", per = 0.1 } }
node { id = "p_project", parent = "bonus", points = -3,                                      -- :65-67
  metric = "project_issues", method = { "per_event", per = 1 } }
node { id = "v_veto", parent = "bonus", veto = 0, metric = "veto_events" }                   -- :75-77

M.NODES = N
local BY_ID = {}
for i, n in ipairs(N) do
  n.order = i
  n.children = {}
  BY_ID[n.id] = n
end
for _, n in ipairs(N) do
  if n.parent then
    local p = assert(BY_ID[n.parent], n.parent)
    p.children[#p.children + 1] = n
  end
end
M.BY_ID = BY_ID

-- points of node n for group g, or nil where n does not apply to g
function M.points(n, g)
  if n.veto then return M.points(BY_ID[n.parent], g) and 0 end
  if n.adjust then return n.parent and M.points(BY_ID[n.parent], g) or 0 end
  if type(n.points) == "table" then return n.points[g] end
  if n.parent and M.points(BY_ID[n.parent], g) == nil then return nil end
  return n.points
end
function M.is_leaf(n) return #n.children == 0 and not n.adjust end
function M.in_adjust(n) return n.parent ~= nil and BY_ID[n.parent].adjust == true end

-- schemes.lua
M.SCHEMES = {
  monthly = { period = "month", max = 100,                                   -- schemes.lua:10-14
    parts = { { id = "monitoring", weight = 0.8 }, { id = "platforms", weight = 0.2 } } },
  year_end = { period = "year", max = 100,                                   -- schemes.lua:16-21
    parts = { { id = "basic", weight = 1 }, { id = "platform_ye", weight = 1 }, { id = "bonus", weight = 1 } } },
  annual = { period = "year", max = 100,                                     -- schemes.lua:23-27
    parts = { { id = "monthly_avg", scheme = "monthly", months = { 4, 12 }, weight = 0.4 },
              { id = "year_end", scheme = "year_end", weight = 0.6 } } },
}

---------------------------------------------------------------------------
-- units and data
---------------------------------------------------------------------------
function M.load_units(path)
  local _, rows = L.read_csv(path)
  local units, by_key = {}, {}
  for i, r in ipairs(rows) do
    local u = { id = r.id, name = r.name, group = r.group, code = r.code, order = i,
                aliases = {} }
    for a in (r.aliases or ""):gmatch("[^|]+") do u.aliases[#u.aliases + 1] = a end
    units[#units + 1] = u
    by_key[u.id] = u
  end
  -- names, codes and aliases (ids take precedence)
  for _, u in ipairs(units) do
    for _, k in ipairs { u.code, u.name, table.unpack(u.aliases) } do
      if by_key[k] == nil then by_key[k] = u end
    end
  end
  return { list = units, by_key = by_key, by_id = (function()
    local t = {}
    for _, u in ipairs(units) do t[u.id] = u end
    return t
  end)() }
end

-- data[period][metric][unit_id] = { value = v, n = n or nil }; into: add to an existing table
function M.load_data(dir, units, into)
  local data = into or {}
  local p = io.popen("ls " .. L.quote(dir))
  local files = {}
  for name in p:lines() do
    if name:match("%.csv$") then files[#files + 1] = name end
  end
  p:close()
  table.sort(files)
  for _, f in ipairs(files) do
    local _, rows = L.read_csv(dir .. "/" .. f)
    for _, r in ipairs(rows) do
      local u = assert(units.by_key[r.unit], "unknown unit " .. tostring(r.unit))
      local per = data[r.period] or {}
      data[r.period] = per
      local m = per[r.metric] or {}
      per[r.metric] = m
      assert(m[u.id] == nil, "duplicate row " .. r.unit .. " " .. r.period .. " " .. r.metric)
      m[u.id] = { value = assert(tonumber(r.value)), n = (r.n ~= nil and r.n ~= "") and assert(tonumber(r.n)) or nil }
    end
  end
  return data
end

local function prev_period(p)
  local y, m = p:match("^(%d%d%d%d)-(%d%d)$")
  if y then
    y, m = tonumber(y), tonumber(m)
    if m == 1 then return string.format("%04d-12", y - 1) end
    return string.format("%04d-%02d", y, m - 1)
  end
  return tostring(tonumber(p) - 1)
end
M.prev_period = prev_period

---------------------------------------------------------------------------
-- methods: the share of the indicator's points (README, "Built-in methods")
---------------------------------------------------------------------------
local function clamp01(x) if x < 0 then return 0 elseif x > 1 then return 1 end return x end

local function stats(values)
  local s = {}
  for _, v in ipairs(values) do s[#s + 1] = v end
  table.sort(s)
  local n, sum = #s, 0
  for _, v in ipairs(s) do sum = sum + v end
  local mean = n > 0 and sum / n or 0
  local sq = 0
  for _, v in ipairs(s) do sq = sq + (v - mean) ^ 2 end
  return { sorted = s, n = n, min = s[1], max = s[n], mean = mean, sd = n > 0 and math.sqrt(sq / n) or 0 }
end
M.stats = stats

-- returns share, capped
function M.share(method, v, points, st)
  local k = method[1]
  local lower = method.better == "lower"
  if k == "linear" then
    local s = (v - method.lo) / (method.hi - method.lo)
    return clamp01(lower and 1 - s or s)
  elseif k == "steps" then
    for i = 2, #method do
      local row = method[i]
      if (lower and v <= row[1]) or (not lower and v >= row[1]) then return row[2] end
    end
    return method.otherwise or 0
  elseif k == "target" then
    if lower then return v <= method.target and 1 or method.target / v end
    return clamp01(v / method.target)
  elseif k == "best_ratio" then
    if lower then
      if v == 0 then return 1 end
      return clamp01(st.min / v)
    end
    if st.max <= 0 then return 0 end
    return clamp01(v / st.max)
  elseif k == "rank" then
    local r = 1
    for _, x in ipairs(st.sorted) do
      if (lower and x < v) or (not lower and x > v) then r = r + 1 end
    end
    if method.shares then return method.shares[r] or method.rest end
    if st.n <= 1 then return 1 end
    return (st.n - r) / (st.n - 1)
  elseif k == "minmax" then
    if st.max == st.min then return 1 end
    local s = (v - st.min) / (st.max - st.min)
    return clamp01(lower and 1 - s or s)
  elseif k == "zscore" then
    if st.sd == 0 then return method.base end
    local z = (v - st.mean) / st.sd
    return clamp01(method.base + method.per_sd * (lower and -z or z))
  elseif k == "deduct" then
    local lost = method.per * math.max(0, v - (method.free or 0))
    local cap = math.abs(points)
    if lost >= cap then return 0, lost > cap end
    return 1 - lost / cap, false
  elseif k == "per_event" then
    local got, cap = method.per * math.max(0, v), math.abs(points)
    if got >= cap then return 1, got > cap end
    return got / cap, false
  elseif k == "flag" then
    return v ~= 0 and 1 or 0
  elseif k == "rectify" then
    -- monitoring.lua:86-90 and the standard at :120-123: 100 % → full; at or above the group
    -- median: base + (1 − base)(v − median)/(1 − median); below: base × v / median.
    local base = method.base
    if v >= 1 then return 1 end
    local s, n = st.sorted, st.n
    local median = (n % 2 == 1) and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
    local share
    if v >= median then
      share = base + (1 - base) * (v - median) / (1 - median)
    elseif median > 0 then
      share = base * v / median
    else
      share = 0
    end
    return clamp01(share), false, median
  end
  error("unknown method " .. tostring(k))
end

M.RELATIVE = { best_ratio = true, rank = true, minmax = true, zscore = true, rectify = true }

---------------------------------------------------------------------------
-- one tree scheme for one period
---------------------------------------------------------------------------
local function lookup(data, period, metric, uid)
  local per = data[period]
  local m = per and per[metric]
  return m and m[uid]
end

local function usable(row, min_n)
  if not row then return false end
  if row.n ~= nil and row.n == 0 then return false end
  if row.n ~= nil and min_n and row.n < min_n then return false end
  return true
end

-- Scores every node of the parts' trees for every unit. Returns cells[unit_id][node_id] =
-- { points (nil when dropped), max, status, value, n, weight, carried_from, capped, median }.
local function score_tree(units, data, period, part_ids)
  local cells = {}
  for _, u in ipairs(units.list) do cells[u.id] = {} end
  local order = {}
  local function collect(n)
    order[#order + 1] = n
    for _, c in ipairs(n.children) do collect(c) end
  end
  for _, pid in ipairs(part_ids) do collect(BY_ID[pid]) end

  -- leaves, group by group (relative methods need the group's values first)
  for _, n in ipairs(order) do
    if M.is_leaf(n) then
      for _, g in ipairs(M.GROUPS) do
        local max = M.points(n, g)
        if max ~= nil then
          local vals, who = {}, {}
          for _, u in ipairs(units.list) do
            if u.group == g then
              local c = { max = max }
              cells[u.id][n.id] = c
              local row = lookup(data, period, n.metric, u.id)
              if usable(row, n.min_n) then
                c.status, c.value, c.n = "ok", row.value, row.n
              elseif M.in_adjust(n) then
                c.status, c.points = "missing", 0
              else
                local policy = n.missing or M.DEFAULT_MISSING
                if policy == "zero" then
                  c.status, c.points = "missing", 0
                elseif policy == "not_submitted" then
                  c.status, c.points = "not_submitted", 0
                elseif policy == "not_applicable" then
                  c.status = "na"
                elseif policy == "no_business" then
                  c.status = "no_business"
                elseif policy == "carry_forward" then
                  local p = period
                  for _ = 1, M.CARRY_LIMIT do
                    p = prev_period(p)
                    local r = lookup(data, p, n.metric, u.id)
                    if usable(r, n.min_n) then
                      c.status, c.value, c.n, c.carried_from = "carried", r.value, r.n, p
                      break
                    end
                  end
                  if not c.status then c.status, c.points = "missing", 0 end
                else
                  error("policy " .. policy)
                end
              end
              if c.status == "ok" or c.status == "carried" then
                vals[#vals + 1] = c.value
                who[#who + 1] = u.id
              end
            end
          end
          local st = stats(vals)
          for _, uid in ipairs(who) do
            local c = cells[uid][n.id]
            if n.veto then
              c.points = 0
              if c.value ~= 0 then c.status = "veto"; cells[uid].__veto = n end
            else
              local share, capped, median = M.share(n.method, c.value, max, st)
              c.points = share * max
              c.capped, c.median = capped, median
            end
          end
        end
      end
    end
  end

  -- roll-up, children before parents
  for i = #order, 1, -1 do
    local n = order[i]
    if not M.is_leaf(n) then
      for _, u in ipairs(units.list) do
        local max = M.points(n, u.group)
        if max ~= nil then
          local c = { max = max }
          cells[u.id][n.id] = c
          local sp, sm, nb, app, child_thin = 0, 0, false, 0, false
          for _, k in ipairs(n.children) do
            local kc = cells[u.id][k.id]
            if kc then
              child_thin = child_thin or kc.thin == "not_applicable"
              if kc.points == nil then
                nb = nb or kc.status == "no_business"
              else
                sp, sm = sp + kc.points, sm + kc.max
                app = app + (M.is_leaf(k) and kc.max or kc.app)
              end
            end
          end
          c.app, c.child_thin = app, child_thin
          if n.adjust then
            c.status = "ok"
            c.points = math.min(math.max(sp, -n.minus), n.plus)
            c.sum = sp
            c.scale = 1
          elseif sm <= 0 then
            c.status = nb and "no_business" or "na"
          else
            c.status = "ok"
            c.scale = max / sm
            c.points = math.min(math.max(sp * c.scale, 0), max)
          end
        end
      end
      -- thin evidence (README/docs rules.md, min_applicable): a node resting on less than
      -- min_applicable of its points (or dropped only because a child's policy dropped it) is
      -- not applicable, or takes the median of its group's units that met the minimum; when no
      -- unit of the group meets it, the policy stands aside for the group
      if n.min_applicable then
        for _, g in ipairs(M.GROUPS) do
          local max = M.points(n, g)
          if max ~= nil then
            local function thin(c)
              if c.points ~= nil then return c.app < n.min_applicable * max * (1 - 1e-9) end
              return c.child_thin
            end
            local good = {}
            for _, u in ipairs(units.list) do
              local c = cells[u.id][n.id]
              if u.group == g and c.points ~= nil and not thin(c) then good[#good + 1] = c.points end
            end
            table.sort(good)
            local k, median = #good, nil
            if k > 0 then median = k % 2 == 1 and good[(k + 1) // 2] or (good[k // 2] + good[k // 2 + 1]) / 2 end
            -- nobody in the group reaches the minimum: the policy stands aside (scored as before)
            for _, u in ipairs(units.list) do
              local c = cells[u.id][n.id]
              if u.group == g and k > 0 and thin(c) then
                if n.below == "group_median" then
                  c.status, c.points, c.app, c.scale, c.thin = "ok", median, max, 0, "group_median"
                else
                  c.status, c.points, c.app, c.scale, c.thin = "na", nil, 0, 0, "not_applicable"
                end
              end
            end
          end
        end
      end
    end
  end

  -- weights: a node's factor into its part is the product of its ancestors' rescaling
  -- (order is pre-order, so a parent's weight is known before its children's)
  for _, u in ipairs(units.list) do
    local cu = cells[u.id]
    for _, n in ipairs(order) do
      local c = cu[n.id]
      if c then
        local pc = n.parent and cu[n.parent]
        if c.points == nil then
          c.weight = 0
        elseif not pc then
          c.weight = 1
        else
          c.weight = pc.weight * (pc.scale or 1)
        end
      end
    end
  end
  return cells, order
end

local function band_of(total)
  for _, b in ipairs(M.BANDS) do
    if total >= b[2] - 1e-9 then return b[1] end
  end
end
M.band_of = band_of

-- Ranks one group of entries { id, code, total, ties = { [tie_id] = value or nil } }.
local function rank_group(entries, scheme_has)
  local tie_ids = {}
  for _, t in ipairs(M.TIE_BREAKERS) do
    if scheme_has[t] then tie_ids[#tie_ids + 1] = t end
  end
  local function cmp(a, b)
    if a.total ~= b.total then return a.total > b.total and -1 or 1, nil end
    for _, t in ipairs(tie_ids) do
      local va, vb = a.ties[t], b.ties[t]
      if va ~= vb then
        if va == nil then return 1, t end
        if vb == nil then return -1, t end
        return va > vb and -1 or 1, t
      end
    end
    return 0, nil
  end
  table.sort(entries, function(a, b)
    local r = cmp(a, b)
    if r ~= 0 then return r < 0 end
    if a.code ~= b.code then return a.code < b.code end
    return a.id < b.id
  end)
  for i, e in ipairs(entries) do
    if i > 1 and cmp(entries[i - 1], e) == 0 then
      e.rank = entries[i - 1].rank
    else
      e.rank = i
    end
  end
  -- tie_breaker: within a run of equal totals, the first tie-breaker (in rule-set order) that
  -- sets the unit apart from another unit of the run that has a different rank
  local order_of = {}
  for k, t in ipairs(tie_ids) do order_of[t] = k end
  local lo = 1
  while lo <= #entries do
    local hi = lo
    while hi + 1 <= #entries and entries[hi + 1].total == entries[lo].total do hi = hi + 1 end
    for i = lo, hi do
      for j = lo, hi do
        if entries[i].rank ~= entries[j].rank then
          local _, decider = cmp(entries[i], entries[j])
          local cur = entries[i].tie_breaker
          if decider and (cur == nil or order_of[decider] < order_of[cur]) then
            entries[i].tie_breaker = decider
          end
        end
      end
    end
    lo = hi + 1
  end
  return entries
end

-- Evaluates one scheme for one period. Returns
-- { units = { [id] = { total, raw, parts = {}, cells, ranked, rank, band, veto, clamped,
--                      tie_breaker, previous_rank, change, movement } },
--   groups = { [g] = { ranking = { entries }, no_business = { [id] = { leaf ids } } } } }
function M.eval(units, data, scheme_id, period, opts)
  opts = opts or {}
  local s = M.SCHEMES[scheme_id]
  local res = { units = {}, groups = {}, scheme = scheme_id, period = period }
  local part_scores = {}          -- [uid][part id] = score or nil
  local cells, order
  local scheme_has, is_part = {}, {}
  for _, p in ipairs(s.parts) do scheme_has[p.id] = true; is_part[p.id] = true end

  if s.parts[1].scheme then
    -- a scheme of schemes (annual)
    for _, u in ipairs(units.list) do part_scores[u.id] = {} end
    res.sources = {}
    for _, p in ipairs(s.parts) do
      local periods = {}
      if p.months then
        for m = p.months[1], p.months[2] do periods[#periods + 1] = string.format("%04d-%02d", M.YEAR, m) end
      else
        periods[1] = tostring(M.YEAR)
      end
      local sum, cnt = {}, {}
      res.sources[p.id] = {}
      for _, per in ipairs(periods) do
        if data[per] then
          local sub = M.eval(units, data, p.scheme, per, { no_prev = true })
          res.sources[p.id][per] = sub
          for _, u in ipairs(units.list) do
            local su = sub.units[u.id]
            if su.ranked then
              sum[u.id] = (sum[u.id] or 0) + su.total
              cnt[u.id] = (cnt[u.id] or 0) + 1
            end
          end
        end
      end
      for _, u in ipairs(units.list) do
        if cnt[u.id] then part_scores[u.id][p.id] = sum[u.id] / cnt[u.id] end
      end
    end
  else
    local ids = {}
    for _, p in ipairs(s.parts) do ids[#ids + 1] = p.id end
    cells, order = score_tree(units, data, period, ids)
    for _, n in ipairs(order) do scheme_has[n.id] = true end
    for _, u in ipairs(units.list) do
      part_scores[u.id] = {}
      for _, p in ipairs(s.parts) do
        local c = cells[u.id][p.id]
        part_scores[u.id][p.id] = c and c.points
      end
    end
  end
  res.cells, res.order = cells, order

  -- totals
  for _, u in ipairs(units.list) do
    local r = { id = u.id, parts = part_scores[u.id], cells = cells and cells[u.id] }
    res.units[u.id] = r
    local got, max_present, max_all, adjust, present = 0, 0, 0, 0, 0
    for _, p in ipairs(s.parts) do
      local score = part_scores[u.id][p.id]
      local node = BY_ID[p.id]
      if node and node.adjust then
        adjust = adjust + p.weight * (score or 0)
      else
        local mx = node and M.points(node, u.group) or M.SCHEMES[p.scheme].max
        max_all = max_all + p.weight * mx
        if score ~= nil then
          present = present + 1
          got = got + p.weight * score
          max_present = max_present + p.weight * mx
        end
      end
    end
    if present > 0 and max_present > 0 then
      local total = got * (max_all / max_present) + adjust
      local veto = cells and cells[u.id].__veto
      if veto then
        total = veto.veto
        r.veto = veto.id
      end
      if total > s.max or total < 0 then
        r.clamped = true
        total = math.min(math.max(total, 0), s.max)
      else
        r.clamped = false
      end
      r.raw = total
      r.total = L.round(total, M.ROUNDING)
      r.ranked = true
      r.band = band_of(r.total)
    else
      r.ranked = false
    end
  end

  -- ranks
  for _, g in ipairs(M.GROUPS) do
    local entries = {}
    for _, u in ipairs(units.list) do
      local r = res.units[u.id]
      if u.group == g and r.ranked then
        local ties = {}
        for _, t in ipairs(M.TIE_BREAKERS) do
          if scheme_has[t] then
            local v
            if is_part[t] then
              v = part_scores[u.id][t]
            elseif cells and cells[u.id][t] then
              v = cells[u.id][t].points
            end
            ties[t] = v and L.round(v, M.ROUNDING)
          end
        end
        entries[#entries + 1] = { id = u.id, code = u.code, total = r.total, ties = ties }
      end
    end
    rank_group(entries, scheme_has)
    local no_business = {}
    if cells then
      for _, u in ipairs(units.list) do
        if u.group == g then
          local list = {}
          for _, n in ipairs(order) do
            local c = cells[u.id][n.id]
            if M.is_leaf(n) and c and c.status == "no_business" then list[#list + 1] = n.id end
          end
          if #list > 0 then no_business[u.id] = list end
        end
      end
    end
    res.groups[g] = { ranking = entries, no_business = no_business }
    for _, e in ipairs(entries) do
      res.units[e.id].rank = e.rank
      res.units[e.id].tie_breaker = e.tie_breaker
    end
  end

  -- movement against the previous month of the same year
  if not opts.no_prev and s.period == "month" then
    local prev = prev_period(period)
    if prev:sub(1, 4) == tostring(M.YEAR) and data[prev] then
      local pr = M.eval(units, data, scheme_id, prev, { no_prev = true })
      res.previous_period = prev
      for id, r in pairs(res.units) do
        local p = pr.units[id]
        if r.ranked and p.ranked then
          r.previous_rank = p.rank
          r.change = r.total - p.total
        end
      end
    end
  end
  for _, r in pairs(res.units) do
    if r.ranked then
      if r.previous_rank == nil then r.movement = "new"
      elseif r.previous_rank > r.rank then r.movement = "up"
      elseif r.previous_rank < r.rank then r.movement = "down"
      else r.movement = "same" end
    end
  end
  return res
end

return M
