-- tools.analyze — `pinggu analyze`: every figure of the JSON recomputed here, independently of
-- core/score/analyze.c, from what `pinggu eval --format json` prints for the same periods
-- (each unit's indicators: points, max, weight into the part, status; the unrounded total; the
-- scheme's part weights). The reference rule set with its sample data, the monthly scheme over
-- the year 2021 (every month pooled) and the year-end scheme for 2021 (bonus/penalty, veto).
-- The definitions recomputed are docs/tools.md's ("pinggu analyze"). Also: the text output,
-- a scheme of schemes refused, bad arguments.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = L.args()
local T = L.tester("tools.analyze")
local RULES = root .. "/rules/shanwei-2021"
local DATA = RULES .. "/sample"
local null = cjson.null

local function analyze(scheme, period, format)
  return L.run(table.concat({ L.quote(bin), "analyze", "--rules", L.quote(RULES), "--data",
    L.quote(DATA), "--scheme", scheme, "--period", period, format and ("--format " .. format) or "" }, " "))
end

local function num(v) if v == nil or v == null then return nil end return v end

-- Pearson's r over the pairs 1..n where both are numbers (the arrays have holes: # would not
-- do); nil with fewer than 2 or a constant side.
local function pearson(xs, ys, n)
  local sx, sy, k = 0, 0, 0
  for i = 1, n do
    if xs[i] and ys[i] then sx, sy, k = sx + xs[i], sy + ys[i], k + 1 end
  end
  if k < 2 then return nil end
  local mx, my, sxy, sxx, syy = sx / k, sy / k, 0, 0, 0
  for i = 1, n do
    if xs[i] and ys[i] then
      local a, b = xs[i] - mx, ys[i] - my
      sxy, sxx, syy = sxy + a * b, sxx + a * a, syy + b * b
    end
  end
  -- points in eval's JSON carry 4 decimals: a side that varies less than that is constant here
  if sxx <= 1e-6 or syy <= 1e-6 then return nil end
  return sxy / math.sqrt(sxx * syy)
end

