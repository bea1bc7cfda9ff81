-- reload.lua — hot reload of the real host: an edited weight saved by rename-over changes the
-- ranking served over HTTP; a syntax error leaves the old rankings served and shows file:line
-- in the reload status; SIGHUP and a save that changes nothing.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local t, h, tok, ws = H.setup("serve.reload", '"reload": { "debounce_ms": 50, "rescan_ms": 500 }, ')
local admin = tok.admin
local path = "/api/v1/rankings/monthly/2021-05?group=dept"

local function ranking()
  local st, _, j = h:get(path, admin)
  if st ~= 200 or not j then return nil end
  local by = {}
  for _, r in ipairs(j.groups[1].ranking) do by[r.unit] = r end
  return j.ruleset.revision, by, j
end

local rev0, before = ranking()
t:ok(rev0 ~= nil, "the first ranking is served")
local _, _, status = h:get("/api/v1/rules/status", admin)
t:eq("the status names the revision", rev0, status and status.revision)
t:eq("the watcher is on", "ok", status and status.watcher)

-- 1. Move 2 points from 证明事项免提交比例 to 办事指南准确率 (both fed metrics), saved by
-- rename-over as editors do.
local file = ws .. "/rules/monitoring.lua"
local text = L.slurp(file)
local edited, n1 = text:gsub('(indicator "mon_guide" {[^\n]*\n%s*points = )7,', "%19,", 1)
local n2
edited, n2 = edited:gsub('(indicator "mon_zero_proof" {[^\n]*\n%s*points = )5,', "%13,", 1)
t:ok(n1 == 1 and n2 == 1, "the test found the two weights to edit in monitoring.lua")
H.save_by_rename(file, edited)
local rev1, after = H.wait(10, function()
  local r, by = ranking()
  if r and r ~= rev0 then return r, by end
end)
t:ok(rev1 and rev1 ~= rev0, "a new revision is served after the save")
local changed = 0
for unit, r in pairs(after or {}) do
  if before[unit] and before[unit].total ~= r.total then changed = changed + 1 end
end
t:ok(changed > 0, "the edited weights change department totals", changed .. " changed")
_, _, status = h:get("/api/v1/rules/status", admin)
t:eq("the status shows the new revision", rev1, status and status.revision)
t:eq("the last attempt was the watcher's", "watch", status and status.last_attempt.trigger)
t:matches("the weight change is logged", h:log(), "event=rules change=\"mon_guide %[dept%]: points 7 → 9\" kind=points")

-- 2. A syntax error: the host keeps serving rev1 and says where the error is.
local basic = ws .. "/rules/basic.lua"
local good = L.slurp(basic)
local lines = select(2, good:gsub("\n", "")) + 1
H.save_by_rename(basic, good .. "\nlocal x = = 1\n")
local st_err = H.wait(10, function()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  if s and s.last_attempt and not s.last_attempt.ok then return s end
end)
t:ok(st_err ~= nil, "the reload status reports the failed attempt")
local e = st_err and st_err.last_attempt.errors[1]
t:eq("error file", ws .. "/rules/basic.lua", e and e.file)
t:eq("error line", lines + 1, e and e.line)
t:contains("error message", e and e.message, "near '='")
t:eq("the old revision still serves", rev1, st_err and st_err.revision)
local rev_now = ranking()
t:eq("rankings are still served, from the old revision", rev1, rev_now)
t:matches("the rejection is logged with file and line", h:log(),
  "event=reload result=rejected trigger=watch file=[^ ]*basic%.lua line=" .. (lines + 1))

-- 3. Fixing the file: back to a good revision (the same content as rev1: no new evaluation).
H.save_by_rename(basic, good)
local st_ok = H.wait(10, function()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  if s and s.last_attempt and s.last_attempt.ok then return s end
end)
t:ok(st_ok ~= nil, "the fixed file is accepted")
t:eq("and it is the same revision as before the error", rev1, st_ok and st_ok.revision)

-- 4. SIGHUP reloads; the content is unchanged, so the revision stays.
local reloads = select(2, h:log():gsub("event=reload ", ""))
h:signal("HUP")
H.wait(10, function() return select(2, h:log():gsub("event=reload ", "")) > reloads end)
t:matches("SIGHUP triggers an attempt", h:log(), "event=reload result=unchanged trigger=signal")

H.finish(t, h)
