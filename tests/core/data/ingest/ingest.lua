-- ingest.lua — `pinggu ingest` and `pinggu eval` on raw records, checked against sqlite3.
--
--   lua5.4 ingest.lua PINGGU FIXTURE_DIR
--
-- Generates raw case records (CSV for one batch, NDJSON for another) with timestamps on the
-- sampling-month boundaries, ingests them, and compares every metric of the fixture with the
-- same figures computed by the sqlite3 shell over the same rows (sampling months in SQL: the
-- local date's month, plus one after the 25th). Percentiles and working days, which SQLite
-- lacks, are computed here in Lua from the rows. Then: re-ingesting is a no-op, withdrawing a
-- batch removes its records, a batch with one bad record is rejected whole, and a named pipe
-- is ingested (read once).
local cjson = require "cjson"
local bin, fixture = arg[1], arg[2]
local failures, checks = 0, 0

local function fail(fmt, ...)
  failures = failures + 1
  io.stderr:write("FAIL " .. fmt:format(...) .. "\n")
end
local function run(cmd)
  local f = io.popen(cmd .. " 2>/tmp/pinggu-ingest-stderr", "r")
  local out = f:read("a")
  local ok, _, code = f:close()
  local e = io.open("/tmp/pinggu-ingest-stderr"):read("a")
  return out, e, ok and 0 or code
end
local tmp = io.popen("mktemp -d"):read("l")
local data = tmp .. "/data"
os.execute("mkdir -p " .. data)

-- deterministic generator (an LCG; no math.random, whose algorithm is Lua's business)
local seed = 20211110
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n end
local units = { "ga", "11441500002", "人社", "zr", "市公安局" }
local channels = { "窗口", "网上", "粤省事", "粤商通" }
local base = os.time { year = 2021, month = 4, day = 20, hour = 0 } -- only for stepping dates
local rows = {}
local function stamp(t, form) -- t: seconds of local (+08:00) wall time as os.time gives in UTC
  local s = os.date("!%Y-%m-%d %H:%M:%S", t)
  if form == 0 then return s end
  if form == 1 then return s:gsub(" ", "T") .. "+08:00" end
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t - 8 * 3600)
end
local specials = { -- local times on the boundaries
  { 2021, 5, 25, 23, 59, 59 }, { 2021, 5, 26, 0, 0, 0 }, { 2021, 12, 25, 23, 59, 59 },
  { 2021, 12, 26, 0, 0, 0 }, { 2021, 10, 9, 23, 59, 59 }, { 2021, 10, 10, 0, 0, 0 },
  { 2021, 12, 31, 23, 59, 59 }, { 2022, 1, 1, 0, 0, 0 } }
for i = 1, 2400 do
  local t
  local sp = specials[(i % 300 == 0) and (i // 300) or 0]
  if sp then
    t = os.time { year = sp[1], month = sp[2], day = sp[3], hour = sp[4], min = sp[5], sec = sp[6] }
  else
    t = base + rnd(260 * 86400)
  end
  local done = rnd(5) == 0 and "" or stamp(t + rnd(20 * 86400), rnd(3))
  rows[#rows + 1] = {
    project_no = ("P%05d"):format((i % 97 == 0) and i - 1 or i), -- a few repeated keys
    org_code = units[rnd(#units) + 1], accept = t, accept_date = stamp(t, rnd(3)),
    result_date = done, promise_day = rnd(15) + 1, channel = channels[rnd(4) + 1],
    fully_online = rnd(2) == 1, rating = rnd(6) == 0 and "" or tostring(rnd(5) + 1),
    batch = i <= 1200 and "a" or "b" }
end

local csv = io.open(tmp .. "/a.csv", "w")
csv:write("\239\187\191project_no,org_code,accept_date,result_date,promise_day,channel,fully_online,rating\r\n")
local nd = io.open(tmp .. "/b.ndjson", "w")
for _, r in ipairs(rows) do
  if r.batch == "a" then
    csv:write(('%s,"%s",%s,%s,%d,%s,%s,%s\r\n'):format(r.project_no, r.org_code, r.accept_date,
      r.result_date, r.promise_day, r.channel, r.fully_online and "true" or "false", r.rating))
  else
    nd:write(cjson.encode { project_no = r.project_no, org_code = r.org_code,
      accept_date = r.accept_date, result_date = r.result_date ~= "" and r.result_date or nil,
      promise_day = r.promise_day, channel = r.channel, fully_online = r.fully_online,
      rating = r.rating ~= "" and tonumber(r.rating) or cjson.null } .. "\n")
  end
end
csv:close(); nd:close()

-- the same rows for sqlite3, with the unit resolved the way units.csv says
local unit_of = { ga = "ga", ["11441500002"] = "rs", ["人社"] = "rs", zr = "zr", ["市公安局"] = "ga" }
local all = io.open(tmp .. "/all.csv", "w")
for _, r in ipairs(rows) do
  all:write(("%s,%s,%s,%s,%s,%d,%s,%d,%s\n"):format(r.batch, r.project_no, unit_of[r.org_code],
    r.accept_date, r.result_date, r.promise_day, r.channel, r.fully_online and 1 or 0, r.rating))
end
all:close()

local function ingest(files)
  return run(("%s ingest --rules %s --data %s --source cases %s"):format(bin, fixture, data, files))
end
local out, err, code = ingest(tmp .. "/a.csv " .. tmp .. "/b.ndjson")
if code ~= 0 then fail("ingest exit %s: %s", code, err) end
if not out:find("repeat an earlier key") then fail("duplicate keys not reported: %s", out) end
out, err, code = ingest(tmp .. "/a.csv")
if code ~= 0 or not out:find("already ingested") then fail("re-ingest not a no-op: %s %s", out, err) end

-- expected values from sqlite3
local function sql(where_batch)
  local script = ([[
CREATE TABLE raw(batch, project_no, unit, accept_date, result_date, promise_day, channel, fully_online, rating);
.mode csv
.import %s/all.csv raw
CREATE VIEW r AS SELECT *,
  CASE WHEN accept_date LIKE '%%Z' OR substr(accept_date, -6, 1) IN ('+', '-')
       THEN datetime(accept_date, '+8 hours') ELSE datetime(replace(accept_date, 'T', ' ')) END AS local,
  CASE WHEN result_date = '' THEN NULL
       WHEN result_date LIKE '%%Z' OR substr(result_date, -6, 1) IN ('+', '-')
       THEN datetime(result_date, '+8 hours') ELSE datetime(replace(result_date, 'T', ' ')) END AS rlocal,
  NULLIF(rating, '') + 0 AS rt
FROM raw WHERE batch IN (%s) AND rowid IN (SELECT min(rowid) FROM raw WHERE batch IN (%s) GROUP BY batch, project_no);
CREATE VIEW p AS SELECT *,
  CASE WHEN CAST(strftime('%%d', local) AS INT) > 25
       THEN strftime('%%Y-%%m', local, 'start of month', '+1 month') ELSE strftime('%%Y-%%m', local) END AS month,
  (julianday(rlocal) - julianday(local)) AS days FROM r;
.mode list
.separator |
SELECT unit, month, count(*), avg(channel <> '窗口'), avg(fully_online), avg(days), count(days),
  max(rt), min(rt), sum(promise_day), sum(rt) * 1.0 / sum(CASE WHEN rt IS NOT NULL THEN promise_day END),
  sum(rt <= 2), count(DISTINCT channel) FROM p GROUP BY unit, month;
SELECT 'ye', unit, count(*) FROM p WHERE local >= '2021-10-10' AND local < '2022-01-01' GROUP BY unit;
SELECT 'row', unit, month, days, date(local), date(rlocal), promise_day FROM p WHERE days IS NOT NULL;
]]):format(tmp, where_batch, where_batch)
  local f = io.open(tmp .. "/q.sql", "w"); f:write(script); f:close()
  local res = { rows = {} }
  for line in io.popen("sqlite3 :memory: < " .. tmp .. "/q.sql"):lines() do
    local v = {}
    for x in (line .. "|"):gmatch("([^|]*)|") do v[#v + 1] = x end
    if v[1] == "ye" then res["ye:" .. v[2]] = tonumber(v[3])
    elseif v[1] == "row" then
      local k = v[2] .. ":" .. v[3]
      res.rows[k] = res.rows[k] or {}
      table.insert(res.rows[k], { days = tonumber(v[4]), from = v[5], to = v[6], promise = tonumber(v[7]) })
    else res[v[1] .. ":" .. v[2]] = v end
  end
  return res
end

local function eval_values(period, scheme)
  local o, e, c = run(("%s eval --rules %s --data %s --scheme %s --period %s"):format(bin, fixture,
    data, scheme or "m", period))
  if c ~= 0 then fail("eval %s exit %s: %s", period, c, e); return {} end
  local vals = {}
  for _, u in ipairs(cjson.decode(o).units) do
    for _, ind in ipairs(u.indicators) do
      if ind.leaf then vals[u.unit .. ":" .. ind.metric] = { ind.value, ind.n } end
    end
  end
  return vals
end

local function near(what, want, got)
  checks = checks + 1
  want = tonumber(want)
  if want == nil and got == nil then return end
  if want == nil or got == nil or math.abs(want - got) > 1e-6 * math.max(1, math.abs(want)) then
    fail("%s: expected %s, got %s", what, tostring(want), tostring(got))
  end
end

-- Percentiles (linear between closest ranks) and working days, which SQLite lacks.
local function quantile(xs, q)
  table.sort(xs)
  local pos = q * (#xs - 1)
  local lo = math.floor(pos)
  local hi = math.min(lo + 1, #xs - 1)
  return xs[lo + 1] + (pos - lo) * (xs[hi + 1] - xs[lo + 1])
end
local holidays = { ["2021-05-03"] = true, ["2021-05-04"] = true, ["2021-05-05"] = true }
local workdays = { ["2021-05-08"] = true }
local function day_after(d) -- "YYYY-MM-DD" + 1 day, by os.date on a noon UTC timestamp
  local y, m, dd = d:match("(%d+)-(%d+)-(%d+)")
  local t = os.time { year = tonumber(y), month = tonumber(m), day = tonumber(dd) + 1, hour = 12 }
  return os.date("%Y-%m-%d", t), os.date("*t", t).wday
end
local function count_workdays(from, to)
  local n, d = 0, from
  while d < to do
    local wday
    d, wday = day_after(d)
    local weekday = wday ~= 1 and wday ~= 7
    if workdays[d] or (weekday and not holidays[d]) then n = n + 1 end
  end
  return n
end

local function compare(batches)
  local exp = sql(batches)
  for _, month in ipairs { "2021-05", "2021-06", "2021-12", "2022-01" } do
    local year = month:sub(1, 4)
    local vals = month:sub(1, 4) == "2021" and eval_values(month) or {}
    for _, u in ipairs { "ga", "rs", "zr" } do
      local e = exp[u .. ":" .. month]
      local function v(m) local x = vals[u .. ":" .. m]; return x and x[1] end
      if year == "2021" and e then
        near(u .. " " .. month .. " n_cases", e[3], v("n_cases"))
        near(u .. " " .. month .. " online_share", e[4], v("online_share"))
        near(u .. " " .. month .. " full_share", e[5], v("full_share"))
        near(u .. " " .. month .. " mean_days", e[6], v("mean_days"))
        near(u .. " " .. month .. " mean_days n", e[7], (vals[u .. ":mean_days"] or {})[2])
        near(u .. " " .. month .. " max_rating", e[8], v("max_rating"))
        near(u .. " " .. month .. " min_rating", e[9], v("min_rating"))
        near(u .. " " .. month .. " total_promise", e[10], v("total_promise"))
        near(u .. " " .. month .. " rating_ratio", e[11], v("rating_ratio"))
        near(u .. " " .. month .. " low_ratings", e[12], v("low_ratings"))
        near(u .. " " .. month .. " channels", e[13], v("channels"))
        local days, ontime = {}, 0
        for _, r in ipairs(exp.rows[u .. ":" .. month] or {}) do
          days[#days + 1] = r.days
          if count_workdays(r.from, r.to) <= r.promise then ontime = ontime + 1 end
        end
        if #days > 0 then
          near(u .. " " .. month .. " ontime_share", ontime / #days, v("ontime_share"))
          near(u .. " " .. month .. " p50_days", quantile(days, 0.5), v("p50_days"))
          near(u .. " " .. month .. " p90_days", quantile(days, 0.9), v("p90_days"))
        end
        local ytd = 0
        for m = 1, tonumber(month:sub(6, 7)) do
          local x = exp[u .. ":" .. ("%s-%02d"):format(year, m)]
          ytd = ytd + (x and tonumber(x[3]) or 0)
        end
        near(u .. " " .. month .. " ytd_cases", ytd, v("ytd_cases"))
      end
    end
  end
  local ye = eval_values("2021", "y")
  for _, u in ipairs { "ga", "rs", "zr" } do
    near(u .. " ye_cases", exp["ye:" .. u] or 0, (ye[u .. ":ye_cases"] or {})[1] or 0)
  end
end
compare("'a','b'")

-- a changed metric definition is recomputed from the stored raw batches; the others are not
do
  local changed = tmp .. "/rules"
  os.execute(("cp -r %s %s"):format(fixture, changed))
  local f = io.open(changed .. "/ruleset.lua"); local text = f:read("a"); f:close()
  text = text:gsub('where = "rating <= 2"', 'where = "rating <= 3"')
  f = io.open(changed .. "/ruleset.lua", "w"); f:write(text); f:close()
  local o, e, c = run(("%s eval --rules %s --data %s --scheme m --period 2021-05"):format(bin,
    changed, data))
  if c ~= 0 then fail("eval with a changed definition: exit %s: %s", c, e) else
    local script = ([[
CREATE TABLE raw(batch, project_no, unit, accept_date, result_date, promise_day, channel, fully_online, rating);
.mode csv
.import %s/all.csv raw
.mode list
SELECT count(*) FROM raw WHERE unit = 'ga' AND rating <> '' AND rating + 0 <= 3 AND rowid IN
  (SELECT min(rowid) FROM raw GROUP BY batch, project_no) AND
  (CASE WHEN accept_date LIKE '%%Z' OR substr(accept_date, -6, 1) IN ('+', '-')
        THEN datetime(accept_date, '+8 hours') ELSE datetime(replace(accept_date, 'T', ' ')) END)
  >= '2021-04-26' AND
  (CASE WHEN accept_date LIKE '%%Z' OR substr(accept_date, -6, 1) IN ('+', '-')
        THEN datetime(accept_date, '+8 hours') ELSE datetime(replace(accept_date, 'T', ' ')) END)
  < '2021-05-26';
]]):format(tmp)
    local q = io.open(tmp .. "/q3.sql", "w"); q:write(script); q:close()
    local want = tonumber(io.popen("sqlite3 :memory: < " .. tmp .. "/q3.sql"):read("l"))
    local got
    for _, u in ipairs(cjson.decode(o).units) do
      for _, ind in ipairs(u.indicators) do
        if u.unit == "ga" and ind.metric == "low_ratings" then got = ind.value end
      end
    end
    near("ga 2021-05 low_ratings with rating <= 3 (recomputed)", want, got)
  end
end

-- withdraw batch b: its records stop counting
local list = run(("%s ingest --data %s --list"):format(bin, data))
local bid
for line in list:gmatch("[^\n]+") do
  if line:find("b.ndjson", 1, true) then bid = line:match("^(%x+)") end
end
if not bid then fail("batch list lacks b.ndjson:\n%s", list) else
  out, err, code = run(("%s ingest --data %s --withdraw %s"):format(bin, data, bid))
  if code ~= 0 then fail("withdraw exit %s: %s", code, err) end
  compare("'a'")
end

local function sql(q)
  local quoted = "'" .. q:gsub("'", "'\\''") .. "'"
  return (io.popen(("sqlite3 -batch %s/pinggu.db %s"):format(data, quoted)):read("a"):gsub("%s+$", ""))
end
local function list_status()
  local st = {}
  for line in run(("%s ingest --data %s --list"):format(bin, data)):gmatch("[^\n]+") do
    local id, status = line:match("^(%x+)%s+%S+%s+(%a+)")
    if id then st[id] = { status = status, line = line } end
  end
  return st
end
local aid = (list_status()[next(list_status())] and nil)
for id, e in pairs(list_status()) do if e.line:find("a.csv", 1, true) then aid = id end end
if bid and aid then
  local st = list_status()
  if st[bid].status ~= "withdrawn" then fail("b listed as %s, not withdrawn", st[bid].status) end
  if not st[aid].line:find("cli:", 1, true) then fail("the list lacks the actor: %s", st[aid].line) end
  -- replace a by b: b's bytes come back, a is replaced, in one step
  out, err, code = run(("%s ingest --rules %s --data %s --source cases --actor ops --replace %s %s/b.ndjson")
    :format(bin, fixture, data, aid, tmp))
  if code ~= 0 then fail("replace exit %s: %s", code, err) end
  st = list_status()
  if st[aid].status ~= "replaced" or st[bid].status ~= "active" then
    fail("after the replacement: a %s, b %s", st[aid].status, st[bid].status)
  end
  if not st[aid].line:find("replaced by " .. bid, 1, true) then fail("no 'replaced by': %s", st[aid].line) end
  compare("'b'")
  -- a replacement of a batch that is not active, or by bytes already counted, changes nothing
  local listed = run(("%s ingest --data %s --list"):format(bin, data))
  out, err, code = run(("%s ingest --rules %s --data %s --source cases --replace %s %s/b.ndjson")
    :format(bin, fixture, data, aid, tmp))
  if code ~= 1 or not err:find("already active", 1, true) then fail("replacing by active bytes: exit %s: %s", code, err) end
  out, err, code = run(("%s ingest --rules %s --data %s --source cases --replace %s %s/a.csv")
    :format(bin, fixture, data, aid, tmp))
  if code ~= 1 or not err:find("both would count the same records", 1, true) then
    fail("the replaced bytes again: exit %s: %s", code, err)
  end
  if run(("%s ingest --data %s --list"):format(bin, data)) ~= listed then fail("a refused replacement changed the list") end
  -- fed values as a batch: a value computed too is an error naming both, until withdrawn
  local v = io.open(tmp .. "/values.csv", "w")
  v:write("unit,period,metric,value,n\nga,2021-06,n_cases,5,\n")
  v:close()
  out, err, code = run(("%s ingest --rules %s --data %s --values %s/values.csv --actor ops"):format(bin, fixture, data, tmp))
  if code ~= 0 or not out:find("1 values", 1, true) then fail("values batch: exit %s: %s %s", code, out, err) end
  local vid = out:match("batch (%x+):")
  local _, e2, c2 = run(("%s eval --rules %s --data %s --scheme m --period 2021-06"):format(bin, fixture, data))
  if c2 ~= 1 or not e2:find("given twice", 1, true) or not e2:find("computed from source 'cases'", 1, true)
    or not e2:find("value batch " .. (vid or "?"), 1, true) then
    fail("a value fed and computed: exit %s: %s", c2, e2)
  end
  out, err, code = run(("%s ingest --data %s --withdraw %s --actor ops"):format(bin, data, vid or "?"))
  if code ~= 0 then fail("withdrawing the values: exit %s: %s", code, err) end
  compare("'b'")
  -- the audit log: one entry per change, with its actor and the status before and after
  local want = {
    { "batch.ingest", 3 }, { "batch.withdraw", 2 }, { "batch.restore", 1 }, { "batch.replace", 1 } }
  for _, w in ipairs(want) do
    local n = tonumber(sql(("SELECT count(*) FROM audit WHERE action = '%s'"):format(w[1])))
    if n ~= w[2] then fail("audit %s: expected %d entries, got %s", w[1], w[2], tostring(n)) end
  end
  local r = sql(("SELECT actor, json_extract(before, '$.status'), json_extract(after, '$.status'), " ..
    "substr(json_extract(after, '$.replaced_by'), 1, 12) FROM audit WHERE action = 'batch.replace' AND object LIKE 'batch/%s%%'"):format(aid))
  if r ~= ("ops|active|replaced|" .. bid) then fail("the replacement's audit entry: %s", r) end
  r = sql(("SELECT json_extract(before, '$.status') || '>' || json_extract(after, '$.status') FROM audit " ..
    "WHERE action = 'batch.withdraw' AND object LIKE 'batch/%s%%'"):format(vid or "?"))
  if r ~= "active>withdrawn" then fail("the withdrawal's audit entry: %s", r) end
  checks = checks + 8
end

-- a batch with one bad record is rejected whole, with file:line: field: reason
local bad = io.open(tmp .. "/bad.csv", "w")
bad:write("project_no,org_code,accept_date,result_date,promise_day,channel,fully_online,rating\n")
bad:write("X1,ga,2021-05-02 10:00:00,,3,网上,true,5\n")
bad:write("X2,nobody,2021-05-02 10:00:00,,3,网上,true,5\n")
bad:write("X3,ga,2021-05-02 10:00:00,,3,传真,true,5\n")
bad:write("X4,ga,2021-13-02 10:00:00,,3,网上,true,5\n")
bad:close()
local before = run(("%s ingest --data %s --list"):format(bin, data))
out, err, code = ingest(tmp .. "/bad.csv")
if code ~= 1 then fail("bad batch exit %s, expected 1", code) end
for _, want in ipairs { "bad.csv:3: error: org_code:", "bad.csv:4: error: channel:", "bad.csv:5: error: accept_date:",
                        "3 bad records" } do
  if not err:find(want, 1, true) then fail("bad batch stderr lacks %q:\n%s", want, err) end
end
if run(("%s ingest --data %s --list"):format(bin, data)) ~= before then
  fail("a rejected batch changed the index")
end

-- a named pipe can be read only once, and the ingest reads a file once (issue 14 §7): hashed,
-- copied and parsed from the same read; the batch id is the SHA-256 of the bytes that came
local piped = io.open(tmp .. "/piped.src", "w")
piped:write("project_no,org_code,accept_date,result_date,promise_day,channel,fully_online,rating\n")
piped:write("Y1,ga,2021-05-02 10:00:00,,3,网上,true,5\nY2,zr,2021-06-02 10:00:00,,3,窗口,false,\n")
piped:close()
os.execute(("mkfifo %s/pipe.csv"):format(tmp))
out, err, code = run(("(cat %s/piped.src > %s/pipe.csv &) ; %s ingest --rules %s --data %s --source cases %s/pipe.csv")
  :format(tmp, tmp, bin, fixture, data, tmp))
local sum = io.popen(("sha256sum %s/piped.src"):format(tmp)):read("l"):match("^(%x+)")
if code ~= 0 or not out:find("2 records of cases", 1, true) then
  fail("ingest of a named pipe: exit %s: %s %s", code, out, err)
elseif not out:find("batch " .. sum:sub(1, 12), 1, true) then
  fail("the piped batch's id is not the SHA-256 of its bytes (%s): %s", sum, out)
end
local stored = io.open(("%s/batches/raw/%s.csv"):format(data, sum), "rb")
if not stored or stored:read("a") ~= io.open(tmp .. "/piped.src", "rb"):read("a") then
  fail("the piped batch's raw copy is not its bytes")
end
checks = checks + 2

os.execute("rm -rf " .. tmp)
print(("%d passed, %d failed"):format(checks - failures, failures))
os.exit(failures == 0 and 0 or 1)
