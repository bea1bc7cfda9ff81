-- e2e.monthly_ranking — totals, ranks, ties, bands and movement of all twelve monthly rankings
-- of the bundled sample, against figures computed here:
--   total = monitoring × 0.8 + platforms × 0.2 (schemes.lua:10-14), rounded half away from zero
--   to 2 digits (ruleset.lua:31); competition ranks (ruleset.lua:32) on the rounded totals,
--   equal totals split by the higher rounded `monitoring` score (ruleset.lua:36), else shared;
--   bands ≥ 90 优秀, ≥ 80 良好, ≥ 60 合格, else 不合格 (ruleset.lua:38-43);
--   movement against the previous month: previous_rank, up / down / same, change = total − the
--   previous total; January (no earlier month in the year) is `new`.
-- Exact ties are planted in a private copy of the fixture's data (see "planted" below): one that
-- the monitoring score separates and one that nothing separates (a shared rank).
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
  -- part), then total = 0.8 × monitoring + 0.2 × platforms. A node that took its group's median
  -- for thin evidence (min_applicable) counts in its leaves' stead: they weigh 0 under it.
  local function leaves_of(mu, root)
    local sum = 0
    local function walk(n)
      local c = mu.cells[n.id]
      if not c then return end
      if M.is_leaf(n) or c.thin == "group_median" then
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
  -- no 民情地图 events (e2e.monthly_leaves works its platforms out by hand): plat_mqdt is left
  -- with pm_data_timely, 10 of its 50 points, and is not applicable (min_applicable 50 %)
  local u = find("no 民情地图 events", function(c) return status(c, { "pm_ontime", "pm_close", "pm_response" }, "no_business")
    and c.pm_data_timely.status == "ok" end)
  if u then check(u, "no 民情地图 events") end
  -- no platform business at all: before the thin-evidence policy the one zero-scored leaf
  -- (pm_data_timely, missing) made platforms 0; now platforms takes the dept group's median
  u = find("no platform business", function(c)
    return status(c, { "pm_ontime", "pm_close", "pm_response", "ps_response", "ps_close", "ps_satisfaction" }, "no_business")
      and c.pm_data_timely.status == "missing" end)
  if u then
    T:eq("2021-05 " .. u .. " platforms took the group median", "group_median", models[5].units[u].cells.platforms.thin)
    T:ok(check(u, "no platform business") > 0, "2021-05 " .. u .. " platforms is no longer 0")
  end
  -- 城区 (county)
  check("chengqu", "county")
end)

T:section("rankings, bands, movement of every month", function()
  for m = 1, 12 do
    local p = string.format("2021-%02d", m)
    C.check_ranking(T, p, docs[m], models[m])
  end
end)

