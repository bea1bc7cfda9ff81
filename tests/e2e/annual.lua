-- e2e.annual — the annual composite 2021 on the bundled sample (schemes.lua:23-27):
--   total = mean of the rounded monthly totals of months 4–12 × 0.4 + the year-end total × 0.6,
--   rounded to 2 digits; ranks, bands; `sources` lists the figures it used.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"
local M = require "model"
local C = require "compare"

local ctx = C.setup("e2e.annual")
local T = ctx.T
local doc = ctx.eval("annual", "2021")
local ju = C.units_by_id(doc)

-- our own monthly and year-end totals
local monthly = {}
for m = 4, 12 do
  monthly[m] = M.eval(ctx.units, ctx.data, "monthly", string.format("2021-%02d", m), { no_prev = true })
end
local ye = M.eval(ctx.units, ctx.data, "year_end", "2021")

T:section("hand-computed composite of a few units", function()
  for _, id in ipairs { "renshe", "shenji", "linye", "wenguang", "chengqu", "huaqiao", "lufeng" } do
    local sum = 0
    for m = 4, 12 do sum = sum + monthly[m].units[id].total end
    local avg = sum / 9
    local total = avg * 0.4 + ye.units[id].total * 0.6
    local u = ju[id] or { parts = {}, sources = {} }
    T:near("annual " .. id .. " total", L.round(total, 2), C.num(u.total), C.TOL_TOTAL)
    T:near("annual " .. id .. " unrounded_total", total, C.num(u.unrounded_total), 1e-5)
    T:near("annual " .. id .. " part monthly_avg", L.round(avg, 2), C.num((u.parts or {}).monthly_avg), C.TOL_TOTAL)
    T:near("annual " .. id .. " part year_end", ye.units[id].total, C.num((u.parts or {}).year_end), C.TOL_TOTAL)
    -- sources: each month's rounded total, and the year-end total
    local src = u.sources or {}
    local n = 0
    for p, v in pairs(src.monthly_avg or {}) do
      n = n + 1
      local m = tonumber(p:match("^2021%-(%d%d)$") or "0")
      T:ok(m >= 4 and m <= 12, "annual " .. id .. " source month " .. p .. " within April–December")
      if monthly[m] then
        T:near("annual " .. id .. " source " .. p, monthly[m].units[id].total, C.num(v), C.TOL_TOTAL)
      end
    end
    T:eq("annual " .. id .. " number of monthly sources", 9, n)
    T:near("annual " .. id .. " source year_end 2021", ye.units[id].total, C.num((src.year_end or {})["2021"]), C.TOL_TOTAL)
  end
  -- a year-end total clamped to 100 enters the composite as 100 (60 points), not as the sum
  -- above it: the units the model clamps at year end
  local clamped = 0
  for _, x in ipairs(ctx.units.list) do
    if ye.units[x.id].clamped and ye.units[x.id].total == 100 then
      clamped = clamped + 1
      local u = ju[x.id] or { parts = {} }
      T:near("annual " .. x.id .. " part year_end (clamped)", 100, C.num(u.parts.year_end), C.TOL_TOTAL)
      local sum = 0
      for m = 4, 12 do sum = sum + monthly[m].units[x.id].total end
      T:near("annual " .. x.id .. " total with the clamped year end", L.round(sum / 9 * 0.4 + 60, 2), C.num(u.total), C.TOL_TOTAL)
    end
  end
  T:ok(clamped > 0, "the 2021 sample has a unit whose year-end total is clamped to 100")
end)

T:section("every unit, ranks and bands", function()
  local mres = M.eval(ctx.units, ctx.data, "annual", "2021")
  C.check_unit_totals(T, "annual", doc, mres)
  C.check_ranking(T, "annual", doc, mres, { no_business = true })
end)

T:done()
