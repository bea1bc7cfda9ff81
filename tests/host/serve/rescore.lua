-- rescore.lua — a change of the data re-scores only the cached periods it reaches (issue 19 §1),
-- and every cached number stays that of a fresh, full evaluation.
--
-- 1. Eight (scheme, period)s are cached: monthly 2021-03, -04, -05, -06, -07, -10, year_end and
--    annual 2021. A one-record batch of May cases re-scores May, June (its 环比 reads May) and the
--    two yearly schemes, and keeps the other months: the host's "rescore" log line and its
--    "evaluate" lines with trigger=data say so, GET /api/v1/evaluations lists exactly those runs,
--    and a kept month is not evaluated again when read. The annual takes the eight months other
--    than May from the memo of monthly sub-results (/metrics pinggu_month_memo_reads_total).
-- 2. Randomised change sequences (seed 19 by default, printed; PINGGU_RESCORE_SEED=N runs
--    another, PINGGU_RESCORE_STEPS=N a longer one): batches of cases and reviews (reviews feed
--    a rolling three-month window) posted into random months, withdrawn, replaced, and cases
--    that reuse an active batch's key (on_duplicate = "replace" here, so another batch's record
--    stops counting). After each step every cached result equals `pinggu eval --format json` on
--    the same data, cell by cell, and its rankings body that evaluation without its units.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"

local bin, root = L.args()
local t = L.tester("serve.rescore")
local ws = H.workspace(root)
-- a key reused across batches makes the later record count, so a change moves another batch's
-- cells (batch_cells.c: the whole source is touched then)
local src = L.slurp(ws .. "/rules/sources.lua")
src = src:gsub('time = "accept_date", key = "project_no",',
  'time = "accept_date", key = "project_no", on_duplicate = "replace",', 1)
L.write(ws .. "/rules/sources.lua", src)
local tok, cfg = H.tokens(bin, ws)
local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg,
  tokens = tok }
if not h then
  print("FAIL the host did not start: " .. tostring(why))
  os.exit(1)
end

local cached = {
  { "monthly", "2021-03" }, { "monthly", "2021-04" }, { "monthly", "2021-05" },
  { "monthly", "2021-06" }, { "monthly", "2021-07" }, { "monthly", "2021-10" },
  { "year_end", "2021" }, { "annual", "2021" },
}

local function result(scheme, period)
  local st, text, j = h:get("/api/v1/results/" .. scheme .. "/" .. period, tok.admin)
  return st, j, text
end

for _, e in ipairs(cached) do
  local st, _, text = result(e[1], e[2])
  t:eq("cached " .. e[1] .. " " .. e[2], 200, st, text and text:sub(1, 200))
end

-- The log's lines after offset `from`: the last "rescore" line's counts and the (scheme period)s
-- of the evaluations it started, once they have all finished.
local function settled(from, seconds)
  return H.wait(seconds or 60, function()
    local log = h:log():sub(from + 1)
    local rescored, kept
    for r, k in log:gmatch("event=rescore [^\n]*rescored=(%d+) kept=(%d+)") do
      rescored, kept = tonumber(r), tonumber(k)
    end
    if not rescored then return nil end
    local done = {}
    local n = 0
    for line in log:gmatch("[^\n]*event=evaluate [^\n]*") do
      local scheme, period = line:match("scheme=(%S+) period=(%S+)")
      if line:find("trigger=data", 1, true) or line:find("trigger=again", 1, true) then
        done[scheme .. " " .. period] = (done[scheme .. " " .. period] or 0) + 1
        n = n + 1
      end
    end
    -- every re-score finished, and nothing runs once more ("again")
    if n < rescored then return nil end
    return { rescored = rescored, kept = kept, done = done }
  end)
end

local function fresh(scheme, period)
  local ok, doc = pcall(L.eval_json, bin, { rules = ws .. "/rules", data = ws .. "/data",
    scheme = scheme, period = period })
  return ok and doc or nil, not ok and doc or nil
end