-- Every exact tie of rounded totals in one month's model ranking, checked against pinggu's:
-- a pair that the rounded monitoring score separates (ruleset.lua:36) is listed higher
-- monitoring first, ranks r and r + 1, tie_breaker "monitoring"; a pair equal in monitoring and
-- in platforms too (the next tie-breaker of the monthly scheme; basic is not in it) shares its
-- rank. Returns the pairs of each kind.
local function round2(x) return x and L.round(x, 2) end
local function check_ties(p, doc, mres)
  local separated, shared = {}, {}
  local jr = {}
  for _, jg in ipairs(doc.groups) do
    for _, r in ipairs(jg.ranking) do jr[r.unit] = r end
  end
  for _, g in ipairs(M.GROUPS) do
    local list = mres.groups[g].ranking
    for i = 2, #list do
      local a, b = list[i - 1], list[i]
      local ua, ub = mres.units[a.id], mres.units[b.id]
      if a.total == b.total then
        local ma, mb = round2(ua.parts.monitoring), round2(ub.parts.monitoring)
        local pa, pb = round2(ua.parts.platforms), round2(ub.parts.platforms)
        local ja, jb = jr[a.id] or {}, jr[b.id] or {}
        local label = string.format("%s tie %s / %s at %.2f", p, a.id, b.id, a.total)
        T:eq(label .. ": " .. a.id .. " total", a.total, C.num(ja.total))
        T:eq(label .. ": " .. b.id .. " total", b.total, C.num(jb.total))
        if ma ~= mb then
          separated[#separated + 1] = { a = a.id, b = b.id }
          T:ok(ma > mb, label .. ": the higher monitoring score is listed first", string.format("%.2f vs %.2f", ma, mb))
          T:eq(label .. ": " .. a.id .. " rank", a.rank, C.num(ja.rank))
          T:eq(label .. ": " .. b.id .. " rank (one below)", a.rank + 1, C.num(jb.rank))
          T:eq(label .. ": " .. a.id .. " tie_breaker", "monitoring", C.num(ja.tie_breaker))
          T:eq(label .. ": " .. b.id .. " tie_breaker", "monitoring", C.num(jb.tie_breaker))
        elseif pa == pb then
          shared[#shared + 1] = { a = a.id, b = b.id }
          T:eq(label .. ": " .. a.id .. " rank", a.rank, C.num(ja.rank))
          T:eq(label .. ": " .. b.id .. " shares the rank", a.rank, C.num(jb.rank))
        end
      end
    end
  end
  return separated, shared
end

T:section("ties in the fixture's twelve months, if any", function()
  for m = 1, 12 do check_ties(string.format("2021-%02d", m), docs[m], models[m]) end
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

-- An exact tie of totals rounded to 2 decimals is a matter of luck in the generated data (the
-- raw records decide most leaves), so the tie cases are planted in a private copy of the
-- fixture's data directory: one unit's self-reported values of one month are changed so that
-- the model — not pinggu — predicts the tie, the changed rows are written into the copy's fed
-- CSV, and pinggu evaluates that copy. The self-reports used are scored linearly (a small change
-- moves the score continuously): zero_proof_rate, monitoring, linear 0.5 → 0.9
-- (monitoring.lua:172); mq_patrol_rate, platforms, counties only, linear 0.7 → 1.0
-- (platforms.lua:57). A changed value stays inside that range, written to 4 decimals.
local LINEAR = { zero_proof_rate = { 0.5, 0.9 }, mq_patrol_rate = { 0.7, 1.0 } }
local copy = L.tmpdir() .. "/data"
os.execute("cp -a " .. L.quote(ctx.sample) .. " " .. L.quote(copy))

-- the model's month p with unit's values of metrics replaced (restored afterwards)
local function model_with(p, unit, values)
  local old = {}
  for metric, v in pairs(values) do
    local r = ctx.data[p][metric][unit]
    old[metric] = r.value
    r.value = v
  end
  local ok, res = pcall(M.eval, ctx.units, ctx.data, "monthly", p)
  for metric, v in pairs(old) do ctx.data[p][metric][unit].value = v end
  if not ok then error(res, 0) end
  return res
end
-- the value of metric that moves unit's `what` (a function of its model result) to target,
-- by the slope between two evaluations (the leaf is linear there); nil outside the range
local function solve(p, unit, metric, what, target)
  local lo, hi = LINEAR[metric][1], LINEAR[metric][2]
  local v0 = ctx.data[p][metric][unit].value
  local d = v0 + 0.05 < hi and 0.05 or -0.05
  local y0 = what(model_with(p, unit, { [metric] = v0 }).units[unit])
  local y1 = what(model_with(p, unit, { [metric] = v0 + d }).units[unit])
  if y1 == y0 then return nil end
  local v = tonumber(string.format("%.4f", v0 + (target - y0) * d / (y1 - y0)))
  if v <= lo + 1e-3 or v >= hi - 1e-3 then return nil end
  return v
end
-- unit has its own row of metric in month p (not carried), scored on the linear part
local function own_linear(mres, p, unit, metric)
  local r = ((ctx.data[p] or {})[metric] or {})[unit]
  if not r then return false end
  for _, n in ipairs(mres.order) do
    if n.metric == metric then
      local c = mres.units[unit].cells[n.id]
      return c ~= nil and c.status == "ok" and r.value > LINEAR[metric][1] and r.value < LINEAR[metric][2]
    end
  end
  return false
end
-- x lies at least `margin` away from the rounding edges of 2 decimals (pinggu sums in its own order)
local function clear_of_edges(x, margin)
  local f = x * 100 - math.floor(x * 100)
  return math.abs(f - 0.5) > margin * 100
end
-- writes the changed values into the copy's CSV of month p; returns the file's original text
local function plant(p, unit, values)
  local path = copy .. "/" .. p .. ".csv"
  local text = L.slurp(path)
  local out = text
  for metric, v in pairs(values) do
    local n
    out, n = out:gsub("\n" .. L.pattern(unit .. "," .. p .. "," .. metric .. ",") .. "[^,\n]*,",
      "\n" .. unit .. "," .. p .. "," .. metric .. "," .. string.format("%.4f", v) .. ",")
    assert(n == 1, "no row " .. unit .. " " .. p .. " " .. metric .. " in " .. path)
  end
  L.write(path, out)
  return path, text
end
local function eval_copy(p)
  return ctx.eval("monthly", p, { data = copy })
end
local function pair_in(list, a, b)
  for _, x in ipairs(list) do
    if (x.a == a and x.b == b) or (x.a == b and x.b == a) then return true end
  end
  return false
end

-- The first neighbours y, x of a month's model ranking in `groups` (either order) for which
-- try(p, m, y, x) finds values of x that plant the case: returns what try returned.
local function search(groups, try)
  for m = 1, 12 do
    local p = string.format("2021-%02d", m)
    for _, g in ipairs(groups) do
      local list = models[m].groups[g].ranking
      for i = 2, #list do
        for _, yx in ipairs { { list[i - 1], list[i] }, { list[i], list[i - 1] } } do
          local found = try(p, m, yx[1], yx[2])
          if found then return found end
        end
      end
    end
  end
end
-- pinggu on the copy with x's planted values (the CSV restored afterwards), against the model's
-- evaluation of the same values: every total and the ranking
local function eval_planted(found)
  local was = {}
  for metric in pairs(found.values) do was[#was + 1] = string.format("%s %.4f → %.4f", metric,
    ctx.data[found.p][metric][found.x].value, found.values[metric]) end
  table.sort(was)
  io.stdout:write(string.format("planted %s: %s %s ties it with %s at %.2f\n", found.p, found.x,
    table.concat(was, ", "), found.y, found.mres.units[found.y].total))
  local path, text = plant(found.p, found.x, found.values)
  local doc = eval_copy(found.p)
  L.write(path, text)
  C.check_unit_totals(T, found.p .. " planted", doc, found.mres)
  C.check_ranking(T, found.p .. " planted", doc, found.mres)
  return doc, check_ties(found.p .. " planted", doc, found.mres)
end

T:section("a planted tie that the monitoring score separates", function()
  -- x's zero_proof_rate moves x's unrounded total to y's rounded total — the middle of the
  -- rounding interval — while their rounded monitoring scores differ
  local found = search(M.GROUPS, function(p, m, y, x)
    if y.total == x.total or not own_linear(models[m], p, x.id, "zero_proof_rate") then return nil end
    local v = solve(p, x.id, "zero_proof_rate", function(u) return u.raw end, y.total)
    if not v then return nil end
    local mres = model_with(p, x.id, { zero_proof_rate = v })
    local ux, uy = mres.units[x.id], mres.units[y.id]
    if ux.total == uy.total and clear_of_edges(ux.raw, 1e-6) and clear_of_edges(uy.raw, 1e-6)
      and round2(ux.parts.monitoring) ~= round2(uy.parts.monitoring) then
      return { p = p, x = x.id, y = y.id, values = { zero_proof_rate = v }, mres = mres }
    end
  end)
  if not T:ok(found ~= nil, "a month of the fixture has two neighbours of a ranking that one unit's "
      .. "zero_proof_rate can tie, split by the monitoring score") then return end
  local _, separated = eval_planted(found)
  T:ok(pair_in(separated, found.x, found.y), string.format("%s planted: %s and %s tie, split by monitoring",
    found.p, found.x, found.y))
end)

T:section("a planted tie that nothing separates: a shared rank", function()
  -- two neighbouring counties y, x where x's zero_proof_rate and mq_patrol_rate bring its
  -- monitoring and platforms scores to y's (unrounded): the rounded total, the monitoring and
  -- the platforms scores are all equal, nothing breaks the tie, and the two share a rank
  -- (competition: the next unit's rank skips one)
  local found = search({ "county" }, function(p, m, y, x)
    if not (own_linear(models[m], p, x.id, "zero_proof_rate") and own_linear(models[m], p, x.id, "mq_patrol_rate")) then
      return nil
    end
    local uy = models[m].units[y.id]
    local vz = solve(p, x.id, "zero_proof_rate", function(u) return u.parts.monitoring end, uy.parts.monitoring)
    local vp = solve(p, x.id, "mq_patrol_rate", function(u) return u.parts.platforms end, uy.parts.platforms)
    if not (vz and vp) then return nil end
    local values = { zero_proof_rate = vz, mq_patrol_rate = vp }
    local mres = model_with(p, x.id, values)
    local a, b = mres.units[x.id], mres.units[y.id]
    local ok = a.total == b.total and a.rank == b.rank and clear_of_edges(a.raw, 1e-6) and clear_of_edges(b.raw, 1e-6)
    for _, k in ipairs { "monitoring", "platforms" } do
      ok = ok and round2(a.parts[k]) == round2(b.parts[k])
        and clear_of_edges(a.parts[k], 1e-6) and clear_of_edges(b.parts[k], 1e-6)
    end
    -- a run of exactly the two
    local run = 0
    for _, e in ipairs(mres.groups.county.ranking) do if e.total == a.total then run = run + 1 end end
    if ok and run == 2 then return { p = p, x = x.id, y = y.id, values = values, mres = mres } end
  end)
  if not T:ok(found ~= nil, "a month of the fixture has two neighbouring counties that one's "
      .. "zero_proof_rate and mq_patrol_rate can tie in total, monitoring and platforms") then return end
  local doc, _, shared = eval_planted(found)
  local p = found.p
  if T:ok(pair_in(shared, found.x, found.y), string.format("%s planted: %s and %s tie in total, monitoring "
      .. "and platforms", p, found.x, found.y)) then
    local rank = found.mres.units[found.x].rank
    for _, jg in ipairs(doc.groups) do
      for _, r in ipairs(jg.ranking) do
        if r.unit == found.x or r.unit == found.y then
          T:eq(p .. " planted " .. r.unit .. " no tie_breaker (nothing separates the two)", nil, C.num(r.tie_breaker))
        elseif jg.id == "county" and C.num(r.rank) and r.rank > rank then
          T:ok(r.rank >= rank + 2, p .. " planted " .. r.unit .. ": ranks below a shared rank skip one",
            tostring(r.rank))
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
