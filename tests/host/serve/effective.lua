-- effective.lua — effective dating within a year (issue 17 §2): a weight change saved with
-- `effective = "2021-07"` governs July onward only. January–June keep the weights in force
-- then (their results are not even re-scored), July–December take the new ones; the chain of
-- generations survives a restart; a published August is reported frozen (rules/status and the
-- audit entry), a published May is not; a correction of June is made with June's rules; the
-- annual composite averages April–December as each month is served (old rules until June, new
-- from July) and is published so; a rule set whose `effective` is not a month of its year is a
-- located error. A preview of the change lists the months and the published bulletins it would touch.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("serve.effective")
local ws = H.workspace(root)
local tok, cfg = H.tokens(bin, ws, '"reload": { "debounce_ms": 50, "rescan_ms": 500 }, ')
local admin = tok.admin
local function start()
  local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg }
  if not h then
    print("FAIL the host did not start: " .. why)
    os.exit(1)
  end
  return h
end
local h = start()

local function month(m) return string.format("2021-%02d", m) end

-- Every ranked unit of a ranking: its total is its parts under the weights (wm, wp)?
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
  return n > 0 and bad == 0
end

local function totals(j)
  local by = {}
  for _, g in ipairs(j and j.groups or {}) do
    for _, r in ipairs(g.ranking) do by[r.unit] = r.total end
  end
  return by
end

local function same(a, b)
  local n = 0
  for u, v in pairs(a) do
    if b[u] ~= v then return false end
    n = n + 1
  end
  return n > 0
end

local function rankings()
  local out = {}
  for m = 1, 12 do
    local st, _, j = h:get("/api/v1/rankings/monthly/" .. month(m), admin)
    out[m] = { status = st, revision = j and j.ruleset.revision, totals = totals(j), j = j }
  end
  return out
end

-- 1. Before the change: one generation, every month at 80/20, the annual composite computed.
local before = rankings()
for m = 1, 12 do
  t:eq(month(m) .. " is served", 200, before[m].status)
  t:ok(weighted(before[m].j, 0.8, 0.2), month(m) .. " is scored at 80/20")