-- Deep equality of two decoded JSON values; returns nil, or the path of the first difference.
local function differ(a, b, path)
  if type(a) ~= type(b) then return path .. " (" .. type(a) .. " / " .. type(b) .. ")" end
  if type(a) ~= "table" then
    if a ~= b and not (a ~= a and b ~= b) then return path .. " (" .. tostring(a) .. " / " .. tostring(b) .. ")" end
    return nil
  end
  for k, v in pairs(a) do
    local d = differ(v, b[k], path .. "." .. tostring(k))
    if d then return d end
  end
  for k in pairs(b) do
    if a[k] == nil then return path .. "." .. tostring(k) .. " (absent / present)" end
  end
  return nil
end

local function check_all(what)
  local bad = 0
  for _, e in ipairs(cached) do
    local st, got = result(e[1], e[2])
    local want, err = fresh(e[1], e[2])
    if st ~= 200 or not want then
      -- a period with no data left, or data that cannot be loaded, fails on both sides
      t:ok((st ~= 200) == (want == nil), what .. ": " .. e[1] .. " " .. e[2] ..
        " fails alike on the host and in pinggu eval", tostring(st) .. " / " .. tostring(err))
      if (st ~= 200) ~= (want == nil) then bad = bad + 1 end
    else
      local d = differ(want, got, "")
      t:ok(d == nil, what .. ": " .. e[1] .. " " .. e[2] .. " equals a full evaluation", d)
      -- the rankings body is cut from the same printed text (host/bodies.c): the full
      -- evaluation without its units
      local rst, _, rj = h:get("/api/v1/rankings/" .. e[1] .. "/" .. e[2], tok.admin)
      want.units = nil
      local rd = "HTTP " .. tostring(rst)
      if rst == 200 then rd = differ(want, rj, "") end
      t:ok(rd == nil, what .. ": " .. e[1] .. " " .. e[2] .. "'s rankings equal it", rd)
      if d or rd then bad = bad + 1 end
    end
  end
  return bad
end

t:eq("before any change, every cached result equals a full evaluation", 0, check_all("start"))

-- 1. one record of May
local header = "project_no,task_code,org_code,handle_level,project_type,channel,accept_date," ..
  "anticipate_day,promise_day,result_date,result_type,suspend_days,visits,fully_online," ..
  "ecert_applicable,uses_ecert,result_sealed,sync_date\n"
local function case(no, org, online, month, day)
  local at = string.format("2021-%02d-%02d 09:00:00", month, day)
  local done = string.format("2021-%02d-%02d 10:00:00", month, math.min(day + 1, 28))
  return string.format("P%06d,TC1,%s,县,承诺件,政务服务网,%s,20,10,%s,批准,0,0,%s," ..
    "false,false,true,%s\n", no, org, at, done, online and "true" or "false", done)
end

local function evaluations()
  local _, _, j = h:get("/api/v1/evaluations", tok.admin)
  return j and j.runs or {}
end
-- the composite's months taken from the memo of monthly sub-results (score.h: submemo.c)
local function memo()
  local _, text = h:get("/metrics", tok.admin)
  text = text or ""
  return tonumber(text:match('pinggu_month_memo_reads_total{result="hit"} (%d+)')) or -1,
    tonumber(text:match('pinggu_month_memo_reads_total{result="miss"} (%d+)')) or -1
end
local runs_before = #evaluations()
local hits_before, misses_before = memo()
local mark = #h:log()
local st, text = h:post("/api/v1/batches?source=cases&name=one.csv", tok.admin,
  header .. case(1, "441581", true, 5, 10), "text/csv")
t:eq("a one-record May batch is accepted", 201, st, text)
local s = settled(mark)
t:ok(s ~= nil, "the re-score after the batch finishes")
s = s or { done = {} }
t:eq("four cached periods are re-scored", 4, s.rescored)
t:eq("four are kept", 4, s.kept)
for _, e in ipairs { "monthly 2021-05", "monthly 2021-06", "year_end 2021", "annual 2021" } do
  t:eq(e .. " is re-scored once", 1, s.done[e])
