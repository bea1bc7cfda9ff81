-- tools.sensitivity — `pinggu sensitivity` as a user runs it, on the reference rule set and its
-- sample data: the JSON agrees with `pinggu eval` on every unit's nominal rank, total and band;
-- the same seed gives the same output whatever --threads; another seed other draws; every
-- interval is ordered (best ≤ p05 ≤ median ≤ p95 ≤ worst) within the group's size; a spread of
-- 0.001 % moves no rank; the one-at-a-time effects name weights of the scheme; the year-end
-- scheme (bonus/penalty, veto) runs; the annual composite and bad arguments are refused with
-- what to do.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = L.args()
local T = L.tester("tools.sensitivity")
local RULES = root .. "/rules/shanwei-2021"
local DATA = RULES .. "/sample"

local function sens(scheme, period, extra)
  return L.run(table.concat({ L.quote(bin), "sensitivity", "--rules", L.quote(RULES), "--data",
    L.quote(DATA), "--scheme", scheme, "--period", period, extra or "" }, " "))
end

local function json(scheme, period, extra)
  local out, err, code = sens(scheme, period, "--format json " .. (extra or ""))
  if code ~= 0 then error("pinggu sensitivity failed (" .. code .. "): " .. err, 2) end
  return cjson.decode(out), out
end

T:section("agrees with eval; intervals ordered", function()
  local doc = json("monthly", "2021-06", "--draws 400 --spread 25 --seed 7")
  local ev = L.eval_json(bin, { rules = RULES, data = DATA, scheme = "monthly", period = "2021-06" })
  local evu, size = {}, {}
  for _, u in ipairs(ev.units) do
    evu[u.unit] = u
    if not L.isnull(u.rank) then size[u.group] = (size[u.group] or 0) + 1 end
  end
  T:eq("draws", 400, doc.draws)
  T:near("spread", 0.25, doc.spread, 1e-12)
  T:eq("seed", "7", doc.seed)
  T:eq("effects method", "one_at_a_time", doc.effects)
  local wid = {}
  for _, w in ipairs(doc.weights) do wid[w.id] = true end
  T:ok(wid.monitoring and wid.platforms, "the two parts are weights")
  T:ok(wid.mon_guide, "a leaf is a weight")
  local moved = 0
  for _, u in ipairs(doc.units) do
    local e = evu[u.id]
    T:eq(u.id .. " rank as eval", L.isnull(e.rank) and nil or e.rank, u.rank)
    if not L.isnull(u.rank) then
      T:near(u.id .. " total as eval", e.total, u.total, 1e-9)
      T:eq(u.id .. " band as eval", e.band, u.band)
      T:eq(u.id .. " draws ranked", 400, u.draws_ranked)
      local ok = 1 <= u.rank_best and u.rank_best <= u.rank_p05 and u.rank_p05 <= u.median_rank
        and u.median_rank <= u.rank_p95 and u.rank_p95 <= u.rank_worst and u.rank_worst <= size[u.group]
      T:ok(ok, u.id .. " interval ordered",
        string.format("%d %d %g %d %d of %d", u.rank_best, u.rank_p05, u.median_rank, u.rank_p95,
          u.rank_worst, size[u.group]))
      T:ok(u.band_keep >= 0 and u.band_keep <= 1, u.id .. " band_keep a share")
      for _, m in ipairs(u.moved_by) do
        T:ok(wid[m.weight], u.id .. " moved by a weight of the scheme: " .. m.weight)
        T:ok(m.rank_minus ~= u.rank or m.rank_plus ~= u.rank, u.id .. " moved by " .. m.weight .. " moves it")
      end
      if u.rank_p05 ~= u.rank_p95 then moved = moved + 1 end
    end
  end
  T:ok(moved > 0, "±25 % moves some of the sample's close ranks")
end)

T:section("deterministic for a seed", function()
  local _, a = json("monthly", "2021-06", "--draws 300 --seed 11 --threads 1")
  local _, b = json("monthly", "2021-06", "--draws 300 --seed 11 --threads 2")
  local _, c = json("monthly", "2021-06", "--draws 300 --seed 12 --threads 2")
  T:eq("same seed, 1 and 2 threads", a, b)
  T:ok(a:gsub('"seed":%s*"%d+"', "") ~= c:gsub('"seed":%s*"%d+"', ""), "another seed draws otherwise")
end)

T:section("a tiny spread moves nothing", function()
  local doc = json("monthly", "2021-06", "--draws 50 --spread 0.001")
  for _, u in ipairs(doc.units) do
    if not L.isnull(u.rank) then
      T:eq(u.id .. " p05", u.rank, u.rank_p05)
      T:eq(u.id .. " p95", u.rank, u.rank_p95)
    end
  end
end)

T:section("year end and text", function()
  local doc = json("year_end", "2021", "--draws 200")
  T:ok(#doc.units > 0, "year_end units")
  local out, err, code = sens("monthly", "2021-06", "--draws 100")
  T:eq("text: exit", 0, code, err)
  T:contains("text: title", out, "权重敏感性分析（100 次抽样")
  T:contains("text: columns", out, "5%–95%")
end)

T:section("refusals", function()
  local _, err, code = sens("annual", "2021", "--draws 10")
  T:eq("annual: exit", 1, code)
  T:contains("annual: what to do", err, "run it on the schemes it combines")
  _, err, code = sens("monthly", "2021-06", "--draws 0")
  T:eq("draws 0: exit", 2, code)
  T:contains("draws 0: message", err, "--draws 0")
  _, err, code = sens("monthly", "2021-06", "--spread 100")
  T:eq("spread 100: exit", 2, code)
  T:contains("spread 100: message", err, "--spread 100")
  _, err, code = sens("monthly", "2021-06", "--seed -1")
  T:eq("seed -1: exit", 2, code)
  _, err, code = sens("monthly", "2021-06", "--format csv")
  T:eq("format csv: exit", 2, code)
end)

T:done()
