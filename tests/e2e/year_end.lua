-- e2e.year_end — the year-end assessment 2021 on the bundled sample:
--   total = basic (80) + platform_ye (20) + bonus, bonus = Σ items clamped to [−10, +5]
--   (bonus.lua:15), each item capped at its points; the total clamped to [0, 100]
--   (schemes.lua:16-21); the top unit's total worked out by hand and clamped when above 100;
--   bands (ruleset.lua:38-43); a year scheme shows movement `new`. Hand-worked figures take
--   the unit's 2021 values from the fed sample or from raw_model.lua (WORK/expected) and pick
--   the units that show each case. Every node of every unit is compared with the model.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"
local M = require "model"
local C = require "compare"

local ctx = C.setup("e2e.year_end")
local T = ctx.T
local doc = ctx.eval("year_end", "2021")
local ju = C.units_by_id(doc)
local mres = M.eval(ctx.units, ctx.data, "year_end", "2021")

local function ind(unit, id) return C.indicators_by_id(ju[unit] or {})[id] or {} end
local function pts(unit, id, expected, what)
  T:near(string.format("2021 %s %s (%s)", unit, id, what), expected, C.num(ind(unit, id).points), C.TOL_POINTS)
end

T:eq("period", "2021", doc.period)
T:eq("previous_period", nil, C.num(doc.previous_period))
T:eq("scheme id", "year_end", doc.scheme.id)

local function row(unit, metric)
  local r = ((ctx.data["2021"] or {})[metric] or {})[unit]
  if r and r.n ~= nil and r.n == 0 then return nil end
  return r
end
local function value(unit, metric) local r = row(unit, metric); return r and r.value end
local function clamp01(x) return math.min(1, math.max(0, x)) end
local function steps(v, list, otherwise)
  for _, s in ipairs(list) do if v >= s[1] then return s[2] end end
  return otherwise
end
-- The first unit (units.csv order, `group` or any) whose 2021 value of metric passes ok.
local function pick(group, metric, what, ok)
  for _, u in ipairs(ctx.units.list) do
    local r = (not group or u.group == group) and row(u.id, metric)
    if r and ok(r.value) then return u.id, r.value end
  end
  T:ok(false, string.format("the 2021 sample should have a %s unit with %s %s", group or "", metric, what))
end
local BS_USES = { { 10000, 1 }, { 2000, 0.8 }, { 500, 0.6 }, { 1, 0.3 } }                 -- basic.lua:78-81
local BU_SATISFACTION = { { 0.999, 1 }, { 0.995, 0.9 }, { 0.99, 0.75 }, { 0.98, 0.5 } }   -- basic.lua:206-210

T:section("hand-worked: the top dept unit, and the clamp to 100", function()
  -- the dept unit with the highest basic + platform_ye + bonus in the model
  local top, best
  for _, x in ipairs(ctx.units.list) do
    local c = mres.units[x.id].cells
    local raw = c.basic.points + c.platform_ye.points + c.bonus.points
    if x.group == "dept" and (not best or raw > best) then top, best = x.id, raw end
  end
  -- bonus.lua:21-37: innovations per 1 (cap 2), special_tasks per 1 (cap 2), theme_services
  -- per 0.5 (cap 2); penalties: security per 2.5 (cap 5), data_truth per 1 (cap 5), fund per
  -- 0.1 (cap 3), projects per 1 (cap 3); the sum within [−10, +5]
  local function v(m) return value(top, m) or 0 end
  local plus = math.min(v("innovations"), 2) + math.min(v("special_tasks"), 2) + math.min(0.5 * v("theme_services"), 2)
  local minus = math.min(2.5 * v("security_incidents"), 5) + math.min(v("data_truth_issues"), 5)
    + math.min(0.1 * v("fund_shortfall"), 3) + math.min(v("project_issues"), 3)
  local bonus = math.min(math.max(plus - minus, -10), 5)
  pts(top, "bonus", bonus, "adjust sum")
  -- platform_ye (dept, platform_ye.lua): mq_data_classes target 4 (3); mq_account_active linear
  -- 0.5 → 0.95 (3); sm_registered flag (2); mq_ontime_rate linear 0.8 → 1 (6);
  -- platform_satisfaction linear 0.85 → 1 (3); repeat_complaints deduct 1 beyond 1 free (3);
  -- a missing value scores 0
  local py = 3 * math.min(v("mq_data_classes") / 4, 1)
    + 3 * clamp01((v("mq_account_active") - 0.5) / 0.45)
    + 2 * (v("sm_registered") ~= 0 and 1 or 0)
    + (row(top, "mq_ontime_rate") and 6 * clamp01((v("mq_ontime_rate") - 0.8) / 0.2) or 0)
    + 3 * clamp01((v("platform_satisfaction") - 0.85) / 0.15)
    + (row(top, "repeat_complaints") and 3 * clamp01(1 - math.max(0, v("repeat_complaints") - 1) / 3) or 0)
  pts(top, "platform_ye", py, "part")
  local raw = mres.units[top].cells.basic.points + py + bonus
  local u = ju[top] or {}
  -- the case this section exists for: a total above 100 that is clamped
  if T:ok(raw > 100, "the 2021 sample has a unit whose basic + platform_ye + bonus exceeds 100 (the clamp); "
      .. "the highest is " .. top, string.format("%.4f", raw)) then
    T:near(top .. " total (clamped to 100)", 100, C.num(u.total), C.TOL_TOTAL)
    T:near(top .. " unrounded_total", 100, C.num(u.unrounded_total), 1e-6)
    T:eq(top .. " clamped", true, u.clamped)
    T:eq(top .. " band", "优秀", C.num(u.band))
    T:eq(top .. " rank", 1, C.num(u.rank))
  else
    T:near(top .. " total", L.round(raw, 2), C.num(u.total), C.TOL_TOTAL)
    T:eq(top .. " clamped", false, u.clamped)
  end
end)

