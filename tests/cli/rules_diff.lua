-- tools.rules_diff — `pinggu rules diff A B`: the semantic diff of two rule sets, as text and
-- as JSON: the demo set against its re-weighted copy (demo-b), against an edit made here (a
-- threshold, a policy, an added and a retired indicator), an unchanged set, a set that does
-- not load (file:line, exit 1) and a malformed command line (exit 2).
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = L.args()
local T = L.tester("tools.rules_diff")
local DEMO = root .. "/tests/cli/fixtures/demo"
local DEMO_B = root .. "/tests/cli/fixtures/demo-b"

local function rules_diff(a, b, format)
  return L.run(table.concat({ L.quote(bin), "rules diff", L.quote(a), L.quote(b),
    format and ("--format " .. format) or "" }, " "))
end

-- A copy of the demo set with `edits` ({from, to} pairs, plain text) applied to ruleset.lua.
local function edited(edits)
  local dir = L.tmpdir()
  local text = L.slurp(DEMO .. "/ruleset.lua")
  for _, e in ipairs(edits) do
    local s, n = text:gsub(L.pattern(e[1]), (e[2]:gsub("%%", "%%%%")), 1)
    assert(n == 1, "the edit does not apply: " .. e[1])
    text = s
  end
  L.write(dir .. "/ruleset.lua", text)
  L.write(dir .. "/units.csv", L.slurp(DEMO .. "/units.csv"))
  return dir
end

T:section("demo → demo-b: two points changes, as text", function()
  local out, err, code = rules_diff(DEMO, DEMO_B)
  T:eq("exit code", 0, code, err)
  T:matches("the header names both sets and the count", out, "demo %(2021, revision %x+%) → .-demo%-b %(2021, revision %x+%): 2 changes")
  T:contains("online's points", out, "points             online [dept]: points 60 → 40")
  T:contains("reviews' points", out, "points             reviews [dept]: points 40 → 60")
end)

T:section("demo → demo-b as JSON", function()
  local out, err, code = rules_diff(DEMO, DEMO_B, "json")
  T:eq("exit code", 0, code, err)
  local ok, doc = pcall(cjson.decode, out)
  T:ok(ok, "the output is JSON", out)
  if not ok then return end
  T:eq("from year", 2021, doc.from.year)
  T:eq("to directory", DEMO_B, doc.to.directory)
  T:eq("a revision", 64, #doc.from.revision)
  T:eq("two changes", 2, #doc.changes)
  local c = doc.changes[1]
  T:eq("kind", "points", c.kind)
  T:eq("id", "online", c.id)
  T:eq("part: the group", "dept", c.part)
  T:eq("before", "60", c.before)
  T:eq("after", "40", c.after)
  T:eq("text", "online [dept]: points 60 → 40", c.text)
end)

T:section("a threshold, a policy, an added and a retired indicator", function()
  local dir = edited({
    { "method = linear { lo = 0.5, hi = 0.95 }", "method = linear { lo = 0.5, hi = 0.9 }" },
    { 'missing = "not_applicable"', 'missing = "zero"' },
    { 'indicator "reviews" { parent = "service", name = "差评",\n  points = { dept = 40, county = 50 },',
      'indicator "complaints" { parent = "service", name = "投诉",\n  points = { dept = 40, county = 50 },' },
  })
  local out, err, code = rules_diff(DEMO, dir, "json")
  T:eq("exit code", 0, code, err)
  local doc = cjson.decode(out)
  local by = {}
  for _, c in ipairs(doc.changes) do by[c.kind .. " " .. c.id] = c end
  T:eq("the threshold, in words", "online: method linear hi 0.95 → 0.9",
    by["method online"] and by["method online"].text)
  T:eq("… its parameters before", "linear {lo 0.5, hi 0.95, better higher}",
    by["method online"] and by["method online"].before)
  T:eq("the policy", "online: missing-data policy not_applicable, min_n 10 → zero, min_n 10",
    by["missing online"] and by["missing online"].text)
  T:ok(by["indicator.added complaints"], "complaints added", out)
  T:eq("… under service with its points", "complaints (投诉) added under service: points dept 40, county 50, method deduct {per 5, free 0}",
    by["indicator.added complaints"] and by["indicator.added complaints"].text)
  T:eq("reviews retired", "reviews (差评) retired from service",
    by["indicator.retired reviews"] and by["indicator.retired reviews"].text)
  T:eq("four changes", 4, #doc.changes)
  local text = rules_diff(DEMO, dir)
  T:contains("the text has the threshold", text, "method             online: method linear hi 0.95 → 0.9")
end)

T:section("an unchanged set", function()
  local out, err, code = rules_diff(DEMO, DEMO)
  T:eq("exit code", 0, code, err)
  T:contains("no changes", out, ": 0 changes")
  local json = rules_diff(DEMO, DEMO, "json")
  T:eq("an empty list", 0, #cjson.decode(json).changes)
end)

T:section("a set that does not load", function()
  local dir = edited({ { "points = { dept = 60, county = 50 },", "points = { dept = 60, county = 50 }" } })
  local out, err, code = rules_diff(DEMO, dir)
  T:eq("exit code", 1, code)
  T:eq("nothing on stdout", "", out)
  T:matches("the error at file:line, with the hint", err, L.pattern(dir) .. "/ruleset.lua:18: error: .*hint: a ',' may be missing at the end of line 17")
  T:contains("why nothing is shown", err, "cannot diff rules that do not load")
end)

T:section("the command line", function()
  local _, _, code = L.run(L.quote(bin) .. " rules diff " .. L.quote(DEMO))
  T:eq("one directory: exit 2", 2, code)
  local _, err, code2 = rules_diff(DEMO, DEMO_B, "xml")
  T:eq("bad format: exit 2", 2, code2)
  T:contains("bad format: message", err, "--format xml")
  local _, err3, code3 = L.run(L.quote(bin) .. " rules frobnicate")
  T:eq("unknown subcommand: exit 2", 2, code3)
  T:contains("usage", err3, "usage: pinggu rules diff A B")
end)

T:done()
