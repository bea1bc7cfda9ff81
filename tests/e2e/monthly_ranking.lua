-- e2e.monthly_ranking — totals, ranks, ties, bands and movement of all twelve monthly rankings
-- of the bundled sample, against figures computed here:
--   total = monitoring × 0.8 + platforms × 0.2 (schemes.lua:10-14), rounded half away from zero
--   to 2 digits (ruleset.lua:31); competition ranks (ruleset.lua:32) on the rounded totals,
--   equal totals split by the higher rounded `monitoring` score (ruleset.lua:36), else shared;
--   bands ≥ 90 优秀, ≥ 80 良好, ≥ 60 合格, else 不合格 (ruleset.lua:38-43);
--   movement against the previous month: previous_rank, up / down / same, change = total − the
--   previous total; January (no earlier month in the year) is `new`.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"
local M = require "model"
local C = require "compare"

local ctx = C.setup("e2e.monthly_ranking")
local T = ctx.T

local docs, models = {}, {}
for m = 1, 12 do
  local p = string.format("2021-%02d", m)
  docs[m] = ctx.eval("monthly", p)
  models[m] = M.eval(ctx.units, ctx.data, "monthly", p)
end

T:section("totals: monitoring × 0.8 + platforms × 0.2", function()
  for m = 1, 12 do
    local p = string.format("2021-%02d", m)
    local mres = models[m]
    for _, u in ipairs(ctx.units.list) do
      local mu = mres.units[u.id]
      -- the model's own roll-up: both parts present for every unit of the sample
      local mon, plat = mu.cells.monitoring.points, mu.cells.platforms.points
      T:ok(mon ~= nil and plat ~= nil, p .. " " .. u.id .. ": both monthly parts scored")
      if mon and plat then
        T:near(p .. " " .. u.id .. " model total = 0.8 mon + 0.2 plat", L.round(0.8 * mon + 0.2 * plat, 2), mu.total, 1e-9)
      end
    end
    C.check_unit_totals(T, p, docs[m], mres)
  end
end)

T:section("two units, 2021-05, leaf to total", function()
  -- a part from the model's leaves: Σ points × weight (the factor that carries a leaf into its
  -- part), then total = 0.8 × monitoring + 0.2 × platforms
  local function leaves_of(mu, root)
    local sum = 0
    local function walk(n)
      local c = mu.cells[n.id]
      if not c then return end
      if M.is_leaf(n) then
        if c.points then sum = sum + c.points * c.weight end
      else
        for _, k in ipairs(n.children) do walk(k) end
      end
    end
    walk(M.BY_ID[root])
    return sum
  end
  local function check(uid, why)
    local mu = models[5].units[uid]
    local ju = C.units_by_id(docs[5])[uid] or { parts = {} }
    local mon, plat = leaves_of(mu, "monitoring"), leaves_of(mu, "platforms")
    T:near("2021-05 " .. uid .. " monitoring (" .. why .. ")", L.round(mon, 2), C.num(ju.parts.monitoring), C.TOL_TOTAL)
    T:near("2021-05 " .. uid .. " platforms (" .. why .. ")", L.round(plat, 2), C.num(ju.parts.platforms), C.TOL_TOTAL)
    T:near("2021-05 " .. uid .. " total (" .. why .. ")", L.round(0.8 * mon + 0.2 * plat, 2), C.num(ju.total), C.TOL_TOTAL)
    return plat
  end
  local function find(what, ok)
    for _, u in ipairs(ctx.units.list) do
      if u.group == "dept" and ok(models[5].units[u.id].cells) then return u.id end
    end
    T:ok(false, "the 2021-05 sample should have a dept unit with " .. what)
  end
  local function status(cells, ids, st)
    for _, id in ipairs(ids) do if cells[id].status ~= st then return false end end
    return true
  end
  -- no 民情地图 events (e2e.monthly_leaves works its platforms out by hand): plat_mqdt rescaled
  local u = find("no 民情地图 events", function(c) return status(c, { "pm_ontime", "pm_close", "pm_response" }, "no_business")
    and c.pm_data_timely.status == "ok" end)
  if u then check(u, "no 民情地图 events") end
  -- no platform business at all: platforms 0, total = 0.8 × monitoring
  u = find("no platform business", function(c)
    return status(c, { "pm_ontime", "pm_close", "pm_response", "ps_response", "ps_close", "ps_satisfaction" }, "no_business")
      and c.pm_data_timely.status == "missing" end)
  if u then T:near("2021-05 " .. u .. " platforms is 0", 0, check(u, "no platform business"), 1e-9) end
  -- 城区 (county)
  check("chengqu", "county")
end)

