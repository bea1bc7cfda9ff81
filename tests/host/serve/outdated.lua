-- outdated.lua — a cached result served while its re-score runs says so. After a data change
-- the old outcome names the same rule revision as the one to come, so without a word a reader
-- could not tell a stale number from a current one: it carries X-Pinggu-Outdated: data (or
-- rules, after a swap) until the re-score lands, and a current one never does.
-- Every job sleeps PINGGU_TEST_STALL_MS after its work (one worker, a deadline far beyond it),
-- so a re-score stays under way for seconds: a read right after the change finds it running.
-- Nothing waits for the stall to end by the clock: the test polls until the header goes.
-- The reads that draw on several results carry the mark too, when any of them is stale: a
-- unit's series and its 问题清单 (here the annual's: one result each, so that the one worker
-- has few to evaluate), and the unit's own ranking line (May's). Then a swap that reorders the
-- groups: the unit's ranking line read while May's re-score runs is cut from the stale result
-- by that result's own groups (before: a 500, or a 404, from the new rules' group index).
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("serve.outdated")
local ws = H.workspace(root)
local tok, cfg = H.tokens(bin, ws, '"pool": 1, "job_deadline_ms": 600000, ')
local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg,
  tokens = tok, env = "PINGGU_TEST_STALL_MS=4000 " }
if not h then
  print("FAIL the host did not start: " .. why)
  os.exit(1)
end
local admin = tok.admin
local may = "/api/v1/rankings/monthly/2021-05"

