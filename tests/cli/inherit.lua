-- tools.inherit — one year built on another (issue 17 §3), through the real binary:
--   * `pinggu check rules/shanwei-2022` says what 2022 inherits from 2021, overrides, adds and
--     retires, each where it is written;
--   * `pinggu doc` shows the merged set (the override's points, the addition, no retired one);
--   * `pinggu test rules/shanwei-2022` runs 2021's tests under 2022 (periods from the set,
--     expectations as shares of points), says which were replaced or left out, and passes;
--   * the revision of 2022 covers 2021's files: a 2021 edit is a new 2022 revision;
--   * `pinggu diff` compares 2021 and 2022 on 2021's data, saying how (text and JSON).
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = L.args()
local T = L.tester("tools.inherit")
local R21, R22 = root .. "/rules/shanwei-2021", root .. "/rules/shanwei-2022"

T:section("check lists the lineage", function()
  local out, err, code = L.run(L.quote(bin) .. " check " .. L.quote(R22))
  T:eq("2022 checks clean", 0, code, err)
  T:contains("names its parent", out, R22 .. " extends " .. R21 .. ":")
  T:matches("counts what it inherits", out, "inherited: 84 indicators, 5%d metrics")
  T:contains("… the settings it does not write", out, "settings bands, budget, carry_limit")
  T:contains("… and units.csv", out, "units.csv from " .. R21)
  T:matches("the override, where it is and what it replaces", out,
    "overridden: indicator mon_zero_proof at [^\n]*shanwei%-2022/changes%.lua:%d+ %(replaces [^\n]*shanwei%-2021/monitoring%.lua:%d+%)")
  T:matches("the scheme redeclared", out, "overridden: scheme monthly at [^\n]*shanwei%-2022/schemes%.lua")
  T:matches("the addition", out, "added: indicator b_open_data at [^\n]*shanwei%-2022/additions%.lua:%d+")
  T:matches("the retirement, by the retire line", out,
    "retired: indicator mon_report %([^\n]*shanwei%-2021/monitoring%.lua:%d+%) by [^\n]*shanwei%-2022/changes%.lua:%d+")
  T:contains("the calendar is its own", out, "calendar: its own")
  local out21 = L.run(L.quote(bin) .. " check " .. L.quote(R21))
  T:ok(not out21:find("extends", 1, true), "2021 extends nothing and says nothing of it")
end)

T:section("doc shows the merged set", function()
  local out, err, code = L.run(L.quote(bin) .. " doc " .. L.quote(R22))
  T:eq("doc runs", 0, code, err)
  T:contains("the override's points", out, "[证明事项免提交比例](#ind-mon_zero_proof) 10 分")
  T:contains("the addition", out, "[公共数据开放](#ind-b_open_data) 1 分")
  T:ok(not out:find("ind-mon_report", 1, true), "no retired indicator")
end)

T:section("2021's tests run under 2022", function()
  local out, err, code = L.run(L.quote(bin) .. " test --verbose " .. L.quote(R22))
  T:eq("they pass", 0, code, out .. err)
  T:matches("2021's own tests ran, named in 2021's files", out,
    "ok    [^\n]*shanwei%-2021/tests/monitoring%.lua:%d+: 服务渠道与办事指南")
  T:matches("… a test of a period from the set (YYYY-05)", out,
    "ok    [^\n]*shanwei%-2021/tests/monitoring%.lua:%d+: 网上办理成熟度：linear")
  T:matches("… and of the year (authenticity, period = \"year\")", out,
    "ok    [^\n]*shanwei%-2021/tests/authenticity%.lua:%d+:")
  T:matches("a test replaced by 2022's of the same name, said", out,
    "skip  [^\n]*shanwei%-2021/tests/bonus%.lua:%d+: test '年度综合评分[^\n]*' is replaced by [^\n]*shanwei%-2022/tests/changes%.lua:%d+")
  T:matches("an expectation about the retired indicator left out, said", out,
    "skip  [^\n]*shanwei%-2021/tests/monitoring%.lua:%d+: expect%.points names 'mon_report', which [^\n]* retires")
  T:matches("the summary counts the replaced", out, "%d+ passed, 0 failed, 2 replaced by the set's own")
  local out21, err21, code21 = L.run(L.quote(bin) .. " test " .. L.quote(R21))
  T:eq("2021's tests pass under 2021 too", 0, code21, out21 .. err21)
end)