T:section("hand-worked: bonus and penalty items", function()
  -- (unit, expected bonus, from the sample's 2021.csv rows)
  local cases = {
    { "chengqu", 1 + 3 * 0.5, "innovations 1, theme_services 3" },
    { "lufeng", 2 + 1 + 2 * 0.5, "innovations 2, special_tasks 1, theme_services 2" },
    { "luhe", -2.5, "security_incidents 1 × 2.5" },
    { "honghaiwan", -1 - 6 * 0.1, "project_issues 1, fund_shortfall 6 points × 0.1" },
    { "huaqiao", -2, "data_truth_issues 2" },
    { "xinqu", -12 * 0.1, "fund_shortfall 12" },
    { "shijian", 2 + 2 * 0.5, "special_tasks 2, theme_services 2" },
    { "linye", -2, "project_issues 2" },
    { "wenguang", -2.5, "security_incidents 1" },
    { "shenji", 0, "nothing" },
    { "gongjijin", 5, "innovations 2 + special_tasks 2 + theme_services 5 × 0.5 capped at 2 = 6, capped at +5" },
  }
  for _, c in ipairs(cases) do pts(c[1], "bonus", c[2], c[3]) end
  pts("gongjijin", "b_theme", 2, "5 × 0.5 capped at the item's 2 points")
  -- ranking parts carry the bonus too
  for _, g in ipairs(doc.groups) do
    for _, r in ipairs(g.ranking) do
      if r.unit == "lufeng" then T:near("lufeng ranking part bonus", 4, C.num(r.parts.bonus), C.TOL_TOTAL) end
    end
  end
  -- penalty lost counts, an unearned bonus does not (README: lost on bonus items)
  T:near("luhe p_security lost", 2.5, C.num(ind("luhe", "p_security").lost), C.TOL_POINTS)
  T:near("luhe b_innovation lost", 0, C.num(ind("luhe", "b_innovation").lost), C.TOL_POINTS)
  -- nobody triggers the veto in the sample
  for _, u in ipairs(ctx.units.list) do
    T:eq("2021 " .. u.id .. " veto", nil, C.num((ju[u.id] or {}).veto))
    T:eq("2021 " .. u.id .. " v_veto status", "ok", ind(u.id, "v_veto").status)
  end
end)

T:section("hand-worked: other year-end leaves", function()
  -- huaqiao does not send the year-end 证明事项 self-report: bf_zero_proof is not_submitted
  -- (basic.lua:234-237) — 0 points, not dropped
  T:eq("huaqiao bf_zero_proof status", "not_submitted", ind("huaqiao", "bf_zero_proof").status)
  pts("huaqiao", "bf_zero_proof", 0, "not_submitted")
  -- item_consistency exactly 0.95 → steps 0.7 × 3 (county points, basic.lua:111-114)
  local u = pick("county", "item_consistency", "exactly 0.95", function(x) return x == 0.95 end)
  if u then pts(u, "bi_consistency", 2.1, "steps, on a boundary, county points") end
  -- satisfaction_rate: steps (basic.lua:206-210), 4 points; a unit below the top step, one on it
  local v
  u, v = pick(nil, "satisfaction_rate", "below the top step 0.999", function(x) return x < 0.999 end)
  if u then pts(u, "bu_satisfaction", 4 * steps(v, BU_SATISFACTION, 0.2), "steps") end
  u = pick(nil, "satisfaction_rate", "at or above 0.999", function(x) return x >= 0.999 end)
  if u then pts(u, "bu_satisfaction", 4, "steps, top") end
  -- eseal_uses: steps (basic.lua:78-81), 3 points: a middle step, the lowest step, the top
  u, v = pick(nil, "eseal_uses", "in [2000, 10000)", function(x) return x >= 2000 and x < 10000 end)
  if u then pts(u, "bs_uses", 3 * steps(v, BS_USES, 0), "steps") end
  u = pick(nil, "eseal_uses", "in [1, 500)", function(x) return x >= 1 and x < 500 end)
  if u then pts(u, "bs_uses", 0.9, "steps, lowest") end
  u = pick(nil, "eseal_uses", "at least 10000", function(x) return x >= 10000 end)
  if u then pts(u, "bs_uses", 3, "steps, top") end
  -- eseal_issued: flag (basic.lua:72-74), 2 points
  u = pick(nil, "eseal_issued", "≠ 0", function(x) return x ~= 0 end)
  if u then pts(u, "bs_issued", 2, "flag") end
  -- repeat_complaints: deduct 1 per complaint beyond 1 free, 3 points (platform_ye.lua:92-94):
  -- one deducted, and the most complaints (capped at 0)
  u, v = pick(nil, "repeat_complaints", "between 2 and 3", function(x) return x >= 2 and x <= 3 end)
  if u then pts(u, "py_repeat", 3 - (v - 1), "deduct") end
  u = pick(nil, "repeat_complaints", "beyond the cap (more than 4)", function(x) return x > 4 end)
  if u then pts(u, "py_repeat", 0, "deduct, capped at 0") end
  -- shenji takes no part in the platforms: every platform_ye leaf scores 0 (missing → zero,
  -- platform_ye.lua:1-6), the part is not dropped
  pts("shenji", "platform_ye", 0, "every unit is assessed")
  T:eq("shenji py_accounts status", "missing", ind("shenji", "py_accounts").status)
  -- shenji has no ecert_issue_rate row: be_issue not_applicable, be_use (0.25 → 0) carries b_ecert ×2
  T:eq("shenji be_issue status", "na", ind("shenji", "be_issue").status)
  T:near("shenji be_use weight (6/3)", 2, C.num(ind("shenji", "be_use").weight), C.TOL_WEIGHT)
end)

T:section("every node of every unit against the model", function()
  C.check_all_cells(T, "2021 year_end", doc, mres)
end)

T:section("totals, ranks, bands", function()
  C.check_unit_totals(T, "2021 year_end", doc, mres)
  C.check_ranking(T, "2021 year_end", doc, mres)
  -- the generic rule on every unit: total = clamp(basic + platform_ye + clamp(bonus, −10, 5), 0, 100)
  for _, u in ipairs(ctx.units.list) do
    local cells = mres.units[u.id].cells
    local sum = 0
    for _, k in ipairs(M.BY_ID.bonus.children) do sum = sum + (cells[k.id].points or 0) end
    local bonus = math.min(math.max(sum, -10), 5)
    local total = math.min(math.max(cells.basic.points + cells.platform_ye.points + bonus, 0), 100)
    T:near("2021 " .. u.id .. " total = clamp(basic + platform_ye + bonus)", L.round(total, 2),
      C.num((ju[u.id] or {}).total), C.TOL_TOTAL)
    local r
    for _, g in ipairs(doc.groups) do for _, x in ipairs(g.ranking) do if x.unit == u.id then r = x end end end
    T:eq("2021 " .. u.id .. " movement (year scheme)", "new", r and r.movement)
  end
end)

T:done()