T:section("rankings, bands, movement of every month", function()
  for m = 1, 12 do
    local p = string.format("2021-%02d", m)
    C.check_ranking(T, p, docs[m], models[m])
  end
end)

T:section("ties: equal rounded totals split by the rounded monitoring score", function()
  -- every exact tie of the twelve months in the model's rankings; the sample should have at
  -- least one that the monitoring score separates
  local separated = 0
  for m = 1, 12 do
    local p = string.format("2021-%02d", m)
    local mres = models[m]
    for _, g in ipairs(M.GROUPS) do
      local list = mres.groups[g].ranking
      for i = 2, #list do
        local a, b = list[i - 1], list[i]
        local ma, mb = L.round(mres.units[a.id].parts.monitoring, 2), L.round(mres.units[b.id].parts.monitoring, 2)
        if a.total == b.total and ma ~= mb then
          separated = separated + 1
          local label = string.format("%s tie %s / %s at %.2f", p, a.id, b.id, a.total)
          T:ok(ma > mb, label .. ": the higher monitoring score is listed first", string.format("%.2f vs %.2f", ma, mb))
          -- what pinggu printed for the two
          local ja, jb
          for _, jg in ipairs(docs[m].groups) do
            for _, r in ipairs(jg.ranking) do
              if r.unit == a.id then ja = r end
              if r.unit == b.id then jb = r end
            end
          end
          ja, jb = ja or {}, jb or {}
          T:eq(label .. ": " .. a.id .. " total", a.total, C.num(ja.total))
          T:eq(label .. ": " .. b.id .. " total", b.total, C.num(jb.total))
          T:eq(label .. ": " .. a.id .. " rank", i - 1, C.num(ja.rank))
          T:eq(label .. ": " .. b.id .. " rank", i, C.num(jb.rank))
          T:eq(label .. ": " .. a.id .. " tie_breaker", "monitoring", C.num(ja.tie_breaker))
          T:eq(label .. ": " .. b.id .. " tie_breaker", "monitoring", C.num(jb.tie_breaker))
        end
      end
    end
  end
  T:ok(separated > 0, "the monthly sample (2021-01 to 2021-12) has an exact tie of rounded totals that the "
    .. "monitoring score separates")
  -- months without equal totals show no tie_breaker at all
  for m = 1, 12 do
    for _, jg in ipairs(docs[m].groups) do
      for i, r in ipairs(jg.ranking) do
        if not L.isnull(r.tie_breaker) then
          local prev, nxt = jg.ranking[i - 1], jg.ranking[i + 1]
          T:ok((prev and prev.total == r.total) or (nxt and nxt.total == r.total),
            string.format("2021-%02d %s has tie_breaker %s only when its total equals a neighbour's", m, r.unit, r.tie_breaker))
        end
      end
    end
  end
end)

T:section("movement against the month before, from our own ranks", function()
  -- January: no earlier month of 2021 → new, no previous rank, no change
  T:eq("2021-01 previous_period", nil, C.num(docs[1].previous_period))
  for _, jg in ipairs(docs[1].groups) do
    for _, r in ipairs(jg.ranking) do
      T:eq("2021-01 " .. r.unit .. " movement", "new", r.movement)
      T:eq("2021-01 " .. r.unit .. " previous_rank", nil, C.num(r.previous_rank))
      T:eq("2021-01 " .. r.unit .. " change", nil, C.num(r.change))
    end
  end
  for m = 2, 12 do
    local p = string.format("2021-%02d", m)
    T:eq(p .. " previous_period", string.format("2021-%02d", m - 1), C.num(docs[m].previous_period))
    local ups, downs = 0, 0
    for _, u in ipairs(ctx.units.list) do
      local now, before = models[m].units[u.id], models[m - 1].units[u.id]
      local mv = before.rank > now.rank and "up" or before.rank < now.rank and "down" or "same"
      if mv == "up" then ups = ups + 1 elseif mv == "down" then downs = downs + 1 end
      local r
      for _, jg in ipairs(docs[m].groups) do
        for _, x in ipairs(jg.ranking) do if x.unit == u.id then r = x end end
      end
      if T:ok(r ~= nil, p .. " " .. u.id .. " is ranked") then
        T:eq(p .. " " .. u.id .. " previous_rank", before.rank, C.num(r.previous_rank))
        T:eq(p .. " " .. u.id .. " movement", mv, r.movement)
        T:near(p .. " " .. u.id .. " change", L.round(now.total - before.total, 2), C.num(r.change), C.TOL_TOTAL)
      end
    end
    T:ok(ups > 0 and downs > 0, p .. " has units moving both ways", string.format("up %d, down %d", ups, downs))
  end
end)

T:done()
