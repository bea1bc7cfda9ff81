-- http.lua — self-reports, scores and appeals over HTTP on the real host with the Shanwei rule
-- set and its sample, by each role:
--   a unit token submits for its own unit only (403 naming it) and lists only its own; a
--   viewer reads none of it; reviews, scores and decisions are staff's;
--   an inflated self-report of ecert_calls_reported (1500 against the system's 1000) is
--   flagged once accepted, and the year-end 评估数据真实性 penalty takes a point off the
--   unit's bonus part, visible in its breakdown;
--   an upheld appeal changes the indicator's points with its trace line;
--   a score without a reason is refused; each review and decision has its audit entry.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "../../../host/serve/host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("review.http")
local ws = H.workspace(root)
-- the system's count of lufeng's e-certificate calls in May, as a fed value
L.write(ws .. "/data/ecert.csv", "unit,period,metric,value,n\nlufeng,2021-05,ecert_calls,1000,\n")
local tok, cfg = H.tokens(bin, ws)
local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg }
if not h then
  print("FAIL the host did not start: " .. why)
  os.exit(1)
end
local function post(path, who, body) return h:post("/api/v1/" .. path, tok[who], cjson.encode(body)) end
local function get(path, who) return h:get("/api/v1/" .. path, tok[who]) end

-- one unit's indicator in a result, and the unit
local function indicator(scheme, period, id)
  local st, _, j = get("results/" .. scheme .. "/" .. period .. "/lufeng", "evaluator")
  if st ~= 200 or not j then return nil end
  local u = j.units[1]
  for _, i in ipairs(u.indicators) do
    if i.id == id then return i, u end
  end
end

t:section("roles", function()
  local st, _, j = post("selfreports", "lufeng", { unit = "haifeng", period = "2021-05",
    metric = "ecert_calls_reported", value = 10, link = "https://x.cn/a" })
  t:eq("a unit token submits for another unit: 403", 403, st)
  t:contains("naming its own", j and j.error.message or "", "bound to unit 'lufeng'")
  st, _, j = post("appeals", "lufeng", { unit = "haifeng", period = "2021-05",
    indicator = "mon_guide", claim = "c" })
  t:eq("nor appeals for it", 403, st)
  for _, path in ipairs { "selfreports", "scores", "appeals" } do
    t:eq("a viewer reads no " .. path, 403, (get(path, "viewer")))
  end
  t:eq("a viewer posts no evidence", 403, (h:post("/api/v1/evidence?name=a.txt", tok.viewer, "x", "text/plain")))
  t:eq("a unit sets no score", 403, (post("scores", "lufeng", { unit = "lufeng", period = "2021",
    indicator = "p_fund", score = 1, reason = "r" })))
  st, _, j = post("scores", "evaluator", { unit = "lufeng", period = "2021", indicator = "p_fund", score = 1 })
  t:eq("a score without a reason: 422", 422, st)
  t:contains("saying why", j and j.error.message or "", "a reason for the score")
end)

t:section("an inflated self-report is flagged and penalised", function()
  local before, ubefore = indicator("year_end", "2021", "p_data_truth")
  t:eq("no penalty before", 0, before and before.points)
  local st, _, j = h:post("/api/v1/evidence?name=" .. "taizhang.txt", tok.lufeng, "五月用证台账 1500 次", "text/plain")
  t:eq("evidence stored", 201, st)
  local hash = j and j.hash
  t:matches("by its SHA-256", hash or "", "^%x+$")
  st, _, j = post("selfreports", "lufeng", { period = "2021-05", metric = "ecert_calls_reported",
    value = 1500, evidence = hash, note = "五月台账" })
  t:eq("self-report for its own unit", 201, st, j and cjson.encode(j))
  t:eq("the unit is its own", "lufeng", j and j.unit)
  local id = j and math.tointeger(j.id)
  t:eq("a unit may not review", 403, (post("selfreports/" .. tostring(id) .. "/review", "lufeng",
    { status = "accepted", reason = "r" })))
  st, _, j = post("selfreports/" .. tostring(id) .. "/review", "evaluator", { status = "accepted", reason = "与台账一致" })
  t:eq("accepted by an evaluator", 200, st)
  t:eq("now accepted", "accepted", j and j.status)
  local after, unit = H.wait(20, function()
    local i, u = indicator("year_end", "2021", "p_data_truth")
    if i and i.points == -1 then return i, u end
  end)
  t:eq("the penalty applies", -1, after and after.points)
  t:contains("with the check in the trace", after and after.note or "", "评估数据真实性核查：1项")
  t:eq("the unit's breakdown lists the flag", "ecert_calls_reported",
    unit and unit.flags and unit.flags[1] and unit.flags[1].metric)
  t:eq("for May", "2021-05", unit and unit.flags and unit.flags[1] and unit.flags[1].period)
  t:near("the bonus part loses the point", ubefore.parts.bonus - 1, unit and unit.parts.bonus, 1e-9)
  t:near("and so does the total", ubefore.total - 1, unit and unit.total, 1e-9)
  st, _, j = get("selfreports", "lufeng")
  t:eq("the unit lists its own", 1, j and #j.records)
end)

t:section("an upheld appeal", function()
  local before = indicator("monthly", "2021-05", "mon_guide")
  local st, _, j = post("appeals", "lufeng", { period = "2021-05", indicator = "mon_guide",
    claim = "系统漏统计 3 件全程网办件" })
  t:eq("appeal submitted", 201, st, j and cjson.encode(j))
  local id = j and math.tointeger(j.id)
  t:eq("a unit may not decide", 403, (post("appeals/" .. tostring(id) .. "/decision", "lufeng",
    { status = "upheld", adjustment = 1, reason = "r" })))
  st, _, j = post("appeals/" .. tostring(id) .. "/decision", "evaluator",
    { status = "upheld", adjustment = 0.5, reason = "核实属实" })
  t:eq("upheld", 200, st, j and cjson.encode(j))
  st = post("appeals/" .. tostring(id) .. "/decision", "evaluator", { status = "rejected", reason = "x" })
  t:eq("a second decision: 409", 409, st)
  local want = math.min(before.points + 0.5, before.max)
  local after = H.wait(20, function()
    local i = indicator("monthly", "2021-05", "mon_guide")
    if i and type(i.note) == "string" and i.note:find("申诉 #" .. tostring(id), 1, true) then return i end
  end)
  t:near("the points move by the adjustment", want, after and after.points, 1e-6)
  t:contains("with the trace line", after and after.note or "", "申诉 #" .. tostring(id) .. " 成立：+0.5分（核实属实）")
  st, _, j = get("appeals", "lufeng")
  t:eq("the unit lists its appeal", 1, j and #j.records)
  st, _, j = get("appeals?status=upheld", "evaluator")
  t:eq("staff list by status", 1, j and #j.records)
end)

t:section("audit", function()
  local _, _, j = get("audit?action=selfreport.review", "evaluator")
  local e = j and j[1]
  t:eq("review: before submitted", "submitted", e and e.before.status)
  t:eq("review: after accepted", "accepted", e and e.after.status)
  t:eq("review: by the evaluator's token", "evaluator:evaluator", e and e.actor)
  _, _, j = get("audit?action=appeal.decide", "evaluator")
  e = j and j[1]
  t:eq("decision: before open", "open", e and e.before.status)
  t:eq("decision: after upheld", "upheld", e and e.after.status)
  t:eq("decision: the adjustment", 0.5, e and e.after.adjustment)
end)

H.finish(t, h)
