-- reload_backoff.lua — a reload that fails because the rule snapshot cannot be written
-- (DATA/rules is a file, as after `mv DATA/rules DATA/rules.bak; touch DATA/rules`) is retried
-- with backoff, not in a tight loop: the log says the error a handful of times, not tens of
-- thousands; GET /rules/status shows the consecutive failures, the error and the next retry;
-- once the directory is back, a retry succeeds, serves the edited rules and resets the count.
-- The base delay is configured small (retry_ms 50, capped at 400 ms) so that the waits are
-- short; nothing here asserts a time.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local t, h, tok, ws = H.setup("serve.reload_backoff",
  '"reload": { "debounce_ms": 50, "rescan_ms": 500, "retry_ms": 50, "retry_max_ms": 400 }, ')
local admin = tok.admin
local data = ws .. "/data"

local function status()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  return s
end
local function rejected()
  return select(2, h:log():gsub("event=reload result=rejected", ""))
end

local s0 = status()
local rev0 = s0 and s0.revision
t:ok(rev0 ~= nil, "the host serves a revision")
t:eq("no failures at the start", 0, s0 and s0.failures)

-- 1. DATA/rules becomes a file, then two weights are edited (2 points moved).
t:ok(os.rename(data .. "/rules", data .. "/rules.bak"), "DATA/rules moved away")
L.write(data .. "/rules", "")
local file = ws .. "/rules/monitoring.lua"
local edited, n1 = L.slurp(file):gsub('(indicator "mon_guide" {[^\n]*\n%s*points = )7,', "%19,", 1)
local n2
edited, n2 = edited:gsub('(indicator "mon_zero_proof" {[^\n]*\n%s*points = )5,', "%13,", 1)
t:ok(n1 == 1 and n2 == 1, "the test found the two weights to edit in monitoring.lua")
H.save_by_rename(file, edited)

-- Several retries have failed (the count grows without another edit).
local failing = H.wait(20, function()
  local s = status()
  if s and (s.failures or 0) >= 4 then return s end
end)
t:ok(failing ~= nil, "the status counts consecutive failures", failing and failing.failures)
t:contains("the status names the error", failing and failing.error, "Not a directory")
t:ok(failing and type(failing.next_retry) == "string", "the status gives the next retry",
  failing and tostring(failing.next_retry))
t:ok(failing and failing.repeats and failing.repeats >= 1, "the status counts the repeats")
t:eq("the last attempt failed", false, failing and failing.last_attempt.ok)
t:eq("the old revision still serves", rev0, failing and failing.revision)
local sets = failing and failing.sets and failing.sets[1]
t:eq("the directory's own entry counts them too", failing and failing.failures, sets and sets.failures)

-- A flood would show by now: before the fix one edit logged tens of thousands of lines.
H.sleep(1)
local lines = rejected()
local later = status()
t:ok(later and later.failures and later.failures > (failing and failing.failures or 0), "retries go on while the directory is broken",
  later and later.failures)
t:ok(lines >= 1 and lines <= 8, "the failure is logged a handful of times, not per attempt",
  lines .. " rejected lines for " .. (later and later.failures or "?") .. " attempts")
t:matches("the first line names the error and counts", h:log(),
  "event=reload result=rejected trigger=watch file=[^ ]*/rules error=\"[^\"]*Not a directory\" " ..
  "serving=" .. rev0 .. " failures=1 ")
t:matches("a repeat says how often", h:log(), "event=reload result=rejected trigger=retry .* repeated=%d+")

-- 2. The operator asks for a reload meanwhile: tried at once, still failing (422).
local st, _, j = h:post("/api/v1/rules/reload", admin)
t:eq("a reload over the API is tried and fails", 422, st)
t:ok(j and j.failures and later and later.failures and j.failures > later.failures, "and counts as another failure",
  j and j.failures)

-- 3. The directory is back: the next retry succeeds without another edit.
os.remove(data .. "/rules")
t:ok(os.rename(data .. "/rules.bak", data .. "/rules"), "DATA/rules put back")
local ok = H.wait(20, function()
  local s = status()
  if s and s.last_attempt and s.last_attempt.ok and s.revision ~= rev0 then return s end
end)
t:ok(ok ~= nil, "a retry succeeds once the directory is back")
t:eq("the count is reset", 0, ok and ok.failures)
t:ok(ok and L.isnull(ok.next_retry), "no retry is pending")
t:eq("the retry made the swap", "retry", ok and ok.last_attempt.trigger)
t:matches("the recovery is logged with the count", h:log(),
  "event=reload result=recovered trigger=retry failures=%d+")
t:matches("the edited weight is live", h:log(), "event=rules change=\"mon_guide %[dept%]: points 7 → 9\" kind=points")
local after = rejected()
H.sleep(0.5)
t:eq("no more rejections after the recovery", after, rejected())

-- 4. A rule error is not retried: the same files would fail the same way; the next save is
-- tried at once.
local basic = ws .. "/rules/basic.lua"
local good = L.slurp(basic)
H.save_by_rename(basic, good .. "\nlocal x = = 1\n")
local bad = H.wait(10, function()
  local s = status()
  if s and s.failures == 1 then return s end
end)
t:ok(bad ~= nil, "a syntax error counts as a failure")
t:ok(bad and L.isnull(bad.next_retry), "and waits for the next save: no retry is due",
  bad and tostring(bad.next_retry))
H.sleep(0.5)
t:eq("no retry runs for it", 1, status().failures)
H.save_by_rename(basic, good)
local fixed = H.wait(10, function()
  local s = status()
  if s and s.failures == 0 and s.last_attempt.ok then return s end
end)
t:ok(fixed ~= nil, "the fixed file is accepted and resets the count")
H.finish(t, h)
