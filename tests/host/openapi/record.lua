-- record.lua — drives the real `pinggu serve` over every route of the API, as every role, with
-- good and bad requests, so that each exchange lands in the PINGGU_RECORD file (host.lua) for
-- validate.mjs to check against docs/openapi.yaml. It checks little itself (that the answers it
-- needs to go on came), beyond a few statuses: the schemas are the check.
--
-- Run as `lua5.4 record.lua PINGGU SOURCE_ROOT` with PINGGU_RECORD set; the file is emptied
-- first. The host runs with an injected clock (so POST /clock answers 200) on a copy of the
-- Shanwei rule set and its fed sample.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "../serve/host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local out = os.getenv("PINGGU_RECORD")
if not out then
  io.stderr:write("record.lua: set PINGGU_RECORD to the file the exchanges go to\n")
  os.exit(2)
end
L.write(out, "")
local t = L.tester("openapi.record")
local ws = H.workspace(root)
local tok, cfg = H.tokens(bin, ws)
local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg,
  clock = "2021-06-20T00:00:00+08:00", tokens = tok }
if not h then
  print("FAIL the host did not start: " .. why)
  os.exit(1)
end
local roles = { "admin", "evaluator", "lufeng", "viewer" }
local function get(path, who) return h:get(path, who and tok[who]) end
local function post(path, who, body, ctype)
  return h:post(path, who and tok[who], type(body) == "table" and cjson.encode(body) or body, ctype)
end

-- without a token, with a bad one, and the routes the router answers itself
get("/healthz")
get("/api/v1/openapi.json")
get("/api/v1/rules")
h:get("/api/v1/rules", "pg_not-a-real-token")
get("/metrics")
get("/metrics", "viewer")
t:eq("metrics", 200, (get("/metrics", "admin")))
get("/api/v1/nosuch", "admin")
get("/api/v1", "admin")
h:request("PUT", "/api/v1/rules", tok.admin)
h:request("PATCH", "/api/v1/units", tok.admin)
get("/nosuch.html")

-- what every role may read
local reads = {
  "/api/v1/rules", "/api/v1/rules?year=2021", "/api/v1/rules?year=1999", "/api/v1/rules/status",
  "/api/v1/rules/changes", "/api/v1/rules/changes?year=2021&limit=5",
  "/api/v1/rules/changes?year=1999", "/api/v1/rules/changes?limit=0",
  "/api/v1/units", "/api/v1/units?year=2021", "/api/v1/units?year=2030", "/api/v1/whoami",
  "/api/v1/rankings/monthly/2021-05", "/api/v1/rankings/monthly/2021-05?group=county",
  "/api/v1/rankings/monthly/2021-05?group=nosuch", "/api/v1/rankings/nosuch/2021-05",
  "/api/v1/rankings/monthly/2021", "/api/v1/rankings/monthly/1999-05",
  "/api/v1/rankings/year_end/2021", "/api/v1/rankings/annual/2021",
  "/api/v1/results/monthly/2021-05", "/api/v1/results/monthly/2021-05/lufeng",
  "/api/v1/results/monthly/2021-05/haifeng", "/api/v1/results/monthly/2021-05/nosuch",
  "/api/v1/results/monthly/2021-05/lufeng?x=1", "/api/v1/results/monthly/2021-13/lufeng",
  "/api/v1/units/lufeng/series?scheme=monthly&year=2021",
  "/api/v1/units/haifeng/series?scheme=monthly&year=2021",
  "/api/v1/units/lufeng/series?scheme=year_end&year=2021",
  "/api/v1/units/lufeng/series?scheme=monthly", "/api/v1/units/nosuch/series?scheme=monthly&year=2021",
  "/api/v1/units/lufeng/series?scheme=nosuch&year=2021",
  "/api/v1/units/lufeng/series?scheme=monthly&year=1999",
  "/api/v1/units/lufeng/series?scheme=monthly&year=20x1",
  "/api/v1/units/lufeng/ranking?scheme=monthly&period=2021-05",
  "/api/v1/units/haifeng/ranking?scheme=monthly&period=2021-05",
  "/api/v1/units/lufeng/ranking?scheme=year_end&period=2021",
  "/api/v1/units/lufeng/ranking?scheme=monthly", "/api/v1/units/lufeng/ranking?scheme=monthly&period=2021",
  "/api/v1/units/nosuch/ranking?scheme=monthly&period=2021-05",
  "/api/v1/units/lufeng/ranking?scheme=nosuch&period=2021-05",
  "/api/v1/units/lufeng/ranking?scheme=monthly&period=1999-05",
  "/api/v1/units/lufeng/ranking?scheme=monthly&period=2021-5x",
  "/api/v1/evaluations", "/api/v1/runs", "/api/v1/runs?scheme=monthly&period=2021-05&limit=2",
  "/api/v1/runs?limit=0", "/api/v1/runs?period=2021-5x", "/api/v1/runs/999999", "/api/v1/runs/abc",
  "/api/v1/batches", "/api/v1/schedule", "/api/v1/audit", "/api/v1/audit?limit=-1",
  "/api/v1/audit?actor=admin&action=rules.swap&object=rules&since=2020-01-01&until=2030-01-01&limit=5",
  "/api/v1/bulletins", "/api/v1/bulletins?scheme=monthly&period=2021-05",
  "/api/v1/bulletins?period=bad", "/api/v1/bulletins/monthly/2021-05",
  "/api/v1/bulletins/monthly/bad", "/api/v1/bulletins/monthly/2021-05/0",
  "/api/v1/periods", "/api/v1/periods?year=2021", "/api/v1/periods?year=1999", "/api/v1/periods?year=x",
  "/api/v1/selfreports", "/api/v1/scores", "/api/v1/scores?status=all", "/api/v1/appeals",
  -- query parameters that are not what they should be: 400s naming them
  "/api/v1/rules?year=garbage", "/api/v1/units?year=2021x", "/api/v1/audit?since=garbage",
  "/api/v1/selfreports?period=bad", "/api/v1/scores?period=bad", "/api/v1/appeals?period=bad",
}
for _, path in ipairs(reads) do
  for _, who in ipairs(roles) do get(path, who) end
