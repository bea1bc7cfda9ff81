-- api.lua — the API of the real host: every role's allowed and refused requests, errors as
-- JSON, and the round trips the dashboard relies on.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local t, h, tok, ws = H.setup("serve.api")

-- no token: only /healthz
local st, _, j = h:get("/healthz")
t:eq("healthz without a token", 200, st)
t:eq("healthz status", "ok", j and j.status)
st, _, j = h:get("/api/v1/rules")
t:eq("rules without a token", 401, st)
t:eq("401 body is a JSON error", 401, j and j.error and j.error.status)
st = h:get("/api/v1/rules", "pg_not-a-real-token")
t:eq("unknown token", 401, st)
st = h:get("/metrics")
t:eq("metrics without a token", 401, st)

-- what each role may read
local month = "/api/v1/rankings/monthly/2021-05"
local cases = {
  -- path, admin, evaluator, unit(lufeng), viewer
  { "/api/v1/rules", 200, 200, 200, 200 },
  { "/api/v1/units", 200, 200, 200, 200 },
  { "/api/v1/rules/status", 200, 200, 403, 403 },
  { month, 200, 200, 200, 403 },
  { month .. "?group=county", 200, 200, 200, 403 },
  { "/api/v1/results/monthly/2021-05", 200, 200, 403, 403 },
  { "/api/v1/results/monthly/2021-05/lufeng", 200, 200, 200, 403 },
  { "/api/v1/results/monthly/2021-05/haifeng", 200, 200, 403, 403 },
  { "/api/v1/runs", 200, 200, 403, 403 },
  { "/api/v1/evaluations", 200, 200, 403, 403 },
  { "/api/v1/batches", 200, 200, 403, 403 },
  { "/metrics", 200, 200, 403, 403 },
}
local roles = { "admin", "evaluator", "lufeng", "viewer" }
for _, c in ipairs(cases) do
  for k, role in ipairs(roles) do
    local s, text = h:get(c[1], tok[role])
    t:eq("GET " .. c[1] .. " as " .. role, c[k + 1], s, s ~= c[k + 1] and text:sub(1, 200) or nil)
  end
end

-- writes: reload is admin only; withdrawals are admin only; evaluations staff only
st = h:post("/api/v1/rules/reload", tok.evaluator)
t:eq("reload as evaluator", 403, st)
st, _, j = h:post("/api/v1/rules/reload", tok.admin)
t:eq("reload as admin", 200, st)
t:eq("reload answers the status", true, j and j.last_attempt and j.last_attempt.ok)
t:eq("reload trigger", "api", j and j.last_attempt and j.last_attempt.trigger)
st = h:delete("/api/v1/batches/0123abcd", tok.evaluator)
t:eq("withdraw as evaluator", 403, st)
st = h:delete("/api/v1/batches/0123abcd", tok.admin)
t:eq("withdraw an unknown batch as admin", 404, st)
st = h:post("/api/v1/evaluations", tok.lufeng, '{"scheme":"monthly","period":"2021-06"}')
t:eq("evaluation as a unit", 403, st)
st, _, j = h:post("/api/v1/evaluations", tok.evaluator, '{"scheme":"monthly","period":"2021-06"}')
t:eq("evaluation as evaluator", 201, st)
t:eq("the run names its period", "2021-06", j and j.period)
t:eq("the run names its trigger", "api", j and j.trigger)
st = h:post("/api/v1/clock", tok.admin, '{"now":"2030-01-01T00:00:00+08:00"}')
t:eq("the clock is real without --clock", 403, st)

