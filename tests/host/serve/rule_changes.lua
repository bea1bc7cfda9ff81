-- rule_changes.lua — what a rule edit leaves on record, and what health says about rules that
-- do not load (issue 17 §1, §5), on the real host:
--   1. a save that changes a threshold and replaces one indicator by another is one swap: GET
--      /rules/changes and the audit log's rules.swap entry list each change in words, and name
--      the file's owner as the author (the directory is no git work tree);
--   2. a save with a missing comma: the old rules keep serving, /healthz says "degraded" (200,
--      rules_errors 1), /metrics pinggu_rules_load_errors{year="2021"} 1, and the failure is
--      audited (rules.reload_failed) with its file:line and the hint naming the line;
--   3. the directory becomes a git work tree and the fix is committed: the swap names the
--      commit's author; /healthz is "ok" again.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
-- a debounce long enough for the test's `git commit` to finish before the reload reads the
-- files (3.): the commit follows the save by a few milliseconds
local t, h, tok, ws = H.setup("serve.rule_changes", '"reload": { "debounce_ms": 1500, "rescan_ms": 60000 }, ')
local admin = tok.admin
local me = L.run("id -un"):gsub("%s+$", "")
local file = ws .. "/rules/monitoring.lua"

local function status()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  return s
end
local function metric(text, name)
  return tonumber((text or ""):match("\n" .. L.pattern(name) .. " ([%d%.]+)"))
end

