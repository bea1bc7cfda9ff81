-- job_deadline.lua — issue 13 §1: the job-wide deadline (job_deadline_ms). Every call of a
-- custom method stays under its own deadline (rule_call_deadline_ms 5000), but an evaluation
-- makes one call per unit: without a bound on the whole job, a method that spends its full
-- call deadline would hold a worker for minutes. With job_deadline_ms 150 the method loops
-- forever, so only the job's deadline can end the evaluation: its rows are errors whose note
-- names that deadline, and no worker counts as stuck.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local t, h, tok, ws = H.setup("serve.job_deadline",
  '"reload": { "debounce_ms": 50, "rescan_ms": 500 }, ' ..
  '"rule_call_deadline_ms": 5000, "job_deadline_ms": 150, ')
local admin = tok.admin
local path = "/api/v1/rankings/monthly/2021-05?group=dept"

local function ranking()
  local st, _, j = h:get(path, admin)
  if st ~= 200 or not j then return nil end
  return j.ruleset.revision
end

local function row(unit, id)
  local _, _, j = h:get("/api/v1/results/monthly/2021-05/" .. unit, admin)
  for _, r in ipairs(j and j.units and j.units[1] and j.units[1].indicators or {}) do
    if r.id == id then return r end
  end
end

local rev0 = ranking()
t:ok(rev0 ~= nil, "the first ranking is served under the job deadline")
-- A budget no 150 ms can spend, and mon_guide's method looping forever for every unit.
local rs_file = ws .. "/rules/ruleset.lua"
local rs_text, nb = L.slurp(rs_file):gsub("budget = { instructions = 1e6,",
  "budget = { instructions = 2e9,", 1)
t:eq("the test raised the rule set's instruction budget", 1, nb)
L.write(rs_file, rs_text)
local file = ws .. "/rules/monitoring.lua"
local custom, n = L.slurp(file):gsub(
  "method = steps { { 0%.98, 1 }, { 0%.95, 0%.85 }, { 0%.9, 0%.7 }, { 0%.8, 0%.4 }, otherwise = 0 },",
  "method = function(v) while true do end end,", 1)
t:eq("the test found mon_guide's method", 1, n)
H.save_by_rename(file, custom)
local rev1 = H.wait(60, function()
  local r = ranking()
  if r and r ~= rev0 then return r end
end)
t:ok(rev1 ~= nil, "the evaluation ends: the ranking of the new revision is served")
for _, unit in ipairs { "lufeng", "chengqu" } do
  local r = row(unit, "mon_guide")
  t:eq(unit .. ": mon_guide is an error", "error", r and r.status)
  t:contains(unit .. ": its note names the job's deadline", r and r.note,
    "the job's deadline exceeded (150 ms)")
end
local st, _, hz = h:get("/healthz")
t:eq("no worker is stuck: rule code stopped at the deadline", 200, st)
t:eq("…workers_stuck 0", 0, hz and hz.workers_stuck)
H.finish(t, h)