-- the contents
st, _, j = h:get(month, tok.lufeng)
t:ok(j and j.groups and #j.groups == 2, "rankings have both groups")
t:ok(j and j.units == nil, "rankings carry no unit breakdowns")
st, _, j = h:get(month .. "?group=county", tok.admin)
t:ok(j and #j.groups == 1 and j.groups[1].id == "county", "?group=county has that group only")
st, _, j = h:get("/api/v1/results/monthly/2021-05/lufeng", tok.lufeng)
t:ok(j and #j.units == 1 and j.units[1].unit == "lufeng", "a unit gets its own breakdown")
t:ok(j and j.units[1].indicators and #j.units[1].indicators > 10, "with its indicators and lost points")
st, _, j = h:get("/api/v1/results/monthly/2021-05", tok.evaluator)
t:eq("every unit for an evaluator", 36, j and #j.units)
st, _, j = h:get("/api/v1/rules", tok.viewer)
t:eq("rules name the set", "shanwei-2021", j and j.id)
t:ok(j and #j.indicators > 50, "rules list the indicator tree")
local pts
for _, n in ipairs(j and j.indicators or {}) do
  if n.id == "monitoring" then pts = n.points end
end
t:eq("points per group", 100, pts and pts.dept)
st, _, j = h:get("/api/v1/units", tok.viewer)
t:eq("units", 36, j and #j.units)
local _, metrics = h:get("/metrics", tok.admin)
t:contains("metrics count evaluations", metrics, 'pinggu_evaluations_total{result="ok"}')
t:contains("metrics count requests", metrics, 'pinggu_http_requests_total{code="4xx"}')
t:contains("metrics show Lua memory", metrics, "pinggu_lua_memory_bytes")

-- a what-if preview of a weight change: nothing is applied
st, text, j = h:post("/api/v1/rules/preview?scheme=monthly&period=2021-05", tok.evaluator,
  "mon_guide 9\nmon_zero_proof 3\n", "text/plain")
t:eq("a preview", 200, st, text and text:sub(1, 300))
local listed, moved = 0, 0
for _, g in ipairs(j and j.groups or {}) do
  for _, u in ipairs(g.units) do
    listed = listed + 1
    if u.a.total ~= u.b.total then moved = moved + 1 end
  end
end
t:eq("the preview lists every unit", 36, listed)
t:eq("and counts the changed totals", moved, j and j.summary and j.summary.total_changes)
t:ok(moved > 0, "the preview shows totals that change", tostring(moved))
st, _, j = h:get("/api/v1/rules", tok.admin)
local guide
for _, n in ipairs(j and j.indicators or {}) do
  if n.id == "mon_guide" then guide = n.points.dept end
end
t:eq("the served rules are unchanged", 7, guide)
st, text, j = h:post("/api/v1/rules/preview?scheme=monthly&period=2021-05", tok.evaluator,
  "mon_guide 9\nnosuch 3\n", "text/plain")
t:eq("a bad overrides line", 422, st, text and text:sub(1, 300))
t:eq("named at body:2", "body", j and j.error and j.error.errors[1] and j.error.errors[1].file)
t:eq("line 2", 2, j and j.error and j.error.errors[1] and j.error.errors[1].line)
st = h:post("/api/v1/rules/preview?scheme=monthly&period=2021-05", tok.lufeng, "mon_guide 9\n", "text/plain")
t:eq("a unit may not preview", 403, st)

-- bad requests
st, _, j = h:get("/api/v1/rankings/nosuch/2021-05", tok.admin)
t:eq("unknown scheme", 404, st)
t:contains("unknown scheme says which", j and j.error.message, "nosuch")
st = h:get("/api/v1/rankings/monthly/2021", tok.admin)
t:eq("a year for a monthly scheme", 400, st)
st = h:get("/api/v1/rankings/monthly/2021-13", tok.admin)
t:eq("month 13", 400, st)
st = h:get("/api/v1/rankings/monthly/2021-05?group=nosuch", tok.admin)
t:eq("unknown group", 404, st)
st = h:get("/api/v1/results/monthly/2021-05/nosuch", tok.admin)
t:eq("unknown unit", 404, st)
st = h:get("/api/v1/nosuch", tok.admin)
t:eq("unknown resource", 404, st)
st = h:delete("/api/v1/rules", tok.admin)
t:eq("wrong method", 405, st)
st, _, j = h:post("/api/v1/evaluations", tok.admin, "{not json")
t:eq("a body that is not JSON", 400, st)
st, _, j = h:get("/api/v1/rankings/monthly/2020-05", tok.admin)
t:eq("a period of another year", 404, st)
t:contains("names the year served", j and j.error.message, "the host serves 2021")
st = h:get(month, tok.admin)
t:eq("and the host still serves", 200, st)

H.finish(t, h)