-- The headers (lower-cased names) and the decoded body of one GET (curl -i's output).
local function curl(path)
  return ("curl -s -m 60 -i -H %s %s"):format(L.quote("Authorization: Bearer " .. admin),
    L.quote("http://127.0.0.1:" .. h.port .. path))
end
local function parse(out)
  local head, body = out:match("^(.-)\r\n\r\n(.*)$")
  local hs = {}
  for name, value in (head or ""):gmatch("\r\n([^:\r\n]+): ([^\r\n]*)") do hs[name:lower()] = value end
  local ok, j = pcall(cjson.decode, body or "")
  return hs, ok and j or nil
end
local function read(path) return parse(L.run(curl(path))) end
local function total(j, unit)
  for _, g in ipairs(j and j.groups or {}) do
    for _, r in ipairs(g.ranking) do if r.unit == unit then return r.total end end
  end
end

local h0, j0 = read(may)
t:ok(j0 and j0.groups, "May is evaluated on first read")
t:eq("… and a current result carries no X-Pinggu-Outdated", nil, h0["x-pinggu-outdated"])
local series = "/api/v1/units/xinfang/series?scheme=annual&year=2021"
local issues = "/api/v1/issues/annual/2021?unit=xinfang"
local row = "/api/v1/units/xinfang/ranking?scheme=monthly&period=2021-05"
-- the results the series and the 问题清单 draw on, evaluated once (current: unmarked)
for _, path in ipairs { series, issues, row } do
  local hs, j = read(path)
  t:ok(j and not j.error, "read " .. path, j and cjson.encode(j):sub(1, 200))
  t:eq("… current, unmarked: " .. path, nil, hs["x-pinggu-outdated"])
end
-- Polls until a read of path is no longer marked; returns its headers and body.
local function settles(path)
  return H.wait(90, function()
    local hs, j = read(path)
    if not hs["x-pinggu-outdated"] then return hs, j end
  end)
end

-- A fed value of 信访局 for May (the sample's files give none): a data change that reaches May.
local st, body = h:post("/api/v1/batches?source=values&name=fix.csv", tok.evaluator,
  "unit,period,metric,value,n\nxinfang,2021-05,guide_accuracy,0.2,20\n", "text/csv")
t:eq("the batch is accepted", 201, st, body)
local h1, j1 = read(may)
t:eq("read during the re-score: the old outcome, marked outdated by data", "data",
  h1["x-pinggu-outdated"])
t:eq("… with the same revision as before (the revision alone cannot tell)",
  h0["x-pinggu-revision"], h1["x-pinggu-revision"])
t:eq("… and the old numbers", total(j0, "xinfang"), total(j1, "xinfang"))
for _, path in ipairs { series, issues, row } do
  t:eq("read during the re-score, marked data: " .. path, "data", read(path)["x-pinggu-outdated"])
end
local h2, j2 = H.wait(60, function()
  local hs, j = read(may)
  if not hs["x-pinggu-outdated"] then return hs, j end
end)
t:ok(h2, "the re-score lands and the mark goes")
t:ok(total(j2, "xinfang") and total(j2, "xinfang") ~= total(j0, "xinfang"),
  "… with 信访局's new total", total(j2, "xinfang"))
for _, path in ipairs { series, issues, row } do t:ok(settles(path), "… and from " .. path) end

-- A swap: the platforms part's weight edited; the re-score under the new rules is under way.
local file = ws .. "/rules/schemes.lua"
local src = L.slurp(file)
local edited, n = src:gsub('{ id = "monitoring", weight = 0%.8 }', '{ id = "monitoring", weight = 0.7 }', 1)
edited, n = edited:gsub('{ id = "platforms",  weight = 0%.2 }', '{ id = "platforms",  weight = 0.3 }', 1)
t:eq("the test found the weights to edit", 1, n)
-- Saves `text` as `path` the way editors do and waits for the host to swap in a new revision;
-- the new rules' status, or nil.
local function swap_in(path, text)
  local _, _, before = h:get("/api/v1/rules/status", admin)
  H.save_by_rename(path, text)
  return H.wait(60, function()
    local _, _, s = h:get("/api/v1/rules/status", admin)
    if s and before and s.revision and s.revision ~= before.revision then return s end
  end)
end
local swapped = swap_in(file, edited)
t:ok(swapped, "the edit is swapped in")
local h3 = read(may)
t:eq("read during the re-score after the swap: marked outdated by rules", "rules",
  h3["x-pinggu-outdated"])
t:eq("… naming the revision it was made by", h2 and h2["x-pinggu-revision"], h3["x-pinggu-revision"])
for _, path in ipairs { series, issues, row } do
  t:eq("read during the re-score after the swap, marked rules: " .. path, "rules",
    read(path)["x-pinggu-outdated"])
end
local h4 = H.wait(60, function()
  local hs = read(may)
  if not hs["x-pinggu-outdated"] then return hs end
end)
t:ok(h4, "the re-score under the new rules lands and the mark goes")
t:ok(h4 and swapped and swapped.revision:find(h4["x-pinggu-revision"] or "?", 1, true) == 1,
  "… and names the new revision", h4 and h4["x-pinggu-revision"])
for _, path in ipairs { series, issues, row } do t:ok(settles(path), "… and from " .. path) end

-- A swap that lists the groups the other way round (county first): while May's re-score runs,
-- its result is the old rules', whose group 0 is dept; the new rules say group 0 is county.
local rfile = ws .. "/rules/ruleset.lua"
local rsrc = L.slurp(rfile)
local dept_line = 'group "dept"   { name = "市直单位" }\n'
local county_line = 'group "county" { name = "县(市、区)及管委会" }\n'
local flipped, nf = rsrc:gsub(L.pattern(dept_line .. county_line), county_line .. dept_line, 1)
t:eq("the test found the groups to reorder", 1, nf)
local flipped_in = swap_in(rfile, flipped)
t:ok(flipped_in, "the groups' new order is swapped in")
local _, _, groups = h:get("/api/v1/rules", admin)
t:eq("… county first in the rules now", "county", groups and groups.groups and groups.groups[1] and groups.groups[1].id)
-- a group asked for by name while that re-score runs (asked now, in the background, answered
-- when it is): the rules in force number the groups otherwise than the stale result does, so the
-- read waits for the result of the rules in force (before: the stale result's group at dept's
-- new index, county's ranking)
local gfile = ws .. "/group-dept.out"
os.execute(curl(may .. "?group=dept") .. " >" .. L.quote(gfile) .. " 2>&1 &")
local h5, j5 = read(row)
t:eq("the unit's ranking line read during the re-score: marked rules", "rules", h5["x-pinggu-outdated"])
local g5 = j5 and j5.groups and j5.groups[1]
t:eq("… answered from the stale result's own group of the unit", "dept", g5 and g5.id,
  j5 and cjson.encode(j5):sub(1, 300))
t:eq("… its own line only", "xinfang", g5 and g5.ranking and #g5.ranking == 1 and g5.ranking[1].unit)
local _, jm = read(may)
t:eq("… with the total May's result shows", total(jm, "xinfang"),
  g5 and g5.ranking and g5.ranking[1] and g5.ranking[1].total)
local hg, jg = H.wait(60, function()
  local hs, j = parse(L.slurp(gfile) or "")
  if j then return hs, j end
end)
local gg = jg and jg.groups and jg.groups[1]
t:eq("?group=dept asked during the re-score after the reorder: dept's ranking", "dept", gg and gg.id,
  jg and cjson.encode(jg):sub(1, 200))
t:eq("… from the result of the rules in force, so not marked", nil, hg and hg["x-pinggu-outdated"])
local h6, j6 = settles(row)
t:ok(h6, "the re-score lands and the mark goes from the ranking line")
local g6 = j6 and j6.groups and j6.groups[1]
t:eq("… still the unit's own line in dept", "dept xinfang",
  (g6 and g6.id or "?") .. " " .. (g6 and g6.ranking and g6.ranking[1] and g6.ranking[1].unit or "?"))

H.finish(t, h)
