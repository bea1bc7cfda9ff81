-- e2e.year_end — the year-end assessment 2021 on the bundled sample:
--   total = basic (80) + platform_ye (20) + bonus, bonus = Σ items clamped to [−10, +5]
--   (bonus.lua:15), each item capped at its points; the total clamped to [0, 100]
--   (schemes.lua:16-21); 人社 exceeds 100 and is clamped; bands (ruleset.lua:38-43);
--   a year scheme shows movement `new`. Every node of every unit is compared with the model.
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

T:section("hand-worked: 市人社局 reaches 100 via the cap", function()
  -- renshe,2021: innovations 1 → +1 (bonus.lua:21-23, per 1, cap 2);
  -- theme_services 2 → 2 × 0.5 = +1 (bonus.lua:35-37); penalties 0 → bonus +2
  pts("renshe", "b_innovation", 1, "per_event")
  pts("renshe", "b_theme", 1, "per_event")
  pts("renshe", "bonus", 2, "adjust sum")
  -- platform_ye (dept): mq_data_classes 5 ≥ target 4 → 3; mq_account_active 0.9474 →
  -- 3 × 0.4474 / 0.45; sm_registered 1 → 2; mq_ontime_rate 0.9863 → 6 × 0.1863 / 0.2;
  -- platform_satisfaction 1 → 3; repeat_complaints 1 (1 free) → 3
  local py = 3 + 3 * 0.4474 / 0.45 + 2 + 6 * 0.1863 / 0.2 + 3 + 3
  pts("renshe", "platform_ye", py, "part")
  -- eseal_uses 194847 ≥ 10000 → 3 (basic.lua:78-81); satisfaction_rate 0.999 on the top step → 4
  pts("renshe", "bs_uses", 3, "steps, top")
  pts("renshe", "bu_satisfaction", 4, "steps, exactly 0.999")
  local u = ju.renshe or {}
  local raw = mres.units.renshe.cells.basic.points + py + 2
  T:ok(raw > 100, "renshe basic + platform_ye + bonus exceeds 100", string.format("%.4f", raw))
  T:near("renshe total (clamped to 100)", 100, C.num(u.total), C.TOL_TOTAL)
  T:near("renshe unrounded_total", 100, C.num(u.unrounded_total), 1e-6)
  T:eq("renshe clamped", true, u.clamped)
  T:eq("renshe band", "优秀", C.num(u.band))
  T:eq("renshe rank", 1, C.num(u.rank))
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
  }
  for _, c in ipairs(cases) do pts(c[1], "bonus", c[2], c[3]) end
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
  -- huaqiao item_consistency 0.95 → steps 0.7 × 3 (county points, basic.lua:111-114)
  pts("huaqiao", "bi_consistency", 2.1, "steps, on a boundary, county points")
  -- huaqiao satisfaction_rate 0.993 → 0.99 step → 0.75 × 4
  pts("huaqiao", "bu_satisfaction", 3, "steps")
  -- huaqiao eseal_uses 5815 → 2000 step → 0.8 × 3
  pts("huaqiao", "bs_uses", 2.4, "steps")
  -- linye eseal_issued 0 → flag 0; eseal_uses 0 → below every step → 0
  pts("linye", "bs_issued", 0, "flag 0")
  pts("linye", "bs_uses", 0, "steps otherwise")
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
