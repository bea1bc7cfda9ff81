-- e2e.monthly_policies — the missing-data policies on the bundled sample:
--   not_submitted  市林业局 skips the monthly 台账 in 2021-03 and 2021-08 (tools/gen-sample:201)
--   carry_forward  市文化广电旅游体育局 skips the July 证明事项 self-report (tools/gen-sample:200);
--                  it reports quarterly (Jan, Apr, Jul, Oct), so July carries April's value
--                  (3 periods back = carry_limit, ruleset.lua:45), and August and September find
--                  nothing within 3 periods → 0 points, status missing
--   no_business    units without cases / events are listed under the group's no_business with
--                  exactly their no_business leaves, and those leaves' siblings are rescaled
--   min_n          mon_ontime / mon_active_rate / mon_ecert_use need n ≥ 10 (monitoring.lua:51,72,135)
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"
local M = require "model"
local C = require "compare"

local ctx = C.setup("e2e.monthly_policies")
local T = ctx.T

local cache = {}
local function month(p)
  if not cache[p] then
    local doc = ctx.eval("monthly", p)
    cache[p] = { doc = doc, units = C.units_by_id(doc), model = M.eval(ctx.units, ctx.data, "monthly", p) }
  end
  return cache[p]
end
local function ind(p, unit, id)
  local u = month(p).units[unit]
  return u and C.indicators_by_id(u)[id] or {}
end
local function csv_value(p, unit, metric)
  local r = ((ctx.data[p] or {})[metric] or {})[unit]
  return r and r.value
end

T:section("not_submitted: 市林业局 monthly_report", function()
  for m = 1, 12 do
    local p = string.format("2021-%02d", m)
    local i = ind(p, "linye", "mon_report")
    if m == 3 or m == 8 then
      T:eq(p .. " linye has no monthly_report row", nil, csv_value(p, "linye", "monthly_report"))
      T:eq(p .. " linye mon_report status", "not_submitted", i.status)
      T:near(p .. " linye mon_report points", 0, C.num(i.points), C.TOL_POINTS)
      -- not dropped: the 5 points count as lost (× the weight that carries them into the part;
      -- since the thin-evidence policy that weight is the model's, 0 when a node above took
      -- its group's median)
      local w = month(p).model.units.linye.cells.mon_report.weight
      T:near(p .. " linye mon_report weight", w, C.num(i.weight), C.TOL_WEIGHT)
      T:near(p .. " linye mon_report lost", 5 * w, C.num(i.lost), C.TOL_POINTS)
      T:contains(p .. " linye mon_report note", C.num(i.note) or "", "未报送")
      -- the rest of the tree against the model
      C.check_all_cells(T, p, month(p).doc, month(p).model, { linye = true })
    else
      T:eq(p .. " linye mon_report status", "ok", i.status)
      T:near(p .. " linye mon_report points", 5, C.num(i.points), C.TOL_POINTS)
    end
  end
end)

T:section("carry_forward: 市文化广电旅游体育局 mon_zero_proof", function()
  -- wenguang,2021-04,zero_proof_rate,0.7415 — linear 0.5 → 0.9, 5 points (monitoring.lua:170-173)
  local april = csv_value("2021-04", "wenguang", "zero_proof_rate")
  T:eq("2021-04 wenguang zero_proof_rate in the sample", 0.7415, april)
  T:eq("2021-07 wenguang has no zero_proof_rate row", nil, csv_value("2021-07", "wenguang", "zero_proof_rate"))
  local i = ind("2021-07", "wenguang", "mon_zero_proof")
  T:eq("2021-07 wenguang mon_zero_proof status", "carried", i.status)
  T:eq("2021-07 wenguang mon_zero_proof carried_from", "2021-04", C.num(i.carried_from))
  T:near("2021-07 wenguang mon_zero_proof value", 0.7415, C.num(i.value), 1e-6)
  T:near("2021-07 wenguang mon_zero_proof points", 5 * (0.7415 - 0.5) / 0.4, C.num(i.points), C.TOL_POINTS)
  T:contains("2021-07 wenguang mon_zero_proof note", C.num(i.note) or "", "2021-04")
  for _, p in ipairs { "2021-08", "2021-09" } do
    local j = ind(p, "wenguang", "mon_zero_proof")
    T:eq(p .. " wenguang mon_zero_proof status (beyond carry_limit 3)", "missing", j.status)
    T:near(p .. " wenguang mon_zero_proof points", 0, C.num(j.points), C.TOL_POINTS)
    T:eq(p .. " wenguang mon_zero_proof carried_from", nil, C.num(j.carried_from))
    -- not dropped: it keeps its weight, the model's (1.25 where a sibling dimension fell
    -- below its thin-evidence minimum and monitoring rescaled the rest)
    local w = month(p).model.units.wenguang.cells.mon_zero_proof.weight
    T:ok(w > 0, p .. " wenguang mon_zero_proof is not dropped")
    T:near(p .. " wenguang mon_zero_proof weight (not dropped)", w, C.num(j.weight), C.TOL_WEIGHT)
  end
  -- October: its own report again
  local o = ind("2021-10", "wenguang", "mon_zero_proof")
  T:eq("2021-10 wenguang mon_zero_proof status", "ok", o.status)
  T:near("2021-10 wenguang mon_zero_proof value", csv_value("2021-10", "wenguang", "zero_proof_rate"), C.num(o.value), 1e-6)
  -- and an ordinary quarterly reporter carries in August from July (1 back), in September (2 back)
  for _, p in ipairs { "2021-08", "2021-09" } do
    local j = ind(p, "fagai", "mon_zero_proof")
    T:eq(p .. " fagai mon_zero_proof status", "carried", j.status)
    T:eq(p .. " fagai mon_zero_proof carried_from", "2021-07", C.num(j.carried_from))
  end
  -- the whole of the three months against the model
  for _, p in ipairs { "2021-07", "2021-08", "2021-09" } do
    C.check_all_cells(T, p, month(p).doc, month(p).model, { wenguang = true, fagai = true })
  end
end)

