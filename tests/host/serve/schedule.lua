-- schedule.lua — scheduled cut-offs on the injected clock: a year of them gives twelve monthly
-- results (kept as drafts) and the year's; a restart fires nothing twice; a host started
-- after missed cut-offs fires each of them once.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local bin, root = L.args()
local t = L.tester("serve.schedule")
local ws = H.workspace(root)
local tok, cfg = H.tokens(bin, ws)
local function start(clock)
  local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg,
    clock = clock }
  if not h then
    print("FAIL the host did not start: " .. why)
    os.exit(1)
  end
  return h
end

local function scheduled_runs(h)
  local _, _, j = h:get("/api/v1/evaluations", tok.admin)
  local runs = {}
  for _, r in ipairs(j and j.runs or {}) do
    if r.trigger == "schedule" then runs[#runs + 1] = r end
  end
  return runs
end

local h = start("2021-01-20T00:00:00+08:00")
local st, _, j = h:get("/api/v1/schedule", tok.admin)
t:eq("the schedule answers", 200, st)
t:eq("the injected clock", "2021-01-20T00:00:00+08:00", j and j.now)
t:eq("the next event is January's cut-off", "2021-01", j and j.next.period)
t:eq("at 24:00 on the 25th", "2021-01-26T00:00:00+08:00", j and j.next.at)
st = h:post("/api/v1/clock", tok.evaluator, '{"now":"2021-02-01T00:00:00+08:00"}')
t:eq("only an admin moves the clock", 403, st)

-- a whole year in one jump: every cut-off fires once, in order
st, _, j = h:post("/api/v1/clock", tok.admin, '{"now":"2022-01-02T00:00:00+08:00"}')
t:eq("the clock moves", 200, st)
t:eq("the next event is 2022's January cut-off", "2022-01", j and j.next.period)
local runs = H.wait(60, function()
  local r = scheduled_runs(h)
  if #r >= 14 then return r end
end) or scheduled_runs(h)
local monthly, yearly = {}, {}
for _, r in ipairs(runs) do
  t:ok(r.ok, "scheduled run " .. r.scheme .. " " .. r.period .. " succeeded", r.error)
  if r.scheme == "monthly" then monthly[#monthly + 1] = r.period else yearly[r.scheme] = r.period end
end
table.sort(monthly)
t:eq("twelve monthly results", 12, #monthly)
t:eq("from January", "2021-01", monthly[1])
t:eq("to December", "2021-12", monthly[12])
t:eq("the year-end assessment", "2021", yearly.year_end)
t:eq("the annual composite", "2021", yearly.annual)
for m = 1, 12 do
  local f = string.format("%s/data/drafts/monthly-2021-%02d.json", ws, m)
  local text = L.slurp(f)
  t:ok(text and text:find('"period":"2021-' .. string.format("%02d", m) .. '"', 1, true),
    "the draft of 2021-" .. m .. " is kept in " .. f)
end
t:ok(L.slurp(ws .. "/data/drafts/annual-2021.json") ~= nil, "the annual draft is kept")
-- and each as the documents people read: the bulletin in HTML (linking the indicator
-- documentation beside it) and CSV
local html = L.slurp(ws .. "/data/drafts/monthly-2021-05/monthly-2021-05.html") or ""
t:contains("the May bulletin is drafted as HTML", html, "2021-05")
t:contains("naming a unit", html, "陆丰市")
t:ok(L.slurp(ws .. "/data/drafts/monthly-2021-05/doc/county.html") ~= nil,
  "with the indicator documentation its links point at")
local csvs = L.run("ls " .. L.quote(ws .. "/data/drafts/monthly-2021-05") .. " | grep -c '\\.csv$'")
t:ok(tonumber(csvs) and tonumber(csvs) >= 2, "and CSV files", csvs)
t:ok(L.slurp(ws .. "/data/drafts/annual-2021/annual-2021.html") ~= nil, "the annual report too")
st = h:post("/api/v1/clock", tok.admin, '{"now":"2021-06-01T00:00:00+08:00"}')
t:eq("the clock does not go back", 409, st)
local stopped, clean = h:stop()
t:ok(stopped and clean, "SIGTERM stops the host cleanly")

-- a restart after the same events fires none of them again
h = start("2022-01-03T00:00:00+08:00")
H.sleep(1)
t:eq("a restart fires nothing twice", 0, #scheduled_runs(h))
t:ok(not h:log():find("event=schedule", 1, true), "nothing scheduled in the log", h:log())
h:stop()

-- started after two missed cut-offs: each fires once (2022 has no rule set here, so both are
-- logged as skipped), and a further restart fires neither again
h = start("2022-03-01T00:00:00+08:00")
H.wait(10, function() return h:log():find("period=2022-02", 1, true) end)
local log = h:log()
t:eq("January's missed cut-off fires once", 1, select(2, log:gsub("event=schedule period=2022%-01", "")))
t:eq("February's missed cut-off fires once", 1, select(2, log:gsub("event=schedule period=2022%-02", "")))
t:contains("and says why nothing ran", log, "no rule set loaded for its year")
h:stop()
h = start("2022-03-01T00:00:01+08:00")
H.sleep(1)
t:ok(not h:log():find("event=schedule", 1, true), "caught-up cut-offs do not fire again", h:log())
h:stop()

H.finish(t)
