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

-- rules/examples/composite-index: 指数 is the geomean of 服务可及 (weight 2), 服务质量 and 支撑能力
-- (weight 1 each); 服务可及 is the mean of online_share (weight 2) and bandwidth (weight 1).
local CI = root .. "/rules/examples/composite-index"

local function diff_ci(against, format)
  return L.run(table.concat({ L.quote(bin), "diff", "--rules", L.quote(CI), "--against", L.quote(against),
    "--data", L.quote(CI .. "/data"), "--scheme index --period 2024", format and ("--format " .. format) or "" }, " "))
end

T:section("overrides under weighted operators: a child's weight changes it, its points are refused", function()
  local a = L.eval_json(bin, { rules = CI, data = CI .. "/data", scheme = "index", period = "2024" })
  local pts = {}
  for _, u in ipairs(a.units) do
    pts[u.unit] = {}
    for _, c in ipairs(u.indicators) do pts[u.unit][c.id] = c end
  end
  -- 服务可及 weighed 1 instead of 2 under the geomean: 100 × (a × q × c)^(1/3), from A's own
  -- dimension points (the dimensions themselves do not change)
  local out, err, code = diff_ci(overrides("access weight=1   # 服务可及与其他维度等权\n"), "json")
  T:eq("weight override: exit code", 0, code, err)
  T:eq("weight override: no warning", "", err)
  local doc = cjson.decode(out)
  local u = units_of(doc)
  local seen = 0
  for id, cells in pairs(pts) do
    local acc, q, c = cells.access, cells.quality, cells.capacity
    if acc and u[id] and u[id].b and not L.isnull(u[id].b.total) then
      local s = 1
      local n = 0
      for _, x in ipairs { acc, q, c } do
        if not L.isnull(x.points) then s = s * (x.points / 100); n = n + 1 end
      end
      -- A's points are printed to 4 decimals: the total is checked to its rounding (0.05)
      T:near(id .. ": total under weight 1", 100 * s ^ (1 / n), u[id].b.total, 0.05 + 1e-4)
      seen = seen + 1
    end
  end
  T:eq("every ranked unit checked (diff shows no total for the unranked group)", 6, seen)
  T:ok(doc.summary.total_changes > 0, "some total changed")
  -- the cause is the geomean node (not linear: its children carry nothing), never nothing
  for id, x in pairs(u) do
    if not L.isnull(x.change) and math.abs(x.change) > 1e-9 then
      T:eq(id .. ": the cause is the index", "index", x.causes[1] and x.causes[1].indicator)
    end
  end

  -- a weight under the mean moves 服务可及 too: online_share weight 1 → (s₁ + s₂) ÷ 2
  local out2, err2, code2 = diff_ci(overrides("online_share weight=1\n"), "json")
  T:eq("mean child's weight: exit code", 0, code2, err2)
  local u2 = units_of(cjson.decode(out2))
  local e = pts.east
  local acc = (e.online_share.points + e.bandwidth.points) / 2 / 100
  local want = 100 * (acc ^ 2 * e.quality.points / 100 * e.capacity.points / 100) ^ 0.25
  T:near("east: total with online_share weight 1", want, u2.east.b.total, 0.05 + 1e-4)
  T:ok(math.abs(u2.east.b.total - u2.east.a.total) > 0.1, "east: the total moved")

  local cases = {
    { "online_share 50\n", ":1: error: 'online_share': its points do not weigh under 'access' (aggregate = \"mean\"" },
    { "access 50\n", "override its weight instead: access weight=W" },
    { "uptime 50\n", ":1: error: 'uptime': its points do not count under 'resilience' (aggregate = \"min\"" },
    { "uptime weight=2\n", ":1: error: 'uptime' is under 'resilience', which takes the min of its children: min has no weights" },
    { "index weight=2\n", ":1: error: 'index' is the root of a part" },
    { "access weight=0\n", ":1: error: 'access': a weight is one number above 0" },
    { "access weight=x\n", ":1: error: 'access': a weight is one number above 0" },
    { "access weight=2 3\n", ":1: error: 'access': a weight is one number above 0" },
    { "access weight=3\nonline_share 10\n", ":2: error: 'online_share': its points do not weigh" },
  }
  for i, c in ipairs(cases) do
    local w = overrides(c[1])
    local o, er, cd = diff_ci(w)
    T:eq("weighted case " .. i .. ": exit code", 1, cd, o)
    T:contains("weighted case " .. i .. ": message", er, c[2])
    T:eq("weighted case " .. i .. ": no output", "", o)
  end
  -- under sum a weight is refused: the points are the weights there
  local w = overrides("online weight=2\n")
  local o, er, cd = diff(w)
  T:eq("weight under sum: exit code", 1, cd, o)
  T:contains("weight under sum: message", er,
    w .. ":1: error: 'online' is under 'service', which adds its children's points: there the points are the weight; write 'online POINTS'")
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
