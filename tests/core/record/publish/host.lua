-- host.lua — bulletins over HTTP on the real host: POST /api/v1/bulletins by staff only, the
-- GETs per role (a viewer sees rankings and no breakdown, a unit its own unit only, staff
-- everything), bodies from the frozen result while the served rules change, a correction after a
-- reload, the runs the host records, and every bulletin still there after a restart.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "../../../host/serve/host.lua")
local L = H.L
local cjson = require "cjson"
local t, h, tok, ws = H.setup("publish.host")
local bin = L.args()

local body = '{"scheme":"monthly","period":"2021-05"}'
local st, text, j = h:post("/api/v1/bulletins", tok.viewer, body)
t:eq("a viewer may not publish", 403, st, text)
st, text = h:post("/api/v1/bulletins", tok.lufeng, body)
t:eq("nor a unit", 403, st, text)
st, text = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly"}')
t:eq("a body without a period", 400, st, text)
st, text = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"nope","period":"2021-05"}')
t:eq("an unknown scheme", 404, st, text)
st, text = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021"}')
t:eq("a year for a monthly scheme", 400, st, text)

st, text, j = h:post("/api/v1/bulletins", tok.evaluator, body)
t:eq("an evaluator publishes", 201, st, text)
local b1 = j and j.bulletin or {}
t:eq("revision 1", 1, b1.revision)
t:eq("of", "2021-05", b1.period)
t:eq("published by the token", "evaluator:evaluator", b1.published_by)
t:ok(type(b1.rules_revision) == "string" and #b1.rules_revision == 64, "names the rule snapshot")
t:ok(L.slurp(ws .. "/data/rules/" .. tostring(b1.rules_revision) .. "/schemes.lua") ~= nil,
  "which is on disk")
t:ok(j and j.documents and L.slurp(j.documents .. "/monthly-2021-05.html") ~= nil,
  "the final documents are written", text)

st, text = h:post("/api/v1/bulletins", tok.evaluator, body)
t:eq("again without a reason", 400, st, text)
t:contains("says a reason is needed", text, "needs a reason")
st, text = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-05","reason":"x"}')
t:eq("again with the same numbers", 409, st, text)

-- the list and one bulletin, by role
st, text, j = h:get("/api/v1/bulletins", tok.viewer)
t:eq("a viewer lists bulletins", 200, st, text)
t:eq("one", 1, j and #j.bulletins)
local row = j and j.bulletins[1] or {}
for _, k in ipairs { "id", "scheme", "period", "revision", "run", "rules_revision", "published_by",
  "published_at" } do
  t:ok(row[k] ~= nil and row[k] ~= L.null, "the list has " .. k)
end
st, text, j = h:get("/api/v1/bulletins?period=2021-04", tok.viewer)
t:eq("filtered by period", 0, j and #j.bulletins)

local function view(token, path)
  local s, x, v = h:get(path or "/api/v1/bulletins/monthly/2021-05", token)
  return s, x, v
end
st, text, j = view(tok.viewer)
t:eq("a viewer reads the bulletin", 200, st, text)
t:ok(j and j.result and j.result.groups and #j.result.groups[1].ranking > 0, "with the rankings")
t:ok(j and j.result and j.result.units == nil, "and no breakdown")
t:eq("its revisions", 1, j and #j.revisions)
t:eq("the bulletin", 1, j and j.bulletin.revision)
st, text, j = view(tok.lufeng)
t:eq("a unit reads the bulletin", 200, st, text)
t:eq("with one breakdown", 1, j and j.result.units and #j.result.units)
t:eq("its own", "lufeng", j and j.result.units and j.result.units[1] and j.result.units[1].unit)
t:ok(j and #j.result.groups > 0, "and the rankings")
st, text, j = view(tok.admin)
t:eq("staff read everything", 36, j and j.result.units and #j.result.units)
-- what must never change: the bulletin and its result (the list of revisions grows)
local function frozen_of(v) return v and cjson.encode { v.bulletin, v.result } or "" end
local frozen = frozen_of(j)
st, text, j = view(tok.admin, "/api/v1/bulletins/monthly/2021-05/1")
t:ok(frozen_of(j) == frozen, "revision 1 by number is the same")
st, text = view(tok.admin, "/api/v1/bulletins/monthly/2021-05/2")
t:eq("no revision 2 yet", 404, st, text)
st, text = view(tok.admin, "/api/v1/bulletins/monthly/2021-04")
t:eq("nothing published for April", 404, st, text)

-- the run behind it, with its inputs and result
st, text, j = h:get("/api/v1/runs/" .. string.format("%d", b1.run or 0), tok.admin)
t:eq("staff read the run", 200, st, text)
t:eq("its trigger", "api", j and j.run.trigger)
t:ok(j and j.inputs and #j.inputs.values > 100, "its inputs")
t:eq("its result", "2021-05", j and j.result.period)
st = h:get("/api/v1/runs/" .. string.format("%d", b1.run or 0), tok.viewer)
t:eq("a viewer may not read runs", 403, st)

-- the served rules change; the bulletin does not
local schemes = ws .. "/rules/schemes.lua"
local src = L.slurp(schemes)
H.save_by_rename(schemes, (src:gsub('{ id = "monitoring", weight = 0.8 }', '{ id = "monitoring", weight = 0.6 }')
  :gsub('{ id = "platforms",  weight = 0.2 }', '{ id = "platforms",  weight = 0.4 }')))
local moved = H.wait(20, function()
  local s, _, r = h:get("/api/v1/rankings/monthly/2021-05", tok.admin)
  if s ~= 200 then return nil end
  for _, g in ipairs(r.groups) do
    for _, x in ipairs(g.ranking) do if x.unit == "lufeng" then
      local _, _, b = view(tok.admin)
      for _, u in ipairs(b.result.units) do
        if u.unit == "lufeng" and u.total ~= x.total then return true end
      end
    end end
  end
end)
t:ok(moved, "after the reload the ranking moves")
st, text, j = view(tok.admin)
t:ok(frozen_of(j) == frozen, "the bulletin is as published")

-- a correction after the reload
st, text, j = h:post("/api/v1/bulletins", tok.admin, '{"scheme":"monthly","period":"2021-05","reason":"权重调整"}')
t:eq("a correction", 201, st, text)
local b2 = j and j.bulletin or {}
t:eq("is revision 2", 2, b2.revision)
t:eq("with its reason", "权重调整", b2.reason)
t:ok(b2.changes and b2.changes ~= L.null and b2.changes.summary.total_changes > 0,
  "and its differences", text and text:sub(1, 300))
t:ok(b1.rules_revision ~= b2.rules_revision, "on the new rules")
st, text, j = view(tok.viewer)
t:eq("the latest is revision 2", 2, j and j.bulletin.revision)
t:eq("both revisions listed", 2, j and #j.revisions)
st, text, j = view(tok.admin, "/api/v1/bulletins/monthly/2021-05/1")
t:ok(frozen_of(j) == frozen, "revision 1 unchanged")

-- every evaluation is a recorded run, its texts stored once: the ranking above evaluated on
-- request; the correction read the same inputs, and its result is that evaluation's
local function count(sql)
  local n = L.run("sqlite3 " .. L.quote(ws .. "/data/pinggu.db") .. " " .. L.quote(sql))
  return tonumber(n:match("%d+")) or -1
end
t:ok(count("SELECT count(*) FROM run WHERE trigger IN ('request', 'reload')") >= 1,
  "the host's evaluations are recorded")
t:eq("two published runs", 2, count("SELECT count(*) FROM run WHERE trigger = 'api'"))
t:eq("one inputs text for them all", 1, count("SELECT count(DISTINCT inputs) FROM run"))
t:eq("whole blobs: the inputs and each distinct result", 1 + count("SELECT count(DISTINCT result) FROM run"),
  count("SELECT count(*) FROM blob WHERE hash NOT IN (SELECT piece FROM blob_piece)"
    .. " AND hash NOT IN (SELECT body FROM bulletin_part)"
    .. " AND hash NOT IN (SELECT pack FROM bulletin_rectify WHERE pack IS NOT NULL)"))
t:ok(count("SELECT pieces FROM blob WHERE hash = (SELECT inputs FROM run LIMIT 1)") > 1,
  "the inputs are kept in pieces")
local out = L.run(L.quote(bin) .. " bulletins --data " .. L.quote(ws .. "/data") .. " --format json")
t:eq("the CLI reads the host's bulletins", 2, #cjson.decode(out).bulletins)

-- a restart keeps them
local stopped = h:stop()
t:ok(stopped, "the host stops")
local why
h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = ws .. "/pinggu.json" }
t:ok(h ~= nil, "the host starts again", why)
if h then
  st, text, j = view(tok.admin, "/api/v1/bulletins/monthly/2021-05/1")
  t:ok(frozen_of(j) == frozen, "revision 1 after the restart")
  st, text, j = h:get("/api/v1/bulletins", tok.viewer)
  t:eq("both after the restart", 2, j and #j.bulletins)
  st, text, j = h:get("/api/v1/audit?action=bulletin.publish", tok.admin)
  t:eq("two audit entries", 2, j and #j)
  t:eq("the correction's before", 1, j and j[2] and j[2].before and j[2].before.revision)
  t:eq("by", "admin:admin", j and j[2] and j[2].actor)
end
local out2, err2, code2 = L.run(L.quote(bin) .. " reproduce --data " .. L.quote(ws .. "/data") ..
  " --bulletin " .. string.format("%d", b1.id or 0))
t:eq("the host's bulletin re-runs byte for byte", 0, code2, out2 .. err2)
H.finish(t, h)
