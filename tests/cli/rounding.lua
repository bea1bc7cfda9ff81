-- tools.rounding — how a rule set rounds and ranks its totals (issue 15 §4), through the real
-- binary on a copy of the demo rule set. Its fed values are set so that 甲局 totals exactly
-- 62.5 and 乙局 62.4 (online: 60 points, linear 0.5–0.95; reviews: 40 points, 5 per review):
--   甲局 online 0.81875 → 42.5, 4 reviews → 20: 62.5
--   乙局 online 0.668   → 22.4, 0 reviews → 40: 62.4
-- With rounding = 0 the three modes give 甲局 63 (half_away), 62 (half_even), 62 (truncate);
-- 乙局 62 in all. Ranked on the rounded totals 甲局 and 乙局 then tie under half_even; ranked on
-- the unrounded ones (rank_on = "unrounded") 甲局 is first. A mode or rank_on the loader does
-- not know is an error at ruleset.lua's line.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = L.args()
local T = L.tester("tools.rounding")
local DEMO = root .. "/tests/cli/fixtures/demo"
local base = L.slurp(DEMO .. "/ruleset.lua")

local data = L.tmpdir()
do
  local csv = L.slurp(DEMO .. "/data/2021-05.csv")
  local n
  csv, n = csv:gsub("\njia,2021%-05,online_rate,[^,\n]*,", "\njia,2021-05,online_rate,0.81875,")
  assert(n == 1, "demo data moved")
  csv, n = csv:gsub("\nyi,2021%-05,online_rate,[^,\n]*,", "\nyi,2021-05,online_rate,0.668,")
  assert(n == 1, "demo data moved")
  L.write(data .. "/2021-05.csv", csv)
end

-- A copy of the demo with `fields` added to its ruleset { }.
local function rules(fields)
  local dir = L.tmpdir()
  local text, n = base:gsub("rounding = %d+,?", ""):gsub("ruleset {", "ruleset { " .. fields, 1)
  assert(n == 1, "the demo's ruleset moved")
  L.write(dir .. "/ruleset.lua", text)
  L.write(dir .. "/units.csv", L.slurp(DEMO .. "/units.csv"))
  return dir
end

local function eval(dir)
  local out, err, code = L.run(table.concat({ L.quote(bin), "eval --rules", L.quote(dir), "--data",
    L.quote(data), "--scheme monthly --period 2021-05 --format json" }, " "))
  if code ~= 0 then return nil, err end
  local j = cjson.decode(out)
  local by = {}
  for _, u in ipairs(j.units) do by[u.unit] = u end
  return by, err
end

T:section("the unrounded totals are what the comment says", function()
  local by, err = eval(rules('rounding = 6, '))
  T:ok(by, "eval", err)
  T:near("甲局", 62.5, by.jia.unrounded_total, 1e-9)
  T:near("乙局", 62.4, by.yi.unrounded_total, 1e-9)
end)

for _, c in ipairs {
  { mode = nil, jia = 63, yi = 62, jia_rank = 1, yi_rank = 2 },
  { mode = "half_away", jia = 63, yi = 62, jia_rank = 1, yi_rank = 2 },
  { mode = "half_even", jia = 62, yi = 62, jia_rank = 1, yi_rank = 1 },
  { mode = "truncate", jia = 62, yi = 62, jia_rank = 1, yi_rank = 1 },
} do
  T:section("rounding_mode " .. tostring(c.mode), function()
    local by, err = eval(rules("rounding = 0, " .. (c.mode and ('rounding_mode = "' .. c.mode .. '", ') or "")))
    T:ok(by, "eval", err)
    T:eq("甲局 total", c.jia, by.jia.total)
    T:eq("乙局 total", c.yi, by.yi.total)
    T:eq("甲局 rank", c.jia_rank, by.jia.rank)
    T:eq("乙局 rank", c.yi_rank, by.yi.rank)
  end)
end

T:section("rank_on = \"unrounded\": equal rounded totals, ranked by the unrounded ones", function()
  local by, err = eval(rules('rounding = 0, rounding_mode = "half_even", rank_on = "unrounded", '))
  T:ok(by, "eval", err)
  T:eq("甲局 total as printed", 62, by.jia.total)
  T:eq("乙局 total as printed", 62, by.yi.total)
  T:eq("甲局 first", 1, by.jia.rank)
  T:eq("乙局 second", 2, by.yi.rank)
end)

T:section("sensitivity refuses rank_on = \"unrounded\" rather than rank draws otherwise", function()
  local dir = rules('rounding = 0, rank_on = "unrounded", ')
  local _, err, code = L.run(table.concat({ L.quote(bin), "sensitivity --rules", L.quote(dir), "--data",
    L.quote(data), "--scheme monthly --period 2021-05 --draws 10" }, " "))
  T:eq("exit", 1, code, err)
  T:contains("says why", err, 'rank_on = "unrounded": sensitivity ranks draws on rounded totals only')
end)

-- The bulletin's own figures follow the mode too (issue 15 §4): with 丙局 left out, 市直单位 is
-- 甲局 62.5 and 乙局 62.4 at rounding = 1, whose mean and median are 62.45: 62.5 half away
-- from zero, 62.4 half to even and truncated. The HTML prints the paragraph the JSON carries.
for _, c in ipairs {
  { mode = "half_away", want = "平均 62.5 分，中位数 62.5 分" },
  { mode = "half_even", want = "平均 62.4 分，中位数 62.4 分" },
  { mode = "truncate", want = "平均 62.4 分，中位数 62.4 分" },
} do
  T:section("the bulletin's 总体情况 under rounding_mode " .. c.mode, function()
    local dir = rules('rounding = 1, rounding_mode = "' .. c.mode .. '", ')
    L.write(dir .. "/units.csv", (L.slurp(DEMO .. "/units.csv"):gsub("\nbing,[^\n]*", "")))
    local two = L.tmpdir()
    L.write(two .. "/2021-05.csv", (L.slurp(data .. "/2021-05.csv"):gsub("\nbing,[^\n]*", "")))
    local out = L.tmpdir()
    for _, f in ipairs { "json", "html" } do
      local _, err, code = L.run(table.concat({ L.quote(bin), "report --rules", L.quote(dir), "--data",
        L.quote(two), "--scheme monthly --period 2021-05 --format", f, "--out", L.quote(out) }, " "))
      T:eq("report --format " .. f .. " exits 0", 0, code, err)
    end
    local j = cjson.decode(L.slurp(out .. "/monthly-2021-05.json") or "{}")
    local summary = j.groups and j.groups[1] and j.groups[1].summary or ""
    T:contains("the mean and median", summary, "市直单位共 2 个单位参加排名，" .. c.want)
    T:contains("the HTML says the same", L.slurp(out .. "/monthly-2021-05.html") or "", summary)
  end)
end

T:section("unknown values are errors at ruleset.lua's line", function()
  for _, f in ipairs { 'rounding_mode = "bankers", ', 'rank_on = "raw", ' } do
    local dir = rules(f)
    local _, err, code = L.run(L.quote(bin) .. " check " .. L.quote(dir))
    T:eq(f .. " exit", 1, code, err)
    T:matches(f .. " located", err, "ruleset%.lua:%d+: error: ruleset: " .. (f:match("^(%w+)")))
  end
end)

T:done()