local st0 = status()
local rev0 = st0 and st0.revision
local code, _, hz = h:get("/healthz")
t:eq("/healthz is ok at start", "ok", hz and hz.status)
t:eq("… with no rule errors", 0, hz and hz.rules_errors)
local _, m0 = h:get("/metrics", admin)
t:eq("pinggu_rules_load_errors is 0", 0, metric(m0, 'pinggu_rules_load_errors{year="2021"}'))
local _, _, none = h:get("/api/v1/rules/changes", admin)
t:eq("no changes yet", 0, none and #none.entries)
t:eq("… for the year served", 2021, none and none.year)

-- 1. A threshold and an indicator replaced by another (same points: the sums still add up).
local text = L.slurp(file)
local edited, n1 = text:gsub('(indicator "mon_full_online" {.-method = linear { lo = 0%.5, hi = )0%.95 }', "%10.9 }", 1)
local n2
edited, n2 = edited:gsub('indicator "mon_zero_proof"', 'indicator "mon_proof_free"', 1)
t:ok(n1 == 1 and n2 == 1, "the test found the threshold and the indicator to edit")
H.save_by_rename(file, edited)
local st1 = H.wait(20, function()
  local s = status()
  if s and s.revision ~= rev0 then return s end
end)
t:ok(st1, "the edit is swapped in")

local code1, _, ch = h:get("/api/v1/rules/changes", admin)
t:eq("GET /rules/changes", 200, code1)
local e = ch and ch.entries and ch.entries[1]
t:eq("one entry", 1, ch and #ch.entries)
t:eq("… the swap", "rules.swap", e and e.action)
t:eq("… by the file's owner", "file-owner:" .. me, e and e.actor)
t:eq("… seen by the watcher", "watch", e and e.trigger)
t:eq("… from the old revision", rev0, e and e.revision_before)
t:eq("… to the new", st1 and st1.revision, e and e.revision)
local by = {}
for _, c in ipairs(e and e.changes or {}) do by[c.kind .. " " .. c.id] = c end
t:eq("the threshold, in words", "mon_full_online: method linear hi 0.95 → 0.9",
  by["method mon_full_online"] and by["method mon_full_online"].text)
t:ok(by["indicator.added mon_proof_free"], "the added indicator", e and #e.changes)
t:eq("the retired indicator", "mon_zero_proof (证明事项免提交比例) retired from mon_channel",
  by["indicator.retired mon_zero_proof"] and by["indicator.retired mon_zero_proof"].text)
t:eq("three changes", 3, e and #e.changes)
local _, _, ch21 = h:get("/api/v1/rules/changes?year=2021", admin)
t:eq("?year=2021 is the same", 1, ch21 and ch21.entries and #ch21.entries)
t:eq("a year not served: 404", 404, (h:get("/api/v1/rules/changes?year=2030", admin)))
t:eq("staff only: a unit gets 403", 403, (h:get("/api/v1/rules/changes", tok.lufeng)))
t:eq("an evaluator may read it", 200, (h:get("/api/v1/rules/changes", tok.evaluator)))

local _, _, swaps = h:get("/api/v1/audit?action=rules.swap&object=rules/2021", admin)
local sw = swaps and swaps[1]
t:eq("the audit log has the swap", 1, swaps and #swaps)
t:eq("… its actor", "file-owner:" .. me, sw and sw.actor)
t:eq("… and its changes", 3, sw and sw.after.changes and #sw.after.changes)
t:matches("each change is logged", h:log(),
  'event=rules change="mon_full_online: method linear hi 0%.95 → 0%.9" kind=method')

-- 2. A missing comma: the file does not load.
local good = L.slurp(file)
local cut = good:find('indicator "mon_proof_free"', 1, true)
local points_at = good:find("points = 5,\n", cut, true)
local line = select(2, good:sub(1, points_at):gsub("\n", "")) + 1 -- the line losing its comma
local broken = good:sub(1, points_at - 1) .. "points = 5\n" .. good:sub(points_at + #"points = 5,\n")
H.save_by_rename(file, broken)
local st2 = H.wait(20, function()
  local s = status()
  if s and s.last_attempt and not s.last_attempt.ok then return s end
end)
t:ok(st2, "the failed attempt shows in the status")
t:eq("the last good revision still serves", st1 and st1.revision, st2 and st2.revision)
local code2, _, hz2 = h:get("/healthz")
t:eq("/healthz still answers 200: the last good set serves", 200, code2)
t:eq("… degraded", "degraded", hz2 and hz2.status)
t:eq("… with one rule error", 1, hz2 and hz2.rules_errors)
local _, m2 = h:get("/metrics", admin)
t:eq("pinggu_rules_load_errors{year=\"2021\"} is 1", 1, metric(m2, 'pinggu_rules_load_errors{year="2021"}'))
local err = st2 and st2.last_attempt.errors[1]
t:eq("the error's file", file, err and err.file)
t:eq("the error's line: the next field's", line + 1, err and err.line)
t:contains("the hint names the line without its comma", err and err.message,
  "hint: a ',' may be missing at the end of line " .. line)

local _, _, ch2 = h:get("/api/v1/rules/changes", admin)
local f = ch2 and ch2.entries and ch2.entries[1]
t:eq("the failure is the newest entry", "rules.reload_failed", f and f.action)
t:eq("… by the file's owner", "file-owner:" .. me, f and f.actor)
t:eq("… its error's file", file, f and f.errors and f.errors[1] and f.errors[1].file)
t:eq("… and line", line + 1, f and f.errors and f.errors[1] and f.errors[1].line)
t:eq("… one error in all", 1, f and f.total)
local _, _, fails = h:get("/api/v1/audit?action=rules.reload_failed", admin)
t:eq("the audit log has the failure", 1, fails and #fails)
t:eq("… on the year's rules", "rules/2021", fails and fails[1] and fails[1].object)

-- 3. The directory becomes a git work tree; the fix (with one more threshold) is committed by
-- Alice.
local git = "git -C " .. L.quote(ws .. "/rules") .. " -c user.name=Setup -c user.email=setup@example.org "
local _, gerr, gcode = L.run(git .. "init -q && " .. git .. "add -A && " .. git .. "commit -q -m start")
if gcode ~= 0 then
  t:ok(false, "git init and commit", gerr)
else
  local fixed = good:gsub('(indicator "mon_full_online" {.-method = linear { lo = )0%.5,', "%10.55,", 1)
  H.save_by_rename(file, fixed)
  local _, cerr, ccode = L.run(git .. "commit -q -a -m 'mon_full_online: lo 0.55' --author='Alice <alice@example.org>'")
  t:eq("the fix is committed", 0, ccode, cerr)
  local st3 = H.wait(20, function()
    local s = status()
    if s and s.last_attempt and s.last_attempt.ok and s.revision ~= st1.revision then return s end
  end)
  t:ok(st3, "the fix is swapped in")
  local _, _, ch3 = h:get("/api/v1/rules/changes", admin)
  local g = ch3 and ch3.entries and ch3.entries[1]
  t:eq("the swap names the commit's author", "git:Alice <alice@example.org>", g and g.actor)
  t:eq("… and its change", "mon_full_online: method linear lo 0.5 → 0.55",
    g and g.changes and g.changes[1] and g.changes[1].text)
  t:eq("three entries, newest first", "rules.swap rules.reload_failed rules.swap",
    ch3 and (ch3.entries[1].action .. " " .. ch3.entries[2].action .. " " .. ch3.entries[3].action))
  local _, _, hz3 = h:get("/healthz")
  t:eq("/healthz is ok again", "ok", hz3 and hz3.status)
  t:eq("… no rule errors", 0, hz3 and hz3.rules_errors)
end

H.finish(t, h)
