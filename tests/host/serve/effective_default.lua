-- effective_default.lua — the office's default for a rule set without `effective` (issue 17
-- §2): with reload.effective = "open_month" a weight saved on 2021-07-10 governs from the open
-- month, July, and January–June keep their rules; a restart in September keeps July as the
-- change's month (not the month open at the restart); once the year's last month has closed a
-- save without `effective` is refused at ruleset.lua's line, and the running rules serve on; a
-- bad value of the setting is a configuration error.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local bin, root = L.args()
local t = L.tester("serve.effective_default")
local ws = H.workspace(root)
local tok, cfg = H.tokens(bin, ws,
  '"reload": { "debounce_ms": 50, "rescan_ms": 500, "effective": "open_month" }, ')
local admin = tok.admin
local function start(clock)
  local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg,
    clock = clock }
  if not h then
    print("FAIL the host did not start: " .. why)
    os.exit(1)
  end
  return h
end

local function revision(h, p)
  local _, _, j = h:get("/api/v1/rankings/monthly/" .. p, admin)
  return j and j.ruleset.revision
end

local h = start("2021-07-10T00:00:00+08:00")
local _, _, status = h:get("/api/v1/rules/status", admin)
t:eq("without a chain on record the first rules govern the whole year", "2021-01",
  status and status.effective)
local rev0 = revision(h, "2021-06")
t:ok(rev0 ~= nil, "2021-06 is served")
t:eq("2021-08 by the same rules", rev0, revision(h, "2021-08"))

local schemes = ws .. "/rules/schemes.lua"
local text, n = L.slurp(schemes):gsub('{ id = "monitoring", weight = 0%.8 }',
  '{ id = "monitoring", weight = 0.7 }', 1)
text = text:gsub('{ id = "platforms",  weight = 0%.2 }', '{ id = "platforms",  weight = 0.3 }', 1)
t:eq("the test found the monthly weights", 1, n)
H.save_by_rename(schemes, text)
status = H.wait(15, function()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  if s and s.chain and #s.chain == 2 then return s end
end)
t:eq("a save without effective governs from the open month, July", "2021-07",
  status and status.effective)
local rev1 = status and status.revision
t:eq("2021-06 keeps its rules", rev0, revision(h, "2021-06"))
t:eq("2021-07 takes the new ones", rev1, revision(h, "2021-07"))

h:stop()
h = start("2021-09-10T00:00:00+08:00")
_, _, status = h:get("/api/v1/rules/status", admin)
t:eq("after a restart in September the change still governs from July", "2021-07",
  status and status.effective)
t:eq("… 2021-07 by the new rules", rev1, revision(h, "2021-07"))
t:eq("… 2021-06 by the old", rev0, revision(h, "2021-06"))
h:stop()

-- the year is over: a save without effective cannot say from when
h = start("2022-01-10T00:00:00+08:00")
H.save_by_rename(schemes, (L.slurp(schemes):gsub('weight = 0%.7 }', 'weight = 0.75 }', 1)
  :gsub('weight = 0%.3 }', 'weight = 0.25 }', 1)))
local bad = H.wait(15, function()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  if s and s.last_attempt and not s.last_attempt.ok then return s end
end)
local e = bad and bad.last_attempt.errors[1]
t:eq("after the year a save without effective is refused in ruleset.lua", ws .. "/rules/ruleset.lua",
  e and e.file)
t:contains("… saying from when is needed", e and e.message, "every month of 2021 is closed")
t:eq("… the running rules serve on", rev1, bad and bad.revision)
h:stop()

-- a bad value of the setting
local _, cfg2 = H.tokens(bin, ws, '"reload": { "effective": "monthly" }, ')
local h2, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg2 }
t:ok(h2 == nil, "reload.effective = \"monthly\" is refused at start")
t:contains("… naming the setting", why, 'reload.effective: "monthly" must be "year"')
if h2 then h2:stop() end

H.finish(t, nil)