-- The independent computation: per group, per indicator, from the eval documents.
local function expected(docs)
  local scheme = docs[1].scheme
  local pw, pid = {}, {}
  for k, p in ipairs(scheme.parts) do pw[p.id] = p.weight; pid[k] = p.id end
  local groups = {}
  for _, doc in ipairs(docs) do
    for _, u in ipairs(doc.units) do
      if not L.isnull(u.rank) then
        local g = groups[u.group] or { obs = {}, order = {} }
        groups[u.group] = g
        local ind = {}
        for _, x in ipairs(u.indicators) do ind[x.id] = x end
        g.obs[#g.obs + 1] = { unit = u, ind = ind, total = u.unrounded_total }
        if #g.order == 0 then for _, x in ipairs(u.indicators) do g.order[#g.order + 1] = x end end
      end
    end
  end
  local out = {}
  for gid, g in pairs(groups) do
    local res = { obs = #g.obs, ind = {} }
    out[gid] = res
    -- part factor per observation: weight × (all / present) over the weighted parts
    local function part_factor(o, part)
      local all, present = 0, 0
      local adjust_part = false
      for _, id in ipairs(pid) do
        local root = o.ind[id]
        if root and not L.isnull(root.max) then
          if root.status == "ok" and root.max == 0 and id == part then adjust_part = true end
          if root.max ~= 0 then
            all = all + pw[id] * root.max
            if not L.isnull(o.unit.parts[id]) then present = present + pw[id] * root.max end
          end
        end
      end
      if adjust_part or o.ind[part].max == 0 then return pw[part] end
      return present > 0 and pw[part] * all / present or 0
    end
    local mt, vt = 0, 0
    for _, o in ipairs(g.obs) do mt = mt + o.total end
    mt = mt / #g.obs
    for _, o in ipairs(g.obs) do vt = vt + (o.total - mt) ^ 2 end
    -- the scheme's weighted maximum for the group
    local wmax = 0
    for _, id in ipairs(pid) do
      local root = g.obs[1].ind[id]
      if root and root.max ~= 0 then wmax = wmax + pw[id] * root.max end
    end
    for _, x0 in ipairs(g.order) do
      local id = x0.id
      local xs, ps, ts, applies, data = {}, {}, {}, 0, 0
      for i, o in ipairs(g.obs) do
        local x = o.ind[id]
        if x and x.status ~= "off" then
          applies = applies + 1
          if x.leaf then
            if x.status == "ok" or x.status == "carried" then data = data + 1 end
          elseif not L.isnull(x.points) then data = data + 1 end
          xs[i] = num(x.points)
          ps[i] = x.parent ~= null and num(o.ind[x.parent].points) or nil
        end
        ts[i] = o.total
      end
      local e = { applies = applies, coverage = applies > 0 and data / applies or nil, max = x0.max }
      local n, sum, full, zero = 0, 0, 0, 0
      for i = 1, #g.obs do
        local v = xs[i]
        if v then
          n, sum = n + 1, sum + v
          if x0.max ~= 0 and math.abs(v) >= math.abs(x0.max) - 1e-9 then full = full + 1 end
          if math.abs(v) <= 1e-9 then zero = zero + 1 end
        end
      end
      e.n = n
      if n > 0 then
        e.mean = sum / n
        local m2, m3 = 0, 0
        for i = 1, #g.obs do
          if xs[i] then local d = xs[i] - e.mean; m2, m3 = m2 + d * d, m3 + d ^ 3 end
        end
        m2, m3 = m2 / n, m3 / n
        e.sd = math.sqrt(m2)
        e.skew = m2 > 1e-6 and m3 / m2 ^ 1.5 or nil
        e.at_full, e.at_zero = full / n, zero / n
      end
      if x0.parent ~= null then e.r_parent = pearson(xs, ps, #g.obs) end
      e.r_total = pearson(xs, ts, #g.obs)
      local in_adjust = x0.part and g.obs[1].ind[x0.part].max == 0
      if not in_adjust and wmax > 0 then e.nominal = x0.max * pw[x0.part] / wmax end
      if vt > 0 then
        local cs, mc = {}, 0
        for i, o in ipairs(g.obs) do
          local x = o.ind[id]
          cs[i] = (x and not L.isnull(x.points)) and x.points * x.weight * part_factor(o, x0.part) or 0
          mc = mc + cs[i]
        end
        mc = mc / #g.obs
        local cv = 0
        for i, o in ipairs(g.obs) do cv = cv + (cs[i] - mc) * (o.total - mt) end
        e.effective = cv / vt
      end
      res.ind[id] = e
    end
  end
  return out
end

local function check(scheme, period, periods)
  local out, err, code = analyze(scheme, period, "json")
  if not T:eq(scheme .. " " .. period .. ": exit", 0, code, err) then return end
  local doc = cjson.decode(out)
  T:eq(scheme .. ": periods", #periods, #doc.periods)
  local docs = {}
  for i, p in ipairs(doc.periods) do
    T:eq(scheme .. ": period " .. i, periods[i], p)
    docs[#docs + 1] = L.eval_json(bin, { rules = RULES, data = DATA, scheme = scheme, period = p })
  end
  local want = expected(docs)
  local checked, effsum = 0, {}
  for _, g in ipairs(doc.groups) do
    local w = want[g.id]
    T:eq(g.id .. ": observations", w and w.obs or 0, g.observations)
    effsum[g.id] = 0
    for _, a in ipairs(g.indicators) do
      local e = w.ind[a.id]
      local what = scheme .. " " .. g.id .. " " .. a.id
      if T:ok(e ~= nil, what .. " is an indicator eval shows") then
        checked = checked + 1
        T:eq(what .. " applies", e.applies, a.applies)
        T:near(what .. " coverage", e.coverage, num(a.coverage), 1e-6)
        T:near(what .. " missing", e.coverage and 1 - e.coverage, num(a.missing), 1e-6)
        T:eq(what .. " n", e.n, a.n)
        T:near(what .. " mean", e.mean, num(a.mean), 1e-3)
        T:near(what .. " sd", e.sd, num(a.sd), 1e-3)
        if e.sd and e.sd > 0.5 then T:near(what .. " skew", e.skew, num(a.skew), 2e-2) end
        T:near(what .. " at_full", e.at_full, num(a.at_full), 1e-6)
        T:near(what .. " at_zero", e.at_zero, num(a.at_zero), 1e-6)
        if e.sd and e.sd > 0.5 then
          T:near(what .. " r_parent", e.r_parent, num(a.r_parent), 2e-3)
          T:near(what .. " r_total", e.r_total, num(a.r_total), 2e-3)
        end
        T:near(what .. " nominal_weight", e.nominal, num(a.nominal_weight), 1e-6)
        T:near(what .. " effective_weight", e.effective, num(a.effective_weight), 2e-3)
        if a.leaf and num(a.effective_weight) then effsum[g.id] = effsum[g.id] + a.effective_weight end
      end
    end
  end
  T:ok(checked > 20, scheme .. ": indicators checked", tostring(checked))
  return doc, effsum
end

T:section("monthly over the year 2021: every month pooled, every figure recomputed", function()
  local periods = {}
  for m = 1, 12 do periods[m] = string.format("2021-%02d", m) end
  local doc, effsum = check("monthly", "2021", periods)
  if not doc then return end
  -- no veto nor clamp in the monthly scheme: the leaves' effective weights add up to 1
  for g, s in pairs(effsum) do T:near("monthly " .. g .. ": Σ leaves' effective weights", 1, s, 1e-6) end
  -- a pair above 0.9 is reported in both directions' order once, with r > 0.9
  for _, g in ipairs(doc.groups) do
    for _, p in ipairs(g.correlated_pairs) do
      T:ok(p.r > 0.9 and p.a ~= p.b, "monthly " .. g.id .. " pair " .. p.a .. " ~ " .. p.b)
    end
  end
end)

T:section("one month, and the year-end scheme (bonus/penalty items have no nominal weight)", function()
  check("monthly", "2021-06", { "2021-06" })
  local doc = check("year_end", "2021", { "2021" })
  if not doc then return end
  for _, g in ipairs(doc.groups) do
    for _, a in ipairs(g.indicators) do
      if a.id == "bonus" then T:ok(L.isnull(a.nominal_weight), "year_end bonus: no nominal weight") end
    end
  end
end)

T:section("text output", function()
  local out, err, code = analyze("monthly", "2021-06")
  T:eq("text: exit", 0, code, err)
  T:contains("text: title", out, "指标分析（2021-06）")
  T:contains("text: header", out, "有效权重")
  T:contains("text: an indicator", out, "mon_guide")
end)

T:section("refusals", function()
  local _, err, code = analyze("annual", "2021", "json")
  T:eq("annual: exit", 1, code)
  T:contains("annual: why", err, "combines other schemes")
  _, err, code = analyze("monthly", "2021-13")
  T:eq("bad period: exit", 2, code)
  _, err, code = analyze("monthly", "2021-06", "csv")
  T:eq("bad format: exit", 2, code)
  T:contains("bad format: message", err, "--format csv")
  _, err, code = analyze("nosuch", "2021-06")
  T:eq("unknown scheme: exit", 1, code)
  T:contains("unknown scheme: message", err, "--scheme nosuch")
end)

T:done()
