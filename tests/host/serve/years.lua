-- years.lua — several rule sets at once, one year each: a period is evaluated with the rules of
-- its year (2021 months keep the 2021 weights after the 2022 rules are live), each directory
-- reloads on its own, a weight changed by hot reload is in the audit log with its before and
-- after, and a directory that turns into a year another one serves is refused.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local bin, root = L.args()
local t = L.tester("serve.years")

-- Both rule sets side by side (shanwei-2022 links most files to ../shanwei-2021), and the fed
-- sample for 2021 plus the same values moved to 2022.
local ws = L.tmpdir()
os.execute("mkdir -p " .. L.quote(ws .. "/rules") .. " " .. L.quote(ws .. "/data"))
for _, y in ipairs { "2021", "2022" } do
  os.execute("cp -a " .. L.quote(root .. "/rules/shanwei-" .. y) .. " " .. L.quote(ws .. "/rules/"))
end
local sample = root .. "/rules/shanwei-2021/sample/"
for _, name in ipairs { "2021-05.csv", "2021-06.csv" } do
  local text = L.slurp(sample .. name)
  L.write(ws .. "/data/" .. name, text)
  L.write(ws .. "/data/" .. name:gsub("2021", "2022"), (text:gsub(",2021%-", ",2022-")))
end
local tok, cfg = H.tokens(bin, ws, '"reload": { "debounce_ms": 50, "rescan_ms": 500 }, ')
local r21, r22 = ws .. "/rules/shanwei-2021", ws .. "/rules/shanwei-2022"
local h, why = H.start { bin = bin, rules = r21 .. "," .. r22, data = ws .. "/data", config = cfg }
if not h then
  print("FAIL the host did not start: " .. why)
  os.exit(1)
end
local admin = tok.admin

-- Every ranked unit's total is its parts under the scheme weights of its year.
local function weighted(j, wm, wp)
  local bad, n = 0, 0
  for _, g in ipairs(j and j.groups or {}) do
    for _, r in ipairs(g.ranking) do
      local m, p = r.parts.monitoring, r.parts.platforms
      if m and p then
        n = n + 1
        if math.abs(r.total - (wm * m + wp * p)) > 0.011 then bad = bad + 1 end
      end
    end
  end
  return n > 0 and bad == 0, string.format("%d of %d units off", bad, n)
end

local st, _, j21 = h:get("/api/v1/rankings/monthly/2021-05", admin)
t:eq("a 2021 month is served", 200, st)
t:ok(weighted(j21, 0.8, 0.2), "2021-05 is scored with the 2021 weights (80/20)", select(2, weighted(j21, 0.8, 0.2)))
t:eq("… by the 2021 rule set", "shanwei-2021", j21 and j21.ruleset.id)
local st2, _, j22 = h:get("/api/v1/rankings/monthly/2022-05", admin)
t:eq("a 2022 month is served", 200, st2)
t:ok(weighted(j22, 0.7, 0.3), "2022-05 is scored with the 2022 weights (70/30)", select(2, weighted(j22, 0.7, 0.3)))
t:eq("… by the 2022 rule set", "shanwei-2022", j22 and j22.ruleset.id)

local st3, _, e = h:get("/api/v1/rankings/monthly/2020-05", admin)
t:eq("a year no rule set serves is 404", 404, st3)
t:contains("… naming the years served", e and e.error.message, "the host serves 2021, 2022")

-- GET /periods: the years served, newest first, and the periods of a year that have data (the
-- dashboard opens on the latest); any role may ask; a year not served is 404.
local sp, _, p22 = h:get("/api/v1/periods", tok.viewer)
t:eq("GET /periods answers any role", 200, sp)
local years = {}
for i, y in ipairs(p22 and p22.years or {}) do years[i] = string.format("%d", y) end
t:eq("… the years served, newest first", "2022,2021", table.concat(years, ","))
t:eq("… the newest year by default", 2022, p22 and p22.year)
t:eq("… its months with data", "2022-05,2022-06", p22 and table.concat(p22.periods, ","))
t:eq("… and the latest of them", "2022-06", p22 and p22.latest)
local _, _, p21 = h:get("/api/v1/periods?year=2021", tok.lufeng)
t:eq("?year=2021 lists 2021's months", "2021-05,2021-06", p21 and table.concat(p21.periods, ","))
t:eq("a year not served is 404", 404, (h:get("/api/v1/periods?year=2030", admin)))
t:eq("a year that is not one is 400", 400, (h:get("/api/v1/periods?year=20x1", admin)))

