-- extends.lua — a year built on another (issue 17 §3): rules/shanwei-2022 extends ../shanwei-2021.
-- The host watches the parent's directory too: an edit of a 2021 file is a new revision of the
-- 2022 set, reloaded without touching 2022's own files, and its swap is audited with the warning
-- that the change came from the parent. A 2022 bulletin published before the edit is unchanged
-- (its snapshot holds the parent's files as they were), while the live 2022 ranking follows.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("serve.extends")

local ws = L.tmpdir()
os.execute("mkdir -p " .. L.quote(ws .. "/rules") .. " " .. L.quote(ws .. "/data"))
for _, y in ipairs { "2021", "2022" } do
  os.execute("cp -a " .. L.quote(root .. "/rules/shanwei-" .. y) .. " " .. L.quote(ws .. "/rules/"))
end
for _, m in ipairs { "05", "06" } do
  local text = L.slurp(root .. "/rules/shanwei-2021/sample/2021-" .. m .. ".csv")
  L.write(ws .. "/data/2022-" .. m .. ".csv", (text:gsub(",2021%-", ",2022-")))
end
local tok, cfg = H.tokens(bin, ws, '"reload": { "debounce_ms": 50, "rescan_ms": 500 }, ')
local r21, r22 = ws .. "/rules/shanwei-2021", ws .. "/rules/shanwei-2022"
local h, why = H.start { bin = bin, rules = r21 .. "," .. r22, data = ws .. "/data", config = cfg }
if not h then
  print("FAIL the host did not start: " .. why)
  os.exit(1)
end
local admin = tok.admin

local function totals(j)
  local out = {}
  for _, g in ipairs(j and j.groups or {}) do
    for _, r in ipairs(g.ranking) do out[r.unit] = r.total end
  end
  return out
end

local st, body, j0 = h:get("/api/v1/rankings/monthly/2022-05", admin)
t:eq("2022-05 is served by the 2022 set", 200, st, body)
t:eq("… which is shanwei-2022", "shanwei-2022", j0 and j0.ruleset.id)
local _, _, j06 = h:get("/api/v1/rankings/monthly/2022-06", admin)
local before = totals(j06)

st, body = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2022-05"}')
t:eq("2022-05 is published", 201, st, body)
local _, _, b0 = h:get("/api/v1/bulletins/monthly/2022-05", admin)
t:ok(b0, "the bulletin reads back")

-- Edit a 2021 file only: a step of the guide accuracy, 95 % → 85 % of the points becomes 80 %
-- (a rule 2022 inherits; the sample has units at 0.95).
local file = r21 .. "/monitoring.lua"
local src = L.slurp(file)
local edited, n = src:gsub("{ 0%.95, 0%.85 }", "{ 0.95, 0.8 }", 1)
t:eq("the test found the 2021 step to edit", 1, n)
local own22 = L.run("cat " .. L.quote(r22) .. "/*.lua | md5sum")
H.save_by_rename(file, edited)

local j1 = H.wait(30, function()
  local s, _, j = h:get("/api/v1/rankings/monthly/2022-05", admin)
  if s == 200 and j.ruleset.revision ~= j0.ruleset.revision then return j end
end)
t:ok(j1, "the 2022 set is reloaded after an edit of its parent's file")
t:eq("… none of 2022's own files changed", own22, L.run("cat " .. L.quote(r22) .. "/*.lua | md5sum"))
-- 2022-06 was cached: until its re-score under the new set lands, a read is answered from the
-- old outcome, which names the old revision and says so (X-Pinggu-Outdated: rules); wait for
-- the new one. Every read on the way must be one or the other, never old without the word.
local function read_with_head(path)
  local out = L.run(("curl -s -i -H %s %s"):format(L.quote("Authorization: Bearer " .. admin),
    L.quote("http://127.0.0.1:" .. h.port .. path)))
  local head, body = out:match("^(.-)\r\n\r\n(.*)$")
  local ok, j = pcall(cjson.decode, body or "")
  return head or "", ok and j or nil
end
local old_reads, mislabelled = 0, {}
local j06b = H.wait(30, function()
  local head, j = read_with_head("/api/v1/rankings/monthly/2022-06")
  if not (j and j.ruleset and j1) then return nil end
  local outdated = head:match("\r\n[Xx]%-[Pp]inggu%-[Oo]utdated: (%a+)")
  if j.ruleset.revision == j1.ruleset.revision then
    if outdated then mislabelled[#mislabelled + 1] = "new revision marked " .. outdated end
    return j
  end
  old_reads = old_reads + 1
  if outdated ~= "rules" then mislabelled[#mislabelled + 1] = "old revision marked " .. tostring(outdated) end
end)
t:ok(j06b, "2022-06 is re-scored under the new 2022 set")
print(("extends: %d reads of 2022-06 answered from the old revision"):format(old_reads))
t:eq("… each read of it before was marked X-Pinggu-Outdated: rules, and none after (" ..
  old_reads .. " old reads)", "", table.concat(mislabelled, "; "))
local after, moved = totals(j06b), 0
for u, v in pairs(after) do
  if before[u] and math.abs(before[u] - v) > 1e-9 then moved = moved + 1 end
end
t:ok(moved > 0, "the live 2022-06 ranking follows the parent's change", moved)

local _, _, audit = h:get("/api/v1/audit?action=rules.swap&object=rules/2022", admin)
local warned, threshold
for _, entry in ipairs(audit and (audit.entries or audit) or {}) do
  local a = type(entry.after) == "table" and entry.after or cjson.decode(entry.after)
  for _, c in ipairs(a and a.changes or {}) do
    if c.kind == "extends.changed" then warned = c.text end
    if c.id == "mon_guide" then threshold = c.text end
  end
end
t:contains("the swap is audited with the warning that the parent changed", warned,
  "warning: the rule set " .. r21 .. " builds on changed")
t:contains("… and the change itself, in words", threshold, "mon_guide")

local _, _, b1 = h:get("/api/v1/bulletins/monthly/2022-05", admin)
t:eq("the published 2022-05 bulletin is unchanged", cjson.encode(b0), cjson.encode(b1))
t:contains("… and names the rule revision it was published with", cjson.encode(b1 or {}),
  j0.ruleset.revision)

-- The parent broken: the child's reload fails, located in the parent's file; the old set serves.
H.save_by_rename(file, (edited:gsub("{ 0%.95, 0%.8 }", "{ 0.95, 0.8 }, bad", 1)))
local failed = H.wait(30, function()
  local _, _, s = h:get("/api/v1/rules/status?year=2022", admin)
  for _, set in ipairs(s and s.sets or { s }) do
    local a = set and set.last_attempt
    if set and set.directory == r22 and a and not a.ok then return a end
  end
end)
t:contains("a broken parent fails the child's reload at the parent's file:line",
  failed and failed.errors and failed.errors[1] and
  (failed.errors[1].file .. ":" .. failed.errors[1].line .. ": " .. failed.errors[1].message),
  r21 .. "/monitoring.lua:")
t:eq("… and the last good 2022 set keeps serving", 200, (h:get("/api/v1/rankings/monthly/2022-05", admin)))

H.finish(t, h)