end
-- the unit's own series, and its values, as the dashboard asks
local st, _, series = get("/api/v1/units/lufeng/series?scheme=monthly&year=2021", "lufeng")
t:eq("a unit reads its own series", 200, st)
t:ok(series and series.periods and #series.periods == 12, "twelve periods")
-- and its own ranking line: its row only, the group's ranking's
local _, _, line = get("/api/v1/units/lufeng/ranking?scheme=monthly&period=2021-05", "lufeng")
local _, _, grp = get("/api/v1/rankings/monthly/2021-05?group=county", "lufeng")
local mine
for _, r in ipairs(grp and grp.groups and grp.groups[1].ranking or {}) do if r.unit == "lufeng" then mine = r end end
t:eq("a unit's line is its row alone", 1, line and line.groups and #line.groups[1].ranking)
local function said(r)
  if not r then return "none" end
  return table.concat({ r.unit, tostring(r.rank), tostring(r.total), tostring(r.previous_rank), tostring(r.movement),
    tostring(r.change), tostring(r.band) }, "|")
end
t:eq("… as its group's ranking has it", said(mine), said(line and line.groups and line.groups[1].ranking[1]))

-- evaluations and runs
post("/api/v1/evaluations", "evaluator", { scheme = "monthly", period = "2021-06" })
post("/api/v1/evaluations", "evaluator", { scheme = "monthly", period = "1999-06" })
post("/api/v1/evaluations", "evaluator", { scheme = "monthly" })
post("/api/v1/evaluations", "evaluator", "not json")
post("/api/v1/evaluations", "evaluator", { scheme = "monthly", period = "2021-02" })
local _, _, runs = get("/api/v1/runs?limit=1", "admin")
local run = runs and runs.runs and runs.runs[1]
t:ok(run and run.id, "a recorded run")
if run then get("/api/v1/runs/" .. math.tointeger(run.id), "evaluator") end

-- previews
local weights = "mon_guide dept=9\nmonthly/monitoring 0.7\n"
post("/api/v1/rules/preview?scheme=monthly&period=2021-05", "evaluator", weights, "text/plain")
post("/api/v1/rules/preview?scheme=monthly&period=2021-05", "evaluator", "nosuch_indicator dept 9\n", "text/plain")
post("/api/v1/rules/preview?scheme=monthly", "evaluator", weights, "text/plain")
post("/api/v1/rules/preview?scheme=monthly&period=2021-05", "lufeng", weights, "text/plain")

-- reloads
post("/api/v1/rules/reload", "admin")
post("/api/v1/rules/reload?year=2021", "admin")
post("/api/v1/rules/reload?year=1999", "admin")
post("/api/v1/rules/reload?year=garbage", "admin")
post("/api/v1/rules/reload", "evaluator")

-- batches: good, again, bad, replaced, withdrawn
local sample = L.slurp(root .. "/rules/shanwei-2021/sample/2021-05.csv")
local fed = "unit,period,metric,value,n\nhaifeng,2021-05,ecert_calls,10,\n"
st, _, j = post("/api/v1/batches?source=values&name=haifeng-05.csv", "evaluator", fed, "text/csv")
t:eq("a batch of fed values", 201, st)
post("/api/v1/batches?source=values&name=haifeng-05.csv", "evaluator", fed, "text/csv")
post("/api/v1/batches?source=values&name=bad.csv", "evaluator",
  "unit,period,metric,value,n\nnosuch,2021-05,ecert_calls,x,\nlufeng,2021-99,ecert_calls,1,\n", "text/csv")
post("/api/v1/batches?source=nosuch&name=a.csv", "evaluator", "a\n", "text/csv")
post("/api/v1/batches", "evaluator", "a\n", "text/csv")
post("/api/v1/batches?source=values&name=x.csv", "lufeng", fed, "text/csv")
local id = j and j.batch and j.batch.id
if id then
  local fed2 = "unit,period,metric,value,n\nhaifeng,2021-05,ecert_calls,11,\n"
  st, _, j = post("/api/v1/batches?source=values&name=haifeng-05b.csv&replaces=" .. id, "evaluator",
    fed2, "text/csv")
  t:eq("a replacement", 201, st)
  local id2 = j and j.batch and j.batch.id
  h:delete("/api/v1/batches/" .. id2, tok.evaluator)
  t:eq("a withdrawal", 200, (h:delete("/api/v1/batches/" .. id2, tok.admin)))
  h:delete("/api/v1/batches/" .. id2, tok.admin)
end
h:delete("/api/v1/batches/0123abcd", tok.admin)
get("/api/v1/batches", "admin")
t:ok(sample ~= nil, "the sample")

-- publishing, reading by role
st = post("/api/v1/bulletins", "evaluator", { scheme = "monthly", period = "2021-05" })
t:eq("published", 201, st)
post("/api/v1/bulletins", "evaluator", { scheme = "monthly", period = "2021-05" })
post("/api/v1/bulletins", "evaluator", { scheme = "monthly", period = "2021-05", reason = "更正" })
post("/api/v1/bulletins", "evaluator", { scheme = "monthly", period = "2021" })
post("/api/v1/bulletins", "evaluator", { scheme = "nosuch", period = "2021-05" })
post("/api/v1/bulletins", "evaluator", { scheme = "monthly", period = "1999-05" })
post("/api/v1/bulletins", "evaluator", { scheme = "monthly", period = "x" })
post("/api/v1/bulletins", "evaluator", { scheme = "monthly", period = "2021-05", reason = 5 })
post("/api/v1/bulletins", "lufeng", { scheme = "monthly", period = "2021-05" })
for _, who in ipairs(roles) do
  get("/api/v1/bulletins", who)
  get("/api/v1/bulletins/monthly/2021-05", who)
  get("/api/v1/bulletins/monthly/2021-05/1", who)
  get("/api/v1/bulletins/monthly/2021-05/9", who)
  get("/api/v1/bulletins/monthly/2021-04", who)
  -- the documents the publish wrote (a unit: 403), one file, a name not among them, a bad path
  get("/api/v1/bulletins/monthly/2021-05/1/documents", who)
  get("/api/v1/bulletins/monthly/2021-05/1/documents/monthly-2021-05-lost.csv", who)
  get("/api/v1/bulletins/monthly/2021-05/1/documents/nosuch.csv", who)
  get("/api/v1/bulletins/monthly/2021-05/x/documents", who)
  get("/api/v1/bulletins/monthly/2021-05/9/documents", who)
end

-- self-reports, evidence, scores, appeals
st, _, j = post("/api/v1/evidence?name=taizhang.txt", "lufeng", "五月用证台账", "text/plain")
t:eq("evidence", 201, st)
local hash = j and j.hash
post("/api/v1/evidence", "lufeng", "x", "text/plain")
post("/api/v1/evidence?name=a.txt", "viewer", "x", "text/plain")
st, _, j = post("/api/v1/selfreports", "lufeng", { period = "2021-05", metric = "ecert_calls_reported",
  value = 1500, evidence = hash, note = "五月台账" })
t:eq("a self-report", 201, st)
local sr = j and j.id
post("/api/v1/selfreports", "lufeng", { unit = "haifeng", period = "2021-05",
  metric = "ecert_calls_reported", value = 10, link = "https://x.cn/a" })
post("/api/v1/selfreports", "lufeng", { period = "2021-05", metric = "nosuch", value = 1, link = "https://x.cn/a" })
post("/api/v1/selfreports", "lufeng", { period = "2021-05", metric = "ecert_calls_reported" })
post("/api/v1/selfreports", "lufeng", { period = "1999-05", metric = "ecert_calls_reported", value = 1 })
post("/api/v1/selfreports", "lufeng", { period = "bad", metric = "ecert_calls_reported", value = 1 })
post("/api/v1/selfreports", "lufeng", "[1]")
if sr then
  local path = "/api/v1/selfreports/" .. math.tointeger(sr) .. "/review"
  post(path, "lufeng", { status = "accepted", reason = "x" })
  post(path, "evaluator", { status = "maybe" })
  t:eq("a review", 200, (post(path, "evaluator", { status = "accepted", reason = "与台账一致" })))
  post(path, "evaluator", { status = "rejected", reason = "again" })
end
post("/api/v1/selfreports/999999/review", "evaluator", { status = "accepted", reason = "x" })
post("/api/v1/selfreports/abc/review", "evaluator", { status = "accepted", reason = "x" })
-- the Shanwei set has no evaluator_score indicator: a score is refused (422), never stored
post("/api/v1/scores", "evaluator", { unit = "lufeng", period = "2021", indicator = "p_fund",
  score = 1, reason = "材料齐全" })
post("/api/v1/scores", "evaluator", { unit = "lufeng", period = "2021", indicator = "p_fund", score = 1 })
post("/api/v1/scores", "evaluator", { unit = "lufeng", period = "2021", indicator = "p_fund", reason = "x" })
post("/api/v1/scores", "lufeng", { unit = "lufeng", period = "2021", indicator = "p_fund", score = 1, reason = "x" })
st, _, j = post("/api/v1/appeals", "lufeng", { period = "2021-05", indicator = "mon_guide",
  claim = "办事指南已更新" })
t:eq("an appeal", 201, st)
local ap = j and j.id
post("/api/v1/appeals", "lufeng", { unit = "haifeng", period = "2021-05", indicator = "mon_guide", claim = "x" })
post("/api/v1/appeals", "lufeng", { period = "2021-05", indicator = "nosuch", claim = "x" })
if ap then
  local path = "/api/v1/appeals/" .. math.tointeger(ap) .. "/decision"
  post(path, "lufeng", { status = "upheld", adjustment = 1, reason = "x" })
  post(path, "evaluator", { status = "perhaps" })
  t:eq("a decision", 200, (post(path, "evaluator", { status = "upheld", adjustment = 0.5, reason = "核实" })))
  post(path, "evaluator", { status = "rejected", reason = "again" })
end
post("/api/v1/appeals/999999/decision", "evaluator", { status = "rejected", reason = "x" })
for _, who in ipairs(roles) do
  get("/api/v1/selfreports?status=accepted", who)
  get("/api/v1/scores?unit=lufeng&indicator=p_fund", who)
  get("/api/v1/appeals?period=2021-05", who)
  get("/api/v1/audit?limit=50", who)
end

-- the clock and the schedule
post("/api/v1/clock", "admin", { now = "2021-07-01T00:00:00+08:00" })
post("/api/v1/clock", "admin", { now = "2021-01-01T00:00:00+08:00" })
post("/api/v1/clock", "admin", { now = "yesterday" })
post("/api/v1/clock", "evaluator", { now = "2021-08-01T00:00:00+08:00" })
get("/api/v1/schedule", "admin")
get("/api/v1/evaluations", "admin")

-- the 问题清单 and the 整改 loop, last: its lists evaluate the months around the period, and
-- after the data changes above they are evaluated once here, not re-scored at every change
for _, who in ipairs(roles) do
  get("/api/v1/issues/monthly/2021-05", who)
  get("/api/v1/issues/monthly/2021-05?unit=lufeng", who)
  get("/api/v1/rectifications?period=2021-05", who)
end
get("/api/v1/issues/monthly/2021-13", "evaluator")
get("/api/v1/issues/nosuch/2021-05", "evaluator")
get("/api/v1/issues/monthly/2021-05?unit=haifeng", "lufeng")
get("/api/v1/rectifications?period=bad", "evaluator")
do
  local _, _, iss = get("/api/v1/issues/monthly/2021-05", "lufeng")
  local item = iss and iss.items and iss.items[1]
  if t:ok(item, "lufeng has an item of its 问题清单") then
    local mark = "/api/v1/issues/monthly/2021-05/" .. item.indicator .. "/rectify"
    post(mark, "lufeng", { note = " " })
    post("/api/v1/issues/monthly/2021-05/nosuch/rectify", "lufeng", { note = "x" })
    local st2, _, r = post(mark, "lufeng", { note = "已整改", link = "https://example.cn/z" })
    t:eq("a 整改", 201, st2)
    local path = "/api/v1/rectifications/" .. math.tointeger(r and r.id or 0) .. "/review"
    post(path, "lufeng", { status = "verified" })
    post(path, "evaluator", { status = "rejected" })
    t:eq("a verdict", 200, (post(path, "evaluator", { status = "verified", reason = "核实" })))
    post(path, "evaluator", { status = "verified" })
    post(mark, "lufeng", { note = "again" })
  end
end
post("/api/v1/rectifications/999999/review", "evaluator", { status = "rejected", reason = "x" })

H.finish(t, h)
