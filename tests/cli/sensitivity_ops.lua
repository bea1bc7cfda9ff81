-- tools.sensitivity_ops — `pinggu sensitivity` on rules/examples/composite-index, whose index is
-- the weighted geometric mean of three dimensions (weights 2, 1, 1) and whose screen scheme takes
-- a min: the dimensions' weights are drawn (basis "weight"), the one-at-a-time ranks of each
-- dimension's weight at ±60 % agree with ranks computed here from eval's dimension points
-- (100 × Π sᵢ^(wᵢ/W) over the dimensions that apply), the run is deterministic for a seed, and a
-- min scheme says it has no weights.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = L.args()
local T = L.tester("tools.sensitivity_ops")
local CI = root .. "/rules/examples/composite-index"

local function sens(scheme, extra)
  return L.run(table.concat({ L.quote(bin), "sensitivity", "--rules", L.quote(CI), "--data",
    L.quote(CI .. "/data"), "--scheme", scheme, "--period 2024", extra or "" }, " "))
end

T:section("geomean: weights drawn, one-at-a-time ranks recomputed here", function()
  local out, err, code = sens("index", "--format json --draws 300 --spread 60 --seed 3")
  T:eq("exit code", 0, code, err)
  local doc = cjson.decode(out)
  local w = {}
  for _, x in ipairs(doc.weights) do w[x.id] = x end
  T:eq("access is a weight", "weight", w.access and w.access.basis)
  T:near("access nominal", 2, w.access.nominal, 1e-12)
  T:near("access lo", 0.8, w.access.lo, 1e-12)
  T:near("access hi", 3.2, w.access.hi, 1e-12)
  T:eq("not declared", false, w.access.declared)
  T:eq("online_share is a weight under the mean", "weight", w.online_share and w.online_share.basis)
  T:eq("no unweighted node", 0, #doc.unweighted)

  local ev = L.eval_json(bin, { rules = CI, data = CI .. "/data", scheme = "index", period = "2024" })
  local dims, nominal = { "access", "quality", "capacity" }, { access = 2, quality = 1, capacity = 1 }
  local pts, ranked = {}, {}
  for _, u in ipairs(ev.units) do
    pts[u.unit] = {}
    for _, c in ipairs(u.indicators) do pts[u.unit][c.id] = c.points end
    if not L.isnull(u.rank) then ranked[#ranked + 1] = u.unit end
  end
  local function ranks(weights)
    local tot = {}
    for _, id in ipairs(ranked) do
      local acc, W, zero = 0, 0, false
      for _, d in ipairs(dims) do
        local p = pts[id][d]
        if not L.isnull(p) then
          W = W + weights[d]
          if p <= 0 then zero = true else acc = acc + weights[d] * math.log(p / 100) end
        end
      end
      tot[id] = L.round(zero and 0 or 100 * math.exp(acc / W), 1)
    end
    local r = {}
    for _, a in ipairs(ranked) do
      r[a] = 1
      for _, b in ipairs(ranked) do if tot[b] > tot[a] then r[a] = r[a] + 1 end end
    end
    return r
  end
  local at = {}
  for _, d in ipairs(dims) do
    at[d] = {}
    for side, f in pairs { minus = 0.4, plus = 1.6 } do
      local ws = {}
      for k, v in pairs(nominal) do ws[k] = v end
      ws[d] = nominal[d] * f
      at[d][side] = ranks(ws)
    end
  end
  local checked = 0
  for _, u in ipairs(doc.units) do
    if not L.isnull(u.rank) then
      for _, m in ipairs(u.moved_by) do
        if at[m.weight] then
          T:eq(u.id .. " " .. m.weight .. " −60 %", at[m.weight].minus[u.id], m.rank_minus)
          T:eq(u.id .. " " .. m.weight .. " +60 %", at[m.weight].plus[u.id], m.rank_plus)
          checked = checked + 1
        end
      end
    end
  end
  T:ok(checked > 0, "some one-at-a-time effect of a dimension's weight was checked")
  local again = sens("index", "--format json --draws 300 --spread 60 --seed 3 --threads 1")
  T:eq("the same seed, one thread: the same JSON", out, again)
  local text = sens("index", "--draws 300 --seed 3")
  T:contains("text: weights under averages", text, "平均合成（mean/geomean/harmonic）下级指标的权重")
end)

T:section("min: no weights, said so", function()
  local out, err, code = sens("screen", "--format json --draws 50")
  T:eq("exit code", 0, code, err)
  local doc = cjson.decode(out)
  T:eq("no weights", 0, #doc.weights)
  T:eq("the min node listed", "resilience", doc.unweighted[1] and doc.unweighted[1].id)
  local text = sens("screen", "--draws 50")
  T:contains("text says why", text, "取最小值（min）的指标没有权重，其下级指标不参与抽样：系统韧性筛查")
end)

T:section("a scheme part's declared weight_range", function()
  local SW = root .. "/rules/shanwei-2021"
  local dir = L.tmpdir()
  os.execute("cp -r " .. L.quote(SW) .. " " .. L.quote(dir .. "/rules"))
  local path = dir .. "/rules/schemes.lua"
  local text = L.slurp(path)
  local function with(range)
    local t, n = text:gsub('{ id = "monitoring", weight = 0.8 }',
      '{ id = "monitoring", weight = 0.8, weight_range = ' .. range .. ' }', 1)
    T:eq("the test declared the range " .. range, 1, n)
    L.write(path, t)
  end
  local function run(fmt)
    return L.run(table.concat({ L.quote(bin), "sensitivity", "--rules", L.quote(dir .. "/rules"),
      "--data", L.quote(SW .. "/sample"), "--scheme monthly --period 2021-05 --draws 200 --seed 5", fmt }, " "))
  end
  with("{ 0.7, 0.9 }")
  local out, err, code = run("--format json")
  T:eq("exit code", 0, code, err)
  local doc = cjson.decode(out)
  local w = {}
  for _, x in ipairs(doc.weights) do w[x.id] = x end
  T:eq("monitoring is a part weight", "part_weight", w.monitoring and w.monitoring.basis)
  T:eq("… declared", true, w.monitoring and w.monitoring.declared)
  T:near("… lo", 0.7, w.monitoring and w.monitoring.lo, 1e-12)
  T:near("… hi", 0.9, w.monitoring and w.monitoring.hi, 1e-12)
  T:eq("platforms keeps ±spread", false, w.platforms and w.platforms.declared)
  T:contains("the text names the declared interval", run(""), "weight_range")
  with("{ 0.85, 0.9 }")
  local _, err2, code2 = run("--format json")
  T:ok(code2 ~= 0, "a range without the part's weight is refused", err2)
  T:contains("… at the scheme's file", err2, "schemes.lua:")
  T:contains("… saying why", err2, "must hold its weight 0.8")
end)

T:done()
