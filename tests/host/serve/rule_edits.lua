-- rule_edits.lua — rule edits through the API the dashboard uses (issue 17 §4), on the real host:
--   1. an evaluator changes the monthly weights with effective = "2021-07": the Lua files on disk
--      change by exactly those literals (and one added line in ruleset.lua), comments and layout
--      kept; the swap is audited as that evaluator's (rules.swap, trigger "edit"), with a
--      rules.edit entry naming the lines; July's ranking moves, June's does not;
--   2. an edit made against rules that have changed since is refused (409), files untouched;
--   3. a value the rules refuse (the parts no longer reach the scheme's max) is refused (422)
--      with the loader's file:line, nothing written; a literal computed by an expression is
--      refused at its line, saying to edit the file;
--   4. the preview takes the same edit as JSON and answers who moves, nothing applied;
--   5. two-person mode (rule_edits.approval = "two_person"): an edit is a pending proposal, the
--      files untouched; its author cannot approve it (403); it survives a restart; another
--      evaluator approves it and it goes live, audited (proposed, approved by whom, the swap by
--      its author); a withdrawn one and a rejected one are recorded; one made against files
--      that changed meanwhile is refused as stale (409).
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("serve.rule_edits")
local ws = H.workspace(root)
local rules = ws .. "/rules"

-- tokens: the usual four and a second evaluator
local extra_tok
local function make_config(extra)
  local tok, cfg = H.tokens(bin, ws, extra)
  local errf = ws .. "/token2.err"
  local p = io.popen(L.quote(bin) .. " token --role evaluator --name carol 2>" .. L.quote(errf))
  extra_tok = p:read("l")
  p:close()
  local text = L.slurp(cfg)
  text = text:gsub("%] }\n$", ",\n" .. L.slurp(errf):gsub("%s+$", "") .. "] }\n")
  L.write(cfg, text)
  tok.carol = extra_tok
  return tok, cfg
end

local tok, cfg = make_config('"reload": { "debounce_ms": 50, "rescan_ms": 500 }, ')
local function start()
  local h, why = H.start { bin = bin, rules = rules, data = ws .. "/data", config = cfg, tokens = tok }
  if not h then
    print("FAIL the host did not start: " .. why)
    os.exit(1)
  end
  return h
end
local h = start()
local admin, ev = tok.admin, tok.evaluator

local function status()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  return s
end
local function ranking(period)
  local _, _, j = h:get("/api/v1/rankings/monthly/" .. period, admin)
  return j
end
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
  return n > 0 and bad == 0, n
end
local function lines(text)
  local v = {}
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do v[#v + 1] = l end
  return v
end
-- The lines that differ between two texts of the same length in lines.
local function changed(a, b)
  local la, lb, out = lines(a), lines(b), {}
  if #la ~= #lb then return nil end
  for i = 1, #la do if la[i] ~= lb[i] then out[#out + 1] = i end end
  return out
end
local function snapshot()
  local s = {}
  for _, f in ipairs { "schemes.lua", "ruleset.lua", "monitoring.lua" } do s[f] = L.slurp(rules .. "/" .. f) end
  return s
end

-- warm the cache so that the swap re-scores
local june0, july0 = ranking("2021-06"), ranking("2021-07")
t:ok(weighted(july0, 0.8, 0.2), "July is scored 0.8 / 0.2 at first")
local st0 = status()
local before = snapshot()

-- 1. An evaluator's edit with an effective month.
local edit = { base = st0.content, effective = "2021-07", changes = {
  { scheme = "monthly", part = "monitoring", weight = 0.6 },
  { scheme = "monthly", part = "platforms", weight = 0.4 } } }
local code, body, w = h:post("/api/v1/rules/edits", ev, cjson.encode(edit))
t:eq("POST /rules/edits by an evaluator", 200, code, body)
t:eq("… swapped", true, w and w.swapped)
t:eq("… by the evaluator", "evaluator:evaluator", w and w.author)
t:eq("… two changes in words", 2, w and w.changes and #w.changes)
local after = snapshot()
local sc = changed(before["schemes.lua"], after["schemes.lua"])
t:eq("schemes.lua: two lines changed", 2, sc and #sc)
local bl, al = lines(before["schemes.lua"]), lines(after["schemes.lua"])
t:eq("… the monitoring weight alone", bl[sc and sc[1] or 1]:gsub("0%.8", "0.6"), al[sc and sc[1] or 1])
t:eq("… the platforms weight alone", bl[sc and sc[2] or 1]:gsub("0%.2", "0.4"), al[sc and sc[2] or 1])
t:eq("monitoring.lua untouched", before["monitoring.lua"], after["monitoring.lua"])
local rb, ra = lines(before["ruleset.lua"]), lines(after["ruleset.lua"])
t:eq("ruleset.lua: one line added", #rb + 1, #ra)
local added
for i = 1, #ra do if ra[i] ~= rb[i] then added = ra[i]; break end end
t:eq("… the effective month, indented like year", '  effective = "2021-07",', added)
t:ok(not L.run("ls -a " .. L.quote(rules)):find("pinggu%-edit"), "no temporary file left")
local st1 = H.wait(10, function()
  local s = status()
  if s and s.content ~= st0.content then return s end
end)
t:eq("the rules served are the files written", L.run(L.quote(bin) .. " check " .. L.quote(rules) .. " >/dev/null 2>&1; echo $?"):match("%d"), "0")
t:eq("rules/status effective", "2021-07", st1 and st1.effective)

local _, _, swaps = h:get("/api/v1/audit?action=rules.swap&object=rules/2021", admin)
t:eq("the swap is audited", 1, swaps and #swaps)
t:eq("… with the evaluator as author, not rules:watch", "evaluator:evaluator", swaps and swaps[1] and swaps[1].actor)
t:eq("… triggered by the edit", "edit", swaps and swaps[1] and swaps[1].after.trigger)
local _, _, edits = h:get("/api/v1/audit?action=rules.edit", admin)
local e1 = edits and edits[1]
t:eq("rules.edit is audited", "evaluator:evaluator", e1 and e1.actor)
t:eq("… naming the files written", 2, e1 and e1.after.written and #e1.after.written)

local july1 = H.wait(20, function()
  local j = ranking("2021-07")
  if weighted(j, 0.6, 0.4) then return j end
end)
t:ok(july1, "July's ranking moves to the new weights")
local june1 = ranking("2021-06")
t:ok(weighted(june1, 0.8, 0.2), "June keeps the old weights")
t:eq("… and its revision", june0 and june0.revision, june1 and june1.revision)

-- 2. A stale edit: made against the first rules.
local snap1 = snapshot()
local stale = { base = st0.content, changes = { { indicator = "mon_full_online", param = "hi", value = 0.9 } } }
local c2, b2 = h:post("/api/v1/rules/edits", ev, cjson.encode(stale))
t:eq("an edit against rules changed since: 409", 409, c2, b2)
t:eq("… nothing written", snap1["monitoring.lua"], L.slurp(rules .. "/monitoring.lua"))

-- 3. A value that does not load; an expression.
local bad = { base = st1.content, changes = { { scheme = "monthly", part = "monitoring", weight = 0.9 } } }
local c3, b3, j3 = h:post("/api/v1/rules/edits", ev, cjson.encode(bad))
t:eq("a weight the parts cannot reach: 422", 422, c3, b3)
local err3 = j3 and j3.error and j3.error.errors and j3.error.errors[1]
t:eq("… at the scheme's file", rules .. "/schemes.lua", err3 and err3.file)
t:contains("… saying why", err3 and err3.message, "reach")
t:eq("… nothing written", snap1["schemes.lua"], L.slurp(rules .. "/schemes.lua"))
t:eq("… the same rules served", st1.content, status().content)
-- a literal computed by an expression: made so in the file, then edited through the API
local mon = L.slurp(rules .. "/monitoring.lua")
local exprd, nsub = mon:gsub("points = { dept = 10, county = 8 },", "points = { dept = 5 + 5, county = 8 },", 1)
t:eq("the test made the points an expression", 1, nsub)
H.save_by_rename(rules .. "/monitoring.lua", exprd)
local st2 = H.wait(20, function()
  local s = status()
  if s and s.content ~= st1.content then return s end
end)
local c4, b4, j4 = h:post("/api/v1/rules/edits", ev, cjson.encode { base = st2 and st2.content,
  changes = { { indicator = "mon_full_online", points = { dept = 12 } } } })
t:eq("points computed by an expression: 422", 422, c4, b4)
local err4 = j4 and j4.error and j4.error.errors and j4.error.errors[1]
t:contains("… saying to edit the file", err4 and err4.message, "edit the file")
t:eq("… at the line of the expression", rules .. "/monitoring.lua", err4 and err4.file)
t:eq("… nothing written", exprd, L.slurp(rules .. "/monitoring.lua"))

-- 4. The preview of an edit as JSON.
local c5, b5, pv = h:post("/api/v1/rules/preview?scheme=monthly&period=2021-07", ev,
  cjson.encode { changes = { { scheme = "monthly", part = "monitoring", weight = 0.5 },
    { scheme = "monthly", part = "platforms", weight = 0.5 } } })
t:eq("preview of a JSON edit", 200, c5, b5)
t:ok(pv and pv.summary and pv.summary.units > 0, "… the units compared")
t:ok(pv and pv.summary and pv.summary.total_changes > 0, "… totals that move", b5)
t:eq("… nothing applied", exprd, L.slurp(rules .. "/monitoring.lua"))
local c6 = h:post("/api/v1/rules/preview?scheme=monthly&period=2021-07", ev,
  cjson.encode { changes = { { indicator = "nope", param = "hi", value = 0.7 } } })
t:eq("… an unknown indicator: 404", 404, c6)

t:eq("a unit may not edit rules", 403, (h:post("/api/v1/rules/edits", tok.lufeng, cjson.encode(edit))))
h:stop()

-- 5. Two-person mode.
tok, cfg = make_config('"reload": { "debounce_ms": 50, "rescan_ms": 500 }, "rule_edits": { "approval": "two_person" }, ')
h = start()
local carol = tok.carol
ev, admin = tok.evaluator, tok.admin
local st3 = status()
local snap3 = snapshot()
local prop = { base = st3.content, changes = { { indicator = "mon_full_online", param = "hi", value = 0.9 } } }
local c7, b7, p7 = h:post("/api/v1/rules/edits", ev, cjson.encode(prop))
t:eq("two-person: the edit is a proposal", 202, c7, b7)
local id = p7 and p7.proposal and p7.proposal.id or 0
t:eq("… pending", "pending", p7 and p7.proposal.state)
t:eq("… its change in words", "mon_full_online: method linear hi 0.95 → 0.9",
  p7 and p7.proposal.changes[1] and p7.proposal.changes[1].text)
t:eq("… nothing written yet", snap3["monitoring.lua"], L.slurp(rules .. "/monitoring.lua"))
local c8, b8 = h:post("/api/v1/rules/proposals/" .. string.format("%d", id) .. "/approve", ev)
t:eq("its author cannot approve it", 403, c8, b8)
local c8r = h:post("/api/v1/rules/proposals/" .. string.format("%d", id) .. "/reject", ev)
t:eq("… nor reject it (withdraw instead)", 403, c8r)
h:stop()
h = start()
local _, _, list = h:get("/api/v1/rules/proposals?state=pending", carol)
t:eq("the proposal survives a restart", id, list and list.proposals[1] and list.proposals[1].id)
t:eq("… two-person mode says so", "two_person", list and list.approval)
local c9, b9, a9 = h:post("/api/v1/rules/proposals/" .. string.format("%d", id) .. "/approve", carol)
t:eq("another evaluator approves it", 200, c9, b9)
t:eq("… swapped", true, a9 and a9.swapped)
t:eq("… the author is the proposer", "evaluator:evaluator", a9 and a9.author)
t:eq("… approved by carol", "evaluator:carol", a9 and a9.approved_by)
local mon2 = L.slurp(rules .. "/monitoring.lua")
local mc = changed(snap3["monitoring.lua"], mon2)
t:eq("… one line of monitoring.lua written", 1, mc and #mc)
t:contains("… the threshold", lines(mon2)[mc and mc[1] or 1], "hi = 0.9 }")
local c10 = h:post("/api/v1/rules/proposals/" .. string.format("%d", id) .. "/approve", carol)
t:eq("approved once only", 409, c10)
local _, _, sw = h:get("/api/v1/audit?action=rules.swap&object=rules/2021", admin)
local last = sw and sw[#sw] -- oldest first: the newest is the approval's
t:eq("the swap names the proposer", "evaluator:evaluator", last and last.actor)
t:eq("… triggered by the approval", "approval", last and last.after.trigger)
t:contains("… its change in words", last and last.after.changes[1].text, "hi 0.95 → 0.9")
local _, _, prp = h:get("/api/v1/audit?action=rules.proposed", admin)
t:eq("rules.proposed by the author", "evaluator:evaluator", prp and prp[1] and prp[1].actor)
local _, _, apr = h:get("/api/v1/audit?action=rules.approved", admin)
t:eq("rules.approved by carol", "evaluator:carol", apr and apr[1] and apr[1].actor)
t:eq("… of the proposal", "rules/2021/proposals/" .. string.format("%d", id), apr and apr[1] and apr[1].object)

-- withdrawn, rejected, stale
local st4 = status()
local function propose(value)
  local _, _, p = h:post("/api/v1/rules/edits", ev, cjson.encode { base = st4.content,
    changes = { { indicator = "mon_full_online", param = "lo", value = value } } })
  return p and p.proposal and p.proposal.id
end
local w1, r1, s1 = propose(0.45), propose(0.4), propose(0.35)
t:ok(w1 and r1 and s1, "three more proposals")
w1, r1, s1 = w1 or 0, r1 or 0, s1 or 0
t:eq("carol cannot withdraw another's", 403, (h:post("/api/v1/rules/proposals/" .. string.format("%d", w1) .. "/withdraw", carol)))
t:eq("the author withdraws", 200, (h:post("/api/v1/rules/proposals/" .. string.format("%d", w1) .. "/withdraw", ev)))
local c11, _, rj = h:post("/api/v1/rules/proposals/" .. string.format("%d", r1) .. "/reject", carol, cjson.encode { note = "阈值不宜再降" })
t:eq("carol rejects one", 200, c11)
t:eq("… with her note", "阈值不宜再降", rj and rj.proposal and rj.proposal.note)
-- the files change (an edit saved in an editor): the last proposal is stale
H.save_by_rename(rules .. "/monitoring.lua", mon2:gsub("lo = 0%.5, hi = 0%.9 }", "lo = 0.55, hi = 0.9 }", 1))
H.wait(20, function()
  local s = status()
  return s and s.content ~= st4.content
end)
local _, _, l2 = h:get("/api/v1/rules/proposals?state=pending", carol)
t:eq("the pending one shows stale", true, l2 and l2.proposals[1] and l2.proposals[1].stale)
local c12, b12 = h:post("/api/v1/rules/proposals/" .. string.format("%d", s1) .. "/approve", carol)
t:eq("approving a stale proposal: 409", 409, c12, b12)
local _, _, all = h:get("/api/v1/rules/proposals", admin)
local states = {}
for _, p in ipairs(all and all.proposals or {}) do states[p.id] = p.state end
t:eq("approved", "approved", states[id])
t:eq("withdrawn", "withdrawn", states[w1])
t:eq("rejected", "rejected", states[r1])
t:eq("stale", "stale", states[s1])
for _, action in ipairs { "rules.withdrawn", "rules.rejected", "rules.stale" } do
  local _, _, a = h:get("/api/v1/audit?action=" .. action, admin)
  t:eq(action .. " is audited", 1, a and #a)
end
H.finish(t, h)
