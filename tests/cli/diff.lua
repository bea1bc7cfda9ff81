-- tools.diff — `pinggu diff`: a known rank swap when one weight changes (by an overrides file
-- and by a second rule set), band changes and their causes, part weights, an unchanged set,
-- and bad overrides files rejected at file:line.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = L.args()
local T = L.tester("tools.diff")
local DEMO = root .. "/tests/cli/fixtures/demo"
local DEMO_B = root .. "/tests/cli/fixtures/demo-b"

local function diff(against, format)
  local cmd = table.concat({ L.quote(bin), "diff", "--rules", L.quote(DEMO), "--against", L.quote(against),
    "--data", L.quote(DEMO .. "/data"), "--scheme monthly --period 2021-05",
    format and ("--format " .. format) or "" }, " ")
  return L.run(cmd)
end

local function overrides(text)
  local path = L.tmpdir() .. "/weights.txt"
  L.write(path, text)
  return path
end

local function units_of(doc)
  local u = {}
  for _, g in ipairs(doc.groups) do
    for _, x in ipairs(g.units) do u[x.unit] = x; x.group = g.id end
  end
  return u
end

T:section("one weight changes: 甲局 and 乙局 swap ranks (overrides file)", function()
  -- A: 甲局 online 0.95 → 60, 4 reviews → 20: 80; 乙局 online 0.77 → 36, no review → 40: 76.
  -- B: online 40 points for departments; service's children add up to 80, scaled to 100:
  --    甲局 (40 + 20) × 1.25 = 75; 乙局 (24 + 40) × 1.25 = 80.
  local w = overrides("# 部门的全程网办率改为 40 分\nonline  dept=40   # 只改市直单位\n")
  local out, err, code = diff(w, "json")
  T:eq("exit code", 0, code, err)
  T:contains("the sum warning names the file and line", err,
    w .. ":2: warning: 'service' (dept): its children now add up to 80, not 100; they are scaled to 100")
  local doc = cjson.decode(out)
  local u = units_of(doc)
  T:eq("jia rank A", 1, u.jia.a.rank)
  T:eq("jia rank B", 2, u.jia.b.rank)
  T:eq("yi rank A", 2, u.yi.a.rank)
  T:eq("yi rank B", 1, u.yi.b.rank)
  T:eq("yi rank_change", 1, u.yi.rank_change)
  T:eq("jia rank_change", -1, u.jia.rank_change)
  T:near("jia total B", 75, u.jia.b.total, 1e-9)
  T:near("yi total B", 80, u.yi.b.total, 1e-9)
  T:near("yi change", 4, u.yi.change, 1e-9)
  T:eq("yi band A", "合格", u.yi.a.band)
  T:eq("yi band B", "良好", u.yi.b.band)
  T:eq("jia band B", "合格", u.jia.b.band)
  -- causes: yi's reviews 40 → 50 (× 1.25), online 36 → 30
  T:eq("yi first cause", "reviews", u.yi.causes[1].indicator)
  T:near("yi reviews change", 10, u.yi.causes[1].change, 1e-9)
  T:eq("yi second cause", "online", u.yi.causes[2].indicator)
  T:near("yi online B", 30, u.yi.causes[2].b, 1e-9)
  T:eq("jia first cause", "online", u.jia.causes[1].indicator)
  T:near("jia online change", -10, u.jia.causes[1].change, 1e-9)
  T:eq("the county does not change", 0, #u.xian.causes)
  T:eq("summary rank changes", 2, doc.summary.rank_changes)
  T:eq("summary band changes", 2, doc.summary.band_changes)
  T:eq("summary total changes", 3, doc.summary.total_changes)
  T:eq("b is overrides", true, doc.b.overrides)
  T:eq("b source", w, doc.b.source)
  T:eq("same revision", doc.a.revision, doc.b.revision)
  T:eq("dept listed in B's rank order", "yi", doc.groups[1].units[1].unit)

  local text, _, tcode = diff(w)
  T:eq("text: exit code", 0, tcode)
  T:contains("text: header", text, "2 个单位排名变化，2 个单位等次变化，3 个单位总分变化")
  T:matches("text: yi up", text, "2 → 1%s+↑1%s+乙局%s+76%.00%s+80%.00%s+%+4%.00%s+合格 → 良好%s+reviews %+10%.00；online %-6%.00")
  T:matches("text: jia down", text, "1 → 2%s+↓1%s+甲局%s+80%.00%s+75%.00%s+%-5%.00%s+良好 → 合格%s+online %-10%.00；reviews %+5%.00")
  T:matches("text: the county unchanged", text, "1 → 1%s+=%s+一县%s+84%.44%s+84%.44%s+0%.00%s+良好")
end)

T:section("against a second rule set: the same swap", function()
  local out, err, code = diff(DEMO_B, "json")
  T:eq("exit code", 0, code, err)
  local doc = cjson.decode(out)
  local u = units_of(doc)
  -- B: online 40, reviews 60: 甲局 40 + 40 = 80, 乙局 24 + 60 = 84
  T:eq("yi rank B", 1, u.yi.b.rank)
  T:eq("jia rank B", 2, u.jia.b.rank)
  T:near("yi total B", 84, u.yi.b.total, 1e-9)
  T:near("jia total B", 80, u.jia.b.total, 1e-9)
  T:eq("jia's causes cancel out", 2, #u.jia.causes)
  T:near("jia change", 0, u.jia.change, 1e-9)
  T:eq("b is a rule set", false, doc.b.overrides)
  T:ok(doc.a.revision ~= doc.b.revision, "revisions differ")
end)

T:section("a part's weight; no change at all", function()
  local out, err, code = diff(overrides("monthly/service 0.5\n"), "json")
  T:eq("part weight: exit code", 0, code, err)
  local u = units_of(cjson.decode(out))
  T:near("part weight: jia total halves", 40, u.jia.b.total, 1e-9)
  T:eq("part weight: ranks stay", 1, u.jia.b.rank)
  T:near("part weight: cause", -30, u.jia.causes[1].change, 1e-9)
  local same, _, scode = diff(DEMO, "json")
  T:eq("same set: exit code", 0, scode)
  local doc = cjson.decode(same)
  T:eq("same set: no rank change", 0, doc.summary.rank_changes)
  T:eq("same set: no total change", 0, doc.summary.total_changes)
end)

T:section("bad overrides files: file:line, exit 1, nothing applied", function()
  local cases = {
    { "online 40\nonlin 30\n", ":2: error: 'onlin' is not a declared indicator (nor SCHEME/PART)" },
    { "online forty\n", ":1: error: 'online': points 'forty' is not a number" },
    { "online city=3\n", ":1: error: 'online': group 'city' is not declared" },
    { "online dept\n", ":1: error: 'online': points 'dept' is not a number; write POINTS, or GROUP=POINTS" },
    { "online dept=30 county\n", ":1: error: 'online': write GROUP=POINTS for each group, not 'county'" },
    { "online\n", ":1: error: 'online' needs points" },
    { "reviews 30\n\n# again\nreviews dept=20\n", ":4: error: this is overridden already on line 1" },
    { "monthly/nope 1\n", ":1: error: 'monthly/nope' is not a part of a declared scheme" },
    { "monthly/service -1\n", ":1: error: a part's weight is one number >= 0" },
    { "# nothing\n\n", ": error: the file overrides nothing" },
  }
  for i, c in ipairs(cases) do
    local w = overrides(c[1])
    local out, err, code = diff(w)
    T:eq("case " .. i .. ": exit code", 1, code, out)
    T:contains("case " .. i .. ": message", err, w .. c[2])
    T:eq("case " .. i .. ": no output", "", out)
  end
  local _, err, code = diff("/nonexistent/weights.txt")
  T:eq("missing file: exit code", 1, code)
  T:contains("missing file: message", err, "/nonexistent/weights.txt: error: cannot read")
end)

T:section("the command line", function()
  local _, _, code = L.run(L.quote(bin) .. " diff --rules " .. L.quote(DEMO))
  T:eq("missing options: exit 2", 2, code)
  local _, err, code2 = diff(DEMO, "xml")
  T:eq("bad format: exit 2", 2, code2)
  T:contains("bad format: message", err, "--format xml")
  local _, err3, code3 = L.run(table.concat({ L.quote(bin), "diff --rules", L.quote(DEMO), "--against",
    L.quote(DEMO_B), "--data", L.quote(DEMO .. "/data"), "--scheme yearly --period 2021-05" }, " "))
  T:eq("unknown scheme: exit 1", 1, code3)
  T:contains("unknown scheme: message", err3, "--scheme yearly")
end)

T:done()
