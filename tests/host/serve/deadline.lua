-- deadline.lua — issue 13 §1 under `pinggu serve`: rule code that would hold a worker forever
-- inside a library function (find with and without a pattern; sizes within the host's 32 MiB
-- memory ceiling, plain find, gsub, gmatch, rep,
-- format, concat) is ended at the configured wall-clock deadline.
--   * In a hot reload (the attack at a rule file's top level): the reload is rejected with the
--     deadline error at monitoring.lua:LINE, and the last good revision keeps serving.
--   * In a custom method (lufeng's mon_guide): the reload is accepted, lufeng's row is
--     "error" with the deadline error in its note, and the other units score.
-- The host answers other requests throughout. No timing is asserted: the deadlines are short
-- (rule_load_deadline_ms 1000, rule_call_deadline_ms 200) and every attack loops forever, so
-- the only way to an answer is the deadline.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local t, h, tok, ws = H.setup("serve.deadline",
  '"reload": { "debounce_ms": 50, "rescan_ms": 500 }, ' ..
  '"rule_load_deadline_ms": 1000, "rule_call_deadline_ms": 200, ')
local admin = tok.admin
local path = "/api/v1/rankings/monthly/2021-05?group=dept"

local attacks = {
  ["find-pattern"] = [[
local s, p = ('a'):rep(1e7), ('a'):rep(1e5) .. 'b'
while true do local x = s:find(p) end]],
  ["find-plain"] = [[
local s, p = ('a'):rep(1e7), ('a'):rep(5e6) .. 'b'
while true do local x = s:find(p, 1, true) end]],
  gsub = [[
local s, p = ('a'):rep(1e7), ('a'):rep(1e5) .. 'b'
while true do local x = s:gsub(p, 'x') end]],
  gmatch = [[
local s, p = ('a'):rep(1e7), ('a'):rep(1e5) .. 'b'
while true do for x in s:gmatch(p) do end end]],
  rep = [[
local s = ('a'):rep(1e6)
while true do local x = s:rep(4) end]],
  format = [[
local s = ('a'):rep(1e6)
while true do local x = ('%s%s%s%s'):format(s, s, s, s) end]],
  concat = [[
local base = {}
for i = 1, 1e5 do base[i] = 'a' end
local p = base
for _ = 1, 1900 do p = setmetatable({}, { __index = p }) end
while true do local x = table.concat(p, '', 1, 1e5) end]],
}
local names = {}
for name in pairs(attacks) do names[#names + 1] = name end
table.sort(names)

local function ranking()
  local st, _, j = h:get(path, admin)
  if st ~= 200 or not j then return nil end
  return j.ruleset.revision
end

local function status()
  local _, _, s = h:get("/api/v1/rules/status", admin)
  return s
end

-- The host answers while rule work is stuck: health, and the cached ranking.
local function still_answers(what)
  local st = h:get("/healthz")
  t:eq(what .. ": /healthz answers", 200, st)
  t:ok(ranking() ~= nil, what .. ": the ranking is served")
end

-- A per-call instruction budget far above what 200 ms can use, so that the deadline is what
-- ends the custom-method attacks (the matcher's steps count as instructions).
local rev_start = ranking()
local rs_file = ws .. "/rules/ruleset.lua"
local rs_text, nb = L.slurp(rs_file):gsub("budget = { instructions = 1e6,", "budget = { instructions = 2e9,", 1)
L.write(rs_file, rs_text)
local rev0 = H.wait(30, function()
  local r = ranking()
  if r and r ~= rev_start then return r end
end)
t:eq("the test raised the rule set's instruction budget", 1, nb)
t:ok(rev0 ~= nil, "the first ranking is served")
local file = ws .. "/rules/monitoring.lua"
local good = L.slurp(file)
local lines = select(2, good:gsub("\n", "")) + 1
for _, name in ipairs(names) do
  -- 1. At load, through a hot reload.
  H.save_by_rename(file, good .. "\n" .. attacks[name] .. "\n")
  H.wait(10, function() local x = status(); return x and x.reloading end)
  still_answers(name .. " at load")
  local s = H.wait(30, function()
    local x = status()
    if x and x.last_attempt and not x.last_attempt.ok and not x.reloading then return x end
  end)
  local e = s and s.last_attempt.errors and s.last_attempt.errors[1]
  -- gsub and gmatch count their matcher's steps as instructions: at this deadline the load's
  -- fixed budget (1e8) can run out first; either bound ends the load.
  local msg = e and e.message or ""
  if name == "gsub" or name == "gmatch" then
    t:ok(msg:find("deadline exceeded", 1, true) or msg:find("instruction budget exceeded", 1, true),
         name .. " at load: the reload fails with the deadline (or budget) error", msg)
  else
    t:contains(name .. " at load: the reload fails with the deadline error", msg,
               "deadline exceeded")
  end
  t:eq(name .. " at load: the error names monitoring.lua", ws .. "/rules/monitoring.lua",
       e and e.file)
  t:ok(e and e.line and e.line > lines, name .. " at load: at the attack's line",
       tostring(e and e.line))
  t:eq(name .. " at load: the last good revision still serves", rev0, ranking())
  H.save_by_rename(file, good)
  H.wait(30, function()
    local x = status()
    return x and x.last_attempt and x.last_attempt.ok and not x.reloading
  end)

  -- 2. In a custom method: lufeng's mon_guide runs the attack, the others score v.
  local body = attacks[name]:gsub("\n", "\n    ")
  local custom, n = good:gsub(
    "method = steps { { 0%.98, 1 }, { 0%.95, 0%.85 }, { 0%.9, 0%.7 }, { 0%.8, 0%.4 }, otherwise = 0 },",
    function()
      return "method = function(v, group, unit)\n  if unit.id == 'lufeng' then\n    " .. body ..
        "\n  end\n  return v\nend,"
    end, 1)
  t:eq("the test found mon_guide's method", 1, n)
  local rev_before = ranking()
  H.save_by_rename(file, custom)
  local rev1 = H.wait(60, function()
    local r = ranking()
    if r and r ~= rev_before then return r end
  end)
  t:ok(rev1 ~= nil, name .. " in a custom method: the reload is accepted")
  still_answers(name .. " in a custom method")
  local st, _, j = h:get("/api/v1/results/monthly/2021-05/lufeng", admin)
  t:eq(name .. " in a custom method: lufeng's results answer", 200, st)
  local row
  for _, r in ipairs(j and j.units and j.units[1] and j.units[1].indicators or {}) do
    if r.id == "mon_guide" then row = r end
  end
  t:eq(name .. " in a custom method: lufeng's row is an error", "error", row and row.status)
  t:contains(name .. " in a custom method: its note is the deadline error", row and row.note,
             "deadline exceeded")
  t:contains(name .. " in a custom method: at monitoring.lua", row and row.note, "monitoring.lua:")
  st, _, j = h:get("/api/v1/results/monthly/2021-05/chengqu", admin)
  local other
  for _, r in ipairs(j and j.units and j.units[1] and j.units[1].indicators or {}) do
    if r.id == "mon_guide" then other = r end
  end
  t:eq(name .. " in a custom method: another unit's row scores", "ok", other and other.status)
  H.save_by_rename(file, good)
  H.wait(60, function() return ranking() == rev0 end)
end

t:eq("back to the first revision at the end", rev0, ranking())
H.finish(t, h)