T:section("carried values take part in relative methods' groups", function()
  -- no relative method reads zero_proof_rate in this rule set; what we can check is that a
  -- carried value is scored like a reported one: 城区 and 陆丰 report every month, others carry.
  local p = "2021-05"
  local lf = ind(p, "lufeng", "mon_zero_proof")
  T:eq(p .. " lufeng mon_zero_proof status (monthly reporter)", "ok", lf.status)
  local hq = ind(p, "huaqiao", "mon_zero_proof")
  T:eq(p .. " huaqiao mon_zero_proof status (quarterly reporter)", "carried", hq.status)
end)

T:section("no_business listing and rescale, every month", function()
  local listed_units = 0
  for m = 1, 12 do
    local p = string.format("2021-%02d", m)
    local doc, mres = month(p).doc, month(p).model
    for _, jg in ipairs(doc.groups) do
      local mg = mres.groups[jg.id]
      local got = {}
      for _, x in ipairs(jg.no_business) do
        got[x.unit] = x
        T:eq(p .. " no_business " .. x.unit .. " name", ctx.units.by_id[x.unit] and ctx.units.by_id[x.unit].name, x.name)
      end
      for uid, list in pairs(mg.no_business) do
        listed_units = listed_units + 1
        T:eq(p .. " " .. jg.id .. " no_business " .. uid, table.concat(list, ","),
          got[uid] and table.concat(got[uid].indicators, ",") or nil)
        -- each listed leaf is dropped (no points, weight 0) and noted
        for _, id in ipairs(list) do
          local i = ind(p, uid, id)
          T:eq(p .. " " .. uid .. " " .. id .. " status", "no_business", i.status)
          T:eq(p .. " " .. uid .. " " .. id .. " points", nil, C.num(i.points))
          T:near(p .. " " .. uid .. " " .. id .. " weight", 0, C.num(i.weight), 0)
        end
      end
      for uid in pairs(got) do
        if not mg.no_business[uid] then T:fail(p .. " no_business " .. uid, "not listed", "listed") end
      end
    end
    -- no_business leaves never leave a unit unranked in the sample: everybody has a total
    for _, jg in ipairs(doc.groups) do
      T:eq(p .. " " .. jg.id .. " unranked", 0, #jg.unranked)
    end
  end
  T:ok(listed_units > 12, "the sample lists no-business units every month", "listed " .. listed_units)
  -- 市信访局 (xinfang) has no cases at all: the 办件 leaves are no_business every month
  local x = ind("2021-05", "xinfang", "mon_ontime")
  T:eq("2021-05 xinfang mon_ontime status", "no_business", x.status)
end)

T:section("min_n: n below 10 counts as missing", function()
  -- find every (unit, month) in the sample where a min_n leaf has a row with 0 < n < 10
  local found = 0
  for m = 1, 12 do
    local p = string.format("2021-%02d", m)
    for _, spec in ipairs { { "mon_ontime", "ontime_rate" }, { "mon_active_rate", "review_active_rate" },
                            { "mon_ecert_use", "ecert_use_rate" } } do
      for uid, row in pairs(((ctx.data[p] or {})[spec[2]]) or {}) do
        if row.n and row.n < 10 then
          found = found + 1
          local i = ind(p, uid, spec[1])
          T:eq(string.format("%s %s %s (n = %d < min_n 10) status", p, uid, spec[1], row.n), "no_business", i.status)
        elseif row.n and row.n >= 10 then
          local i = ind(p, uid, spec[1])
          T:eq(string.format("%s %s %s (n = %d) status", p, uid, spec[1], row.n), "ok", i.status)
        end
      end
    end
  end
  T:ok(found > 0, "the sample has rows below min_n", "found " .. found)
end)

T:section("text report lists the no-business units", function()
  local out, err, code = L.run(L.eval_cmd(ctx.bin, { rules = ctx.rules, data = ctx.sample, scheme = "monthly",
    period = "2021-05", format = "text" }))
  T:eq("text exit code", 0, code)
  T:contains("text report", out, "本期无业务单位")
  for _, g in ipairs(month("2021-05").doc.groups) do
    for _, x in ipairs(g.no_business) do T:contains("text report lists " .. x.unit, out, x.name) end
  end
end)

T:done()