end
for _, e in ipairs { "monthly 2021-03", "monthly 2021-04", "monthly 2021-07", "monthly 2021-10" } do
  t:eq(e .. " is not re-scored", nil, s.done[e])
end
-- the annual's nine months (April to December): May's cases changed May alone (no month after
-- it lacks the values May holds, so none carries them), so eight come from the memo
local hits, misses = memo()
t:eq("the annual's re-score takes eight months from the memo and evaluates May",
  "8 kept, 1 evaluated", string.format("%d kept, %d evaluated", hits - hits_before,
  misses - misses_before))
local runs = evaluations()
local listed = {}
for i = runs_before + 1, #runs do
  listed[#listed + 1] = runs[i].scheme .. " " .. runs[i].period .. " " .. runs[i].trigger
end
table.sort(listed)
t:eq("GET /api/v1/evaluations lists exactly those runs",
  "annual 2021 data|monthly 2021-05 data|monthly 2021-06 data|year_end 2021 data",
  table.concat(listed, "|"))
t:eq("every number equals a full evaluation after the batch", 0, check_all("one record"))
local after_reads = #evaluations()
t:eq("reading a kept month evaluates nothing", #runs, after_reads)

-- a re-export of that case, unchanged, in another batch: the periods it reaches are re-scored,
-- their results do not change, so each keeps the bodies printed before (the evaluate lines say
-- bodies=kept) and its run names the result recorded before
do
  local function latest_results()
    local _, _, j = h:get("/api/v1/runs?limit=100", tok.admin)
    local r = {}
    for i = #(j and j.runs or {}), 1, -1 do
      r[j.runs[i].scheme .. " " .. j.runs[i].period] = j.runs[i].result
    end
    return r
  end
  local before = latest_results()
  mark = #h:log()
  -- the same record, with CRLF line ends: other bytes, another batch
  local again = (header .. case(1, "441581", true, 5, 10)):gsub("\n", "\r\n")
  local rst, rtext = h:post("/api/v1/batches?source=cases&name=again.csv", tok.admin, again,
    "text/csv")
  t:eq("the unchanged re-export is accepted", 201, rst, rtext)
  local sr = settled(mark) or { done = {} }
  -- a key repeated across batches touches its whole source (batch_cells.c): every period
  t:eq("it re-scores every cached period", #cached, sr.rescored)
  local kept_lines = 0
  for _ in h:log():sub(mark + 1):gmatch("event=evaluate [^\n]*trigger=data[^\n]*bodies=kept") do
    kept_lines = kept_lines + 1
  end
  t:eq("each keeps the bodies printed before", #cached, kept_lines)
  local now = latest_results()
  for _, c in ipairs(cached) do
    local e = c[1] .. " " .. c[2]
    t:ok(before[e] ~= nil and now[e] == before[e], e .. "'s new run names the result recorded before",
      tostring(before[e]) .. " / " .. tostring(now[e]))
  end
  t:eq("every number equals a full evaluation after the re-export", 0, check_all("re-export"))

  -- the runs pruned (pinggu prune, while the host runs): the results they stored are gone, so
  -- a third re-export's unchanged periods print their texts again and store them again
  local pst = os.execute(string.format("%q prune --data %q --before 2999-01-01T00:00:00Z >/dev/null",
    bin, ws .. "/data"))
  t:ok(pst, "pinggu prune deletes the unpublished runs")
  mark = #h:log()
  local third = header .. case(1, "441581", true, 5, 10):gsub("^P000001", '"P000001"')
  local tst, ttext = h:post("/api/v1/batches?source=cases&name=third.csv", tok.admin, third,
    "text/csv")
  t:eq("a third re-export, the key quoted, is accepted", 201, tst, ttext)
  local s3 = settled(mark) or {}
  t:eq("it re-scores every cached period again", #cached, s3.rescored)
  local kept3 = 0
  for _ in h:log():sub(mark + 1):gmatch("event=evaluate [^\n]*bodies=kept") do kept3 = kept3 + 1 end
  t:eq("none keeps texts whose result is no longer stored", 0, kept3)
  local again = latest_results()
  local stored = 0
  for _, c in ipairs(cached) do
    local e = c[1] .. " " .. c[2]
    if again[e] == before[e] then stored = stored + 1 end
  end
  t:eq("each run names the same result, stored again", #cached, stored)
  local _, _, runs_page = h:get("/api/v1/runs?limit=1", tok.admin)
  local id = runs_page and runs_page.runs and runs_page.runs[1] and math.tointeger(runs_page.runs[1].id)
  local gst, _, gj = h:get("/api/v1/runs/" .. tostring(id), tok.admin)
  t:ok(gst == 200 and gj and gj.result ~= nil, "the latest run's result can be read", tostring(gst))
  t:eq("every number equals a full evaluation after the prune", 0, check_all("pruned"))
  local ust, _, uj = h:get("/api/v1/results/monthly/2021-05/lufeng", tok.lufeng)
  t:ok(ust == 200 and uj and uj.units and #uj.units == 1 and uj.units[1].unit == "lufeng" and
    uj.units[1].rows ~= nil and uj.units[1].issues ~= nil,
    "a unit's kept body is its own, with its rows and 问题清单", tostring(ust))
end

-- an upheld appeal on May's 办事指南 indicator is one cell: May, June and the years again
do
  local _, _, j = h:post("/api/v1/appeals", tok.lufeng, cjson.encode { period = "2021-05",
    indicator = "mon_guide", claim = "系统漏统计" })
  local id = j and math.tointeger(j.id)
  mark = #h:log()
  local ast, atext = h:post("/api/v1/appeals/" .. tostring(id) .. "/decision", tok.evaluator,
    cjson.encode { status = "upheld", adjustment = 0.5, reason = "核实属实" })
  t:eq("the appeal is upheld", 200, ast, atext)
  local sa = settled(mark) or { done = {} }
  t:eq("an upheld May appeal re-scores four periods", 4, sa.rescored)
  for _, e in ipairs { "monthly 2021-05", "monthly 2021-06", "year_end 2021", "annual 2021" } do
    t:eq(e .. " is re-scored after the appeal", 1, sa.done[e])
  end
  t:eq("and keeps the other four", 4, sa.kept)
  t:eq("every number equals a full evaluation after the appeal", 0, check_all("appeal"))
end

-- a fed value of September: October (its 环比) and the years; the *.csv files of the data
-- directory do not give it
local function post_values(name, row)
  mark = #h:log()
  local vst, vtext, vj = h:post("/api/v1/batches?source=values&name=" .. name, tok.admin,
    "unit,period,metric,value,n\n" .. row .. "\n", "text/csv")
  t:eq("the value batch " .. name .. " is accepted", 201, vst, vtext)
  return settled(mark) or { done = {} }, vj and vj.batch and vj.batch.id
end
do
  local sv = post_values("v.csv", "lufeng,2021-09,ecert_calls_reported,3,")
  t:eq("a September value re-scores three periods", 3, sv.rescored)
  for _, e in ipairs { "monthly 2021-10", "year_end 2021", "annual 2021" } do
    t:eq(e .. " is re-scored after the value", 1, sv.done[e])
  end
  t:eq("every number equals a full evaluation after the value", 0, check_all("value"))
  -- a value a *.csv file gives too: every evaluation fails to load the data, every period is
  -- re-scored; withdrawn, every one again
  local sc, id = post_values("clash.csv", "lufeng,2021-09,guide_accuracy,1,")
  t:eq("a value given twice re-scores every cached period", 8, sc.rescored)
  t:eq("every period fails alike on the host and in pinggu eval", 0, check_all("clash"))
  mark = #h:log()
  local dst, dtext = h:delete("/api/v1/batches/" .. tostring(id), tok.admin)
  t:eq("the clashing value is withdrawn", 200, dst, dtext)
  local sw = settled(mark) or {}
  t:eq("every failed period is re-scored", 8, sw.rescored)
  t:eq("every number equals a full evaluation after the withdrawal", 0, check_all("unclash"))
end

-- 2. randomised change sequences
local seed = tonumber(os.getenv("PINGGU_RESCORE_SEED") or "") or 19
print("serve.rescore: seed " .. seed)
math.randomseed(seed)
local units = { "441581", "441502", "441521", "441523" }
local rheader = "review_id,project_no,org_code,channel,level,is_default,is_real_name,reviewed_at," ..
  "ticket_id,ticket_status,rectified_at,reviewer_feedback\n"
local function review(no, org, month, day, bad, rectified)
  local at = string.format("2021-%02d-%02d 11:00:00", month, day)
  local fix = rectified and string.format("2021-%02d-%02d 11:00:00", month, math.min(day + 2, 28)) or ""
  return string.format("R%06d,,%s,政务服务网,%d,false,true,%s,%s,%s,%s,\n", no, org,
    bad and 1 or 5, at, bad and ("T" .. no) or "", bad and "整改中" or "", bad and fix or "")
end

local active = {}   -- { id=, source= }
local next_no = 100
local used_keys = {}
local function post(source, body, replaces)
  local path = "/api/v1/batches?source=" .. source .. "&name=b" .. next_no .. ".csv" ..
    (replaces and ("&replaces=" .. replaces.id) or "")
  local pst, ptext, j = h:post(path, tok.admin, body, "text/csv")
  return pst, ptext, j
end

local steps = tonumber(os.getenv("PINGGU_RESCORE_STEPS") or "") or 12
local failures_before = t.failures
for step = 1, steps do
  local what
  local r = math.random()
  mark = #h:log()
  local changed = false
  if r < 0.15 and #active > 0 then
    local k = math.random(#active)
    local b = table.remove(active, k)
    local dst, dtext = h:delete("/api/v1/batches/" .. b.id, tok.admin)
    what = "withdraw " .. b.id:sub(1, 8)
    t:eq("step " .. step .. ": " .. what, 200, dst, dtext)
    changed = dst == 200
  else
    local source = math.random() < 0.3 and "reviews" or "cases"
    local n = math.random(1, 3)
    local body = {}
    local months = {}
    for _ = 1, n do
      next_no = next_no + 1
      local month = math.random(1, 12)
      months[#months + 1] = month
      local unit = units[math.random(#units)]
      if source == "cases" then
        -- now and then a key an active batch holds already, in another month
        local no = next_no
        if #used_keys > 0 and math.random() < 0.25 then no = used_keys[math.random(#used_keys)] end
        used_keys[#used_keys + 1] = no
        body[#body + 1] = case(no, unit, math.random() < 0.5, month, math.random(1, 20))
      else
        body[#body + 1] = review(next_no, unit, month, math.random(1, 20), math.random() < 0.6,
          math.random() < 0.5)
      end
    end
    local replaces
    if r > 0.8 then
      for i, b in ipairs(active) do
        if b.source == source then replaces = table.remove(active, i) break end
      end
    end
    local pst, ptext, j = post(source, (source == "cases" and header or rheader) .. table.concat(body),
      replaces)
    what = string.format("post %s months %s%s", source, table.concat(months, ","),
      replaces and (" replacing " .. replaces.id:sub(1, 8)) or "")
    t:ok(pst == 201, "step " .. step .. ": " .. what, ptext and ptext:sub(1, 300))
    if pst == 201 and j and j.batch then
      active[#active + 1] = { id = j.batch.id, source = source }
      changed = true
    elseif replaces then
      active[#active + 1] = replaces
    end
  end
  if changed then
    local ss = settled(mark)
    t:ok(ss ~= nil, "step " .. step .. ": the re-score finishes")
    local names = {}
    for k in pairs(ss and ss.done or {}) do names[#names + 1] = k end
    table.sort(names)
    print(string.format("serve.rescore: step %d: %s: re-scored %s (%s), kept %s", step, what,
      ss and ss.rescored or "?", table.concat(names, ", "), ss and ss.kept or "?"))
    t:eq("step " .. step .. " (" .. what .. "): every cached result equals a full evaluation", 0,
      check_all("step " .. step))
  end
end
if t.failures > failures_before then print("serve.rescore: replay with PINGGU_RESCORE_SEED=" .. seed) end

H.finish(t, h)