local _, _, status = h:get("/api/v1/rules/status", admin)
t:eq("the status lists both directories", 2, status and status.sets and #status.sets)
t:eq("… the top level is the newest year", 2022, status and status.year)
local _, _, rules21 = h:get("/api/v1/rules?year=2021", admin)
local _, _, rules22 = h:get("/api/v1/rules", admin)
t:ok(rules21 and rules22 and rules21.revision ~= rules22.revision,
  "GET /rules is the newest year's; ?year=2021 gives 2021's")
t:eq("?year= of a year not served is 404", 404, (h:get("/api/v1/rules?year=2019", admin)))

-- A weight of 2022 changed by hot reload: 2022 re-scored, 2021 untouched, the change audited.
local file = r22 .. "/schemes.lua"
local text = L.slurp(file)
local edited, n1 = text:gsub('{ id = "monitoring", weight = 0%.7 }', '{ id = "monitoring", weight = 0.6 }', 1)
local n2
edited, n2 = edited:gsub('{ id = "platforms",  weight = 0%.3 }', '{ id = "platforms",  weight = 0.4 }', 1)
t:ok(n1 == 1 and n2 == 1, "the test found the 2022 weights to edit")
H.save_by_rename(file, edited)
local j22b = H.wait(10, function()
  local s, _, j = h:get("/api/v1/rankings/monthly/2022-05", admin)
  if s == 200 and j.ruleset.revision ~= j22.ruleset.revision then return j end
end)
t:ok(weighted(j22b, 0.6, 0.4), "after the save 2022-05 is scored 60/40")
local _, _, j21b = h:get("/api/v1/rankings/monthly/2021-05", admin)
t:eq("2021-05 keeps its revision", j21 and j21.ruleset.revision, j21b and j21b.ruleset.revision)
t:ok(weighted(j21b, 0.8, 0.2), "… and its 80/20 weights")
local _, _, ev = h:get("/api/v1/evaluations", admin)
local rescored = { ["2021"] = 0, ["2022"] = 0 }
for _, r in ipairs(ev and ev.runs or {}) do
  if r.trigger == "reload" then
    local y = r.period:sub(1, 4)
    rescored[y] = rescored[y] + 1
  end
end
t:ok(rescored["2022"] >= 1, "the swap re-scored 2022-05", rescored["2022"])
t:eq("… and no 2021 period", 0, rescored["2021"])

local _, _, audit = h:get("/api/v1/audit?action=rules.weight&object=rules/2022", admin)
local found
for _, a in ipairs(audit or {}) do
  if a.object == "rules/2022/scheme monthly" and a.before.part == "monitoring" then found = a end
end
t:ok(found, "the audit log has the weight change", audit and #audit)
t:eq("… its before", 0.7, found and found.before.weight)
t:eq("… its after", 0.6, found and found.after.weight)
local me = L.run("id -un"):gsub("%s+$", "")
t:eq("… and who: the owner of the saved file (no git work tree)", "file-owner:" .. me,
  found and found.actor)
local _, _, swaps = h:get("/api/v1/audit?action=rules.swap", admin)
t:eq("one swap is on record", 1, swaps and #swaps)
t:eq("… from the old revision", j22.ruleset.revision, swaps and swaps[1] and swaps[1].before.revision)
local _, _, none = h:get("/api/v1/audit?object=rules/2021", admin)
t:eq("2021 has no entries", 0, none and #none)
t:eq("the audit log is staff-only", 403, (h:get("/api/v1/audit", tok.lufeng)))

-- A directory that would serve a year another one serves is refused; the old one stays.
local rs = r22 .. "/ruleset.lua"
H.save_by_rename(rs, (L.slurp(rs):gsub("year = 2022", "year = 2021", 1)))
local st4 = H.wait(10, function()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  for _, set in ipairs(s and s.sets or {}) do
    local a = set.last_attempt
    if set.directory == r22 and a and not a.ok then return a end
  end
end)
t:contains("a clash of years is refused, naming the other directory",
  st4 and st4.errors[1] and st4.errors[1].message, "which " .. r21 .. " already serves")
t:eq("2022 is still served", 200, (h:get("/api/v1/rankings/monthly/2022-05", admin)))

-- An admin's reload of one year answers with the status of all.
local st5, _, rl = h:post("/api/v1/rules/reload?year=2021", admin, "")
t:eq("POST /rules/reload?year=2021 answers 200", 200, st5)
t:eq("… with both directories' status", 2, rl and rl.sets and #rl.sets)
t:eq("reloading a year not served is 404", 404, (h:post("/api/v1/rules/reload?year=2030", admin, "")))

H.finish(t, h)