-- A copy of both years, to edit the parent.
local ws = L.tmpdir()
os.execute("cp -a " .. L.quote(R21) .. " " .. L.quote(R22) .. " " .. L.quote(ws))
local w21, w22 = ws .. "/shanwei-2021", ws .. "/shanwei-2022"

local function revision(dir)
  local out = L.run(L.quote(bin) .. " check " .. L.quote(dir))
  return out:match("revision (%x+)")
end

T:section("the revision covers the parent's files", function()
  local before = revision(w22)
  T:ok(before, "2022 has a revision", before)
  local file = w21 .. "/platforms.lua"
  L.write(file, L.slurp(file) .. "\n-- 2021 年规则集的一处注释修改\n")
  local after = revision(w22)
  T:ok(after and after ~= before, "a 2021 edit is a new 2022 revision", tostring(before) .. " → " .. tostring(after))
end)

T:section("a test with another year's period says how to write it", function()
  local t = w22 .. "/tests/fixed.lua"
  L.write(t, [[
test "写死了年度的周期" {
  scheme = "monthly", period = "2021-05",
  values = { fagai = { mon_guide = { 1, n = 20 } } },
  expect.points("fagai", "mon_guide", 7),
}
]])
  local out, _, code = L.run(L.quote(bin) .. " test " .. L.quote(w22) .. " " .. L.quote(t))
  T:eq("it fails", 1, code)
  T:contains("… at its line, saying how to write it", out,
    "fixed.lua:1: FAIL 写死了年度的周期: test '写死了年度的周期': period 2021-05 is not of the rule set's year 2022")
  os.remove(t)
end)

T:section("diff across years: 2021 and 2022 on 2021's data", function()
  local data = ws .. "/data"
  os.execute("mkdir -p " .. L.quote(data) .. " && cp " .. L.quote(R21 .. "/sample/2021-04.csv") .. " " ..
    L.quote(R21 .. "/sample/2021-05.csv") .. " " .. L.quote(data))
  local cmd = table.concat({ L.quote(bin), "diff --rules", L.quote(R21), "--against", L.quote(R22),
    "--data", L.quote(data), "--scheme monthly --period 2021-05" }, " ")
  local out, err, code = L.run(cmd)
  T:eq("2022's rules compare on 2021's data (no longer 'outside it')", 0, code, err)
  T:contains("the text says how the years were matched", out,
    "跨年度对比：B 为 2022 年规则集，视同其规定 2021 年，按其规则评估 2021-05 的数据")
  local js, err2, code2 = L.run(cmd .. " --format json")
  T:eq("json too", 0, code2, err2)
  local doc = cjson.decode(js)
  T:eq("years.mode", "as_if_governing", doc.years and doc.years.mode)
  T:eq("… A's year", 2021, doc.years and doc.years.a)
  T:eq("… B's year, as written", 2022, doc.years and doc.years.b)
  T:contains("… in words", doc.years and doc.years.text, "evaluated as if they governed 2021")
  -- every unit's B total is 70/30 of its parts under 2022 (the parts themselves move too:
  -- mon_report retired, mon_zero_proof 10 points)
  local retired, zero_proof = 0, 0
  for _, g in ipairs(doc.groups) do
    for _, u in ipairs(g.units) do
      for _, c in ipairs(u.causes or {}) do
        if c.indicator == "mon_report" or c.id == "mon_report" then
          if c.b == 0 and c.a > 0 then retired = retired + 1 end
        end
        if (c.indicator or c.id) == "mon_zero_proof" and c.b > c.a then zero_proof = zero_proof + 1 end
      end
    end
  end
  T:ok(retired > 0, "the retired mon_report contributes nothing under B", retired)
  T:ok(zero_proof > 0, "mon_zero_proof weighs more under B", zero_proof)
  local same, _, code3 = L.run(table.concat({ L.quote(bin), "diff --rules", L.quote(R21), "--against",
    L.quote(R21), "--data", L.quote(data), "--scheme monthly --period 2021-05 --format json" }, " "))
  T:eq("a diff within one year", 0, code3)
  T:eq("… says nothing of years", nil, cjson.decode(same).years)
  local _, err4, code4 = L.run(table.concat({ L.quote(bin), "diff --rules", L.quote(R22), "--against",
    L.quote(R22), "--data", L.quote(data), "--scheme monthly --period 2021-05" }, " "))
  T:eq("neither set governs the period's year: refused", 1, code4)
  T:contains("… saying so", err4, "neither rule set governs that year")
end)

L.cleanup()
print(string.format("%s: %d checks, %d failed", T.name, T.checks, T.failures))
os.exit(T.failures == 0 and 0 or 1)