end
local st, text = h:get("/api/v1/rankings/annual/2021", admin)
t:eq("with one generation the annual composite is served", 200, st, text)
local _, _, status = h:get("/api/v1/rules/status", admin)
t:eq("the status says the rules govern from January", "2021-01", status and status.effective)
t:eq("… one link in the chain", 1, status and #status.chain)
local rev0 = before[1].revision

-- 2. Publish May and August under the old rules.
st, text = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-05"}')
t:eq("2021-05 is published", 201, st, text)
st, text = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-08"}')
t:eq("2021-08 is published", 201, st, text)

-- A preview of the change says which months and which published bulletins it would touch.
local overrides = "monthly/monitoring 0.6\nmonthly/platforms 0.4\n"
local pst, ptext, pj = h:post("/api/v1/rules/preview?scheme=monthly&period=2021-07&effective=2021-07",
  admin, overrides, "text/plain")
t:eq("the preview answers", 200, pst, ptext)
local touches = pj and pj.touches or {}
t:eq("… effective from July", "2021-07", touches.effective)
t:eq("… July to December", "2021-07,2021-08,2021-09,2021-10,2021-11,2021-12",
  table.concat(touches.months or {}, ","))
t:eq("… and the yearly schemes", "year_end,annual", table.concat(touches.yearly or {}, ","))
local pub = {}
for _, b in ipairs(touches.published or {}) do pub[#pub + 1] = b.scheme .. " " .. b.period end
t:eq("… the published 2021-08, not 2021-05", "monthly 2021-08", table.concat(pub, ","))
pst, ptext = h:post("/api/v1/rules/preview?scheme=monthly&period=2021-07&effective=2022-01", admin,
  overrides, "text/plain")
t:eq("an effective month of another year is a 400", 400, pst)
t:contains("… naming it", ptext, "effective '2022-01'")

-- 3. Move the monthly weights to 60/40, effective from July, in one save of each file.
local schemes = ws .. "/rules/schemes.lua"
local text1, n1 = L.slurp(schemes):gsub('{ id = "monitoring", weight = 0%.8 }',
  '{ id = "monitoring", weight = 0.6 }', 1)
local n2
text1, n2 = text1:gsub('{ id = "platforms",  weight = 0%.2 }', '{ id = "platforms",  weight = 0.4 }', 1)
t:ok(n1 == 1 and n2 == 1, "the test found the monthly weights in schemes.lua")
local rsfile = ws .. "/rules/ruleset.lua"
local text2, n3 = L.slurp(rsfile):gsub('(\n  year = 2021,\n)', '%1  effective = "2021-07",\n', 1)
t:ok(n3 == 1, "the test found the year in ruleset.lua")
-- the ruleset first (same weights, effective July: changes nothing to evaluate), then the weights
H.save_by_rename(rsfile, text2)
H.save_by_rename(schemes, text1)
status = H.wait(15, function()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  local l = s and s.chain and s.chain[#s.chain]
  if s and #s.chain == 2 and s.revision ~= rev0 and s.effective == "2021-07" and
     l and l.revision == s.revision and not s.reloading then
    -- the weights' save may still be on its way: the last link must be the 60/40 one
    local _, _, j = h:get("/api/v1/rankings/monthly/2021-09", admin)
    if j and weighted(j, 0.6, 0.4) then return s end
  end
end)
t:ok(status ~= nil, "the chain has two links: the old rules until June, the new from July",
  status and cjson.encode(status.chain))
t:eq("… the first link governs from January", "2021-01", status and status.chain[1].from)
t:eq("… by the old revision", rev0, status and status.chain[1].revision)
t:eq("… the second from July", "2021-07", status and status.chain[2].from)
local rev1 = status and status.revision

-- 4. January–June unchanged (and not re-scored), July–December at 60/40.
H.sleep(1)
local after = rankings()
for m = 1, 6 do
  t:eq(month(m) .. " keeps the old revision", rev0, after[m].revision)
  t:ok(same(before[m].totals, after[m].totals), month(m) .. " keeps its totals")
  t:ok(weighted(after[m].j, 0.8, 0.2), month(m) .. " is still scored at 80/20")
end
for m = 7, 12 do
  t:eq(month(m) .. " has the new revision", rev1, after[m].revision)
  t:ok(weighted(after[m].j, 0.6, 0.4), month(m) .. " is scored at 60/40")
  t:ok(not same(before[m].totals, after[m].totals), month(m) .. " totals changed")
end
local _, _, runs = h:get("/api/v1/evaluations", admin)
local rescored = {}
for _, r in ipairs(runs and runs.runs or {}) do
  if r.trigger == "reload" then rescored[#rescored + 1] = r.period end
end
local early = 0
for _, p in ipairs(rescored) do
  if p:match("^2021%-0[1-6]$") then early = early + 1 end
end
t:ok(#rescored > 0, "the swap re-scored something", table.concat(rescored, " "))
t:eq("… but no month before July", 0, early, table.concat(rescored, " "))

-- A unit's series over the year: each month as served, by its own revision.
local _, _, series = h:get("/api/v1/units/lufeng/series?scheme=monthly&year=2021", admin)
local srev, stot = {}, 0
for i, p in ipairs(series and series.periods or {}) do
  srev[i] = p.revision
  if p.total == after[i].totals.lufeng then stot = stot + 1 end
end
t:eq("the series has January–June by the old revision", rev0 .. rev0 .. rev0 .. rev0 .. rev0 .. rev0,
  table.concat(srev, "", 1, 6))
t:eq("… July–December by the new", rev1 .. rev1 .. rev1 .. rev1 .. rev1 .. rev1,
  table.concat(srev, "", 7, 12))
t:eq("… each month's total as its ranking serves it", 12, stot)

-- 5. The published August is frozen under the old rules; May is not touched.
local frozen = {}
for _, b in ipairs(status and status.frozen or {}) do frozen[b.period] = b.scheme end
t:eq("rules/status lists the published 2021-08 as frozen", "monthly", frozen["2021-08"],
  status and cjson.encode(status.frozen))
t:eq("… not 2021-05, which the change does not cover", nil, frozen["2021-05"])
t:matches("the log warns of the published month", h:log(),
  "event=rules effective=2021%-07 published=2021%-08 scheme=monthly")
local _, _, audit = h:get("/api/v1/audit?action=rules.swap", admin)
local after_j
for _, entry in ipairs(audit and (audit.entries or audit) or {}) do
  local a = type(entry.after) == "table" and entry.after or cjson.decode(entry.after)
  if a and a.effective == "2021-07" and a.frozen and #a.frozen > 0 then after_j = a end
end
t:eq("the audit entry says from when", "2021-07", after_j and after_j.effective)
t:eq("… and which bulletin it would change", "2021-08", after_j and after_j.frozen and
  after_j.frozen[1] and after_j.frozen[1].period)

-- 6. A correction of June is made with June's rules.
st, text = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-06"}')
t:eq("2021-06 is published", 201, st, text)
-- a fed value of June was wrong: corrected in the data, June is re-published
local june = ws .. "/data/2021-06.csv"
local original = L.slurp(june)
local fixed, nf = original:gsub("\nchengqu,2021%-06,zero_proof_rate,0%.8334,", "\nchengqu,2021-06,zero_proof_rate,0.95,", 1)
t:ok(nf == 1, "the test found chengqu's zero_proof_rate of June")
L.write(june, fixed)
st, text = h:post("/api/v1/bulletins", tok.evaluator,
  '{"scheme":"monthly","period":"2021-06","reason":"a correction"}')
t:eq("2021-06 is corrected", 201, st, text)
L.write(june, original) -- back as it was: the rest compares with the months served before
local _, _, b6 = h:get("/api/v1/bulletins/monthly/2021-06", admin)
local bulletin = b6 and (b6.bulletin or b6)
t:eq("… its revision 2", 2, bulletin and bulletin.revision)
local rules_of = function(r) return r and r.rules_revision end
local _, _, b5 = h:get("/api/v1/bulletins/monthly/2021-05", admin)
t:eq("… made with the rules May was published under (June's)", rules_of(b5 and (b5.bulletin or b5)),
  rules_of(bulletin))
t:ok(b6 and weighted(b6.result, 0.8, 0.2), "… its totals at 80/20",
  b6 and b6.result and cjson.encode(b6.result.groups[1].ranking[1]))

-- 7. The annual composite averages April–December as each month is served: April–June under
-- the old rules, July–December under the new; 0.4 × that mean + 0.6 × year_end.
local function annual_matches(served)
  local _, _, ye = h:get("/api/v1/rankings/year_end/2021", admin)
  local st7, text7, an = h:get("/api/v1/rankings/annual/2021", admin)
  local yet = totals(ye)
  local bad, n, why = 0, 0, nil
  for _, g in ipairs(an and an.groups or {}) do
    for _, r in ipairs(g.ranking) do
      local sum, cnt = 0, 0
      for m = 4, 12 do
        local v = served[m].totals[r.unit]
        if v then sum, cnt = sum + v, cnt + 1 end
      end
      if cnt == 9 and yet[r.unit] then
        n = n + 1
        local mean = sum / 9
        local want = 0.4 * mean + 0.6 * yet[r.unit]
        if math.abs(r.parts.monthly_avg - mean) > 0.006 or math.abs(r.total - want) > 0.011 then
          bad = bad + 1
          why = why or string.format("%s: monthly_avg %s, mean of the served months %.4f; total %s, expected %.4f",
            r.unit, r.parts.monthly_avg, mean, r.total, want)
        end
      end
    end
  end
  return st7 == 200 and n > 0 and bad == 0, why or (st7 .. " " .. text7:sub(1, 300)), an
end
local ok7, why7, an7 = annual_matches(after)
t:ok(ok7, "the annual composite is 0.4 × the mean of April–December as each month is served " ..
  "(April–June old rules, July–December new) + 0.6 × year_end", why7)
t:eq("… made by the current revision", rev1, an7 and an7.ruleset.revision)
local mixed_avg = {}
for _, g in ipairs(an7 and an7.groups or {}) do
  for _, r in ipairs(g.ranking) do mixed_avg[r.unit] = r.parts.monthly_avg end
end
st, text = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"annual","period":"2021"}')
t:eq("the mixed annual composite is published", 201, st, text)
local _, _, ba = h:get("/api/v1/bulletins/annual/2021", admin)
t:ok(ba and same(totals(an7), totals(ba.result)), "… with the totals served")

-- The CLI publishes with the directory's rules (July's): it refuses June, which the chain says
-- June's rules govern, and the annual composite, whose months only the host takes under their
-- own rules.
local function cli_publish(scheme, period)
  local errf = ws .. "/cli.err"
  local ok = os.execute(L.quote(bin) .. " publish --rules " .. L.quote(ws .. "/rules") .. " --data " ..
    L.quote(ws .. "/data") .. " --scheme " .. scheme .. " --period " .. period ..
    " --reason test >/dev/null 2>" .. L.quote(errf))
  return ok, L.slurp(errf) or ""
end
local cok, cerr = cli_publish("monthly", "2021-06")
t:ok(not cok, "pinggu publish refuses 2021-06 with the July rules", cerr)
t:contains("… saying which rules govern it", cerr, "2021-06 is governed by rules revision " .. rev0:sub(1, 12))
cok, cerr = cli_publish("annual", "2021")
t:ok(not cok, "pinggu publish refuses the annual composite over months of two revisions", cerr)
t:contains("… and where to publish it", cerr, "publish it there (POST /api/v1/bulletins)")

local errf = ws .. "/eval.err"
local eok = os.execute(L.quote(bin) .. " eval --rules " .. L.quote(ws .. "/rules") .. " --data " ..
  L.quote(ws .. "/data") .. " --scheme monthly --period 2021-06 >/dev/null 2>" .. L.quote(errf))
local eerr = L.slurp(errf) or ""
t:ok(eok, "pinggu eval evaluates June with the rules it is given", eerr)
t:contains("… warning that the host serves June with other rules", eerr,
  "warning: " .. ws .. "/data/rules/chain-2021.json: 2021-06 is governed by rules revision " .. rev0:sub(1, 12))

-- 8. A restart keeps the chain: June is still under the old rules.
h:stop()
h = start()
local _, _, j6 = h:get("/api/v1/rankings/monthly/2021-06", admin)
t:eq("after a restart 2021-06 keeps the old revision", rev0, j6 and j6.ruleset.revision)
t:ok(same(before[6].totals, totals(j6)), "… and its totals")
t:ok(weighted(j6, 0.8, 0.2), "… at 80/20")
local _, _, j9 = h:get("/api/v1/rankings/monthly/2021-09", admin)
t:eq("… 2021-09 the new one", rev1, j9 and j9.ruleset.revision)
_, _, status = h:get("/api/v1/rules/status", admin)
t:eq("… two links in the chain", 2, status and #status.chain)

-- 9. Removing `effective` makes the directory's rules govern the whole year again.
H.save_by_rename(rsfile, L.slurp(rsfile):gsub('  effective = "2021%-07",\n', '', 1))
status = H.wait(15, function()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  if s and s.chain and #s.chain == 1 and s.effective == "2021-01" then return s end
end)
t:ok(status ~= nil, "without effective the chain is one link again")
_, _, j6 = H.wait(15, function()
  local s, x, j = h:get("/api/v1/rankings/monthly/2021-06", admin)
  if j and j.ruleset.revision ~= rev0 then return s, x, j end
end)
t:ok(j6 and weighted(j6, 0.6, 0.4), "… and 2021-06 is re-scored at 60/40")
local whole = rankings()
local ok9, why9, an9 = annual_matches(whole)
t:ok(ok9, "… the annual composite averages the months as now served, all under the new rules", why9)
local moved = 0
for _, g in ipairs(an9 and an9.groups or {}) do
  for _, r in ipairs(g.ranking) do
    if mixed_avg[r.unit] and mixed_avg[r.unit] ~= r.parts.monthly_avg then moved = moved + 1 end
  end
end
t:ok(moved > 0, "… and its monthly average differs from the mixed one (April–June moved)")

-- 10. A bad `effective` is an error at ruleset.lua's line; the running rules keep serving.
H.save_by_rename(rsfile, L.slurp(rsfile):gsub('(\n  year = 2021,\n)', '%1  effective = "2022-03",\n', 1))
local bad = H.wait(15, function()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  if s and s.last_attempt and not s.last_attempt.ok then return s end
end)
local e = bad and bad.last_attempt.errors[1]
t:eq("a month of another year is refused in ruleset.lua", ws .. "/rules/ruleset.lua", e and e.file)
t:contains("… saying what is expected", e and e.message, 'must be a sampling month of 2021')

H.finish(t, h)
