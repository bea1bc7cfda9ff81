-- tools.rule_errors — rule code that fails during an evaluation is reported, never mistaken for
-- missing data (issue 15 §1). A `composite` that fails for every unit: exit 1 with the Lua
-- error at file:line and the units it hit, not "no data". Failing for one unit: the ranking is
-- printed, the unit is listed as unranked with the reason, and stderr names the error and the
-- unit; its own breakdown says 排名 —, never 排名 0. A custom method that fails for one unit
-- and a month that fails inside a yearly composite are reported the same way.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"

local bin, root = L.args()
local T = L.tester("tools.rule_errors")
local DEMO = root .. "/tests/cli/fixtures/demo"
local base = L.slurp(DEMO .. "/ruleset.lua")
local units = L.slurp(DEMO .. "/units.csv")

-- A copy of the demo rule set with `edit` applied to ruleset.lua; returns its directory and
-- the line of the marker comment "-- HERE" (where the failing code is).
local function variant(edit)
  local dir = L.tmpdir()
  local text = edit(base)
  L.write(dir .. "/ruleset.lua", text)
  L.write(dir .. "/units.csv", units)
  local line = 0
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do
    line = line + 1
    if l:find("-- HERE", 1, true) then return dir, line end
  end
  error("no -- HERE marker")
end

local function with_composite(body)
  return function(text)
    local s, n = text:gsub('(scheme "monthly" { name = "月度排名", period = "month", max = 100,)',
      "%1\n  composite = function(parts, unit) " .. body .. " end, -- HERE")
    assert(n == 1, "the demo's monthly scheme moved")
    return s
  end
end

local function eval(dir, extra)
  return L.run(table.concat({ L.quote(bin), "eval --rules", L.quote(dir), "--data",
    L.quote(DEMO .. "/data"), "--scheme", extra or "monthly --period 2021-05 --format text" }, " "))
end

T:section("a composite that fails for every unit is an error at file:line, not no data", function()
  local dir, line = variant(with_composite("return parts.nosuch.x"))
  local out, err, code = eval(dir)
  T:eq("exit code", 1, code, err)
  T:eq("no ranking printed", "", out)
  T:contains("the Lua error at its line", err, "ruleset.lua:" .. line .. ": attempt to index a nil value")
  T:contains("the units it hit", err, "4 units: 甲局、乙局、丙局…")
  T:ok(not err:find("no data", 1, true), "not reported as no data", err)
end)

T:section("a composite that fails for one unit: a ranking without it, and a warning", function()
  local dir, line = variant(with_composite(
    'if unit.id == "yi" then return parts.nosuch.x end return parts.service'))
  local out, err, code = eval(dir)
  T:eq("exit code", 0, code, err)
  T:contains("warning with file:line", err,
    "warning: " .. dir .. "/ruleset.lua:" .. line .. ": attempt to index a nil value")
  T:contains("warning names the unit", err, "(scheme 'monthly', period 2021-05: 1 unit: 乙局)")
  T:contains("the others ranked", out, "   2  丙局    35.00")
  T:contains("unranked with the reason", out, "未排名：乙局（规则计算出错）")
  local one = eval(dir, "monthly --period 2021-05 --format text --unit yi")
  T:contains("its breakdown: no rank", one, "总分 —  排名 —（未排名：规则计算出错）")
  T:ok(not one:find("排名 0", 1, true), "never 排名 0", one)
  T:contains("its note: the error", one, "说明：" .. dir .. "/ruleset.lua:" .. line)
end)

T:section("a custom method that fails for one unit is reported", function()
  local dir, line = variant(function(text)
    local s, n = text:gsub('method = deduct { per = 5 },',
      'method = function(v, group, unit) if unit.id == "bing" then error("bad value") end return 1 end, -- HERE', 1)
    assert(n == 1, "the demo's reviews indicator moved")
    return s
  end)
  local out, err, code = eval(dir)
  T:eq("exit code", 0, code, err)
  T:contains("warning with file:line", err, "ruleset.lua:" .. line .. ": bad value")
  T:contains("warning names the unit", err, "1 unit: 丙局)")
  T:contains("the row says it", out, "1项计算出错")
end)

T:section("a month that fails inside a yearly composite fails the year", function()
  local dir, line = variant(function(text)
    return with_composite("return parts.nosuch.x")(text) .. '\nscheme "annual" { name = "年度", period = "year", max = 100,\n'
      .. '  parts = { { id = "m", scheme = "monthly", months = { 5, 5 } } } }\n'
  end)
  local out, err, code = eval(dir, "annual --period 2021 --format text")
  T:eq("exit code", 1, code, err)
  T:eq("no ranking printed", "", out)
  T:contains("the month's error at its line", err, "ruleset.lua:" .. line .. ": attempt to index a nil value")
  T:ok(not err:find("no data", 1, true), "not reported as no data", err)
end)

T:done()
