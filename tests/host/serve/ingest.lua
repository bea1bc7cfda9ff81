-- ingest.lua — batches posted to the real host: accepted and counted in the next ranking,
-- posted again as a no-op, rejected whole with file:line errors naming the uploaded file,
-- withdrawn; and the roles that may do each.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local t, h, tok, ws = H.setup("serve.ingest")

local header = "project_no,task_code,org_code,handle_level,project_type,channel,accept_date," ..
  "anticipate_day,promise_day,result_date,result_type,suspend_days,visits,fully_online," ..
  "ecert_applicable,uses_ecert,result_sealed,sync_date\n"
-- four cases of 陆丰 (by its code, name and alias) accepted in sampling month 2021-05, three of
-- them fully online: the 全程网办办件占比 is 3/4
local function case(no, org, online, accepted)
  return string.format("T%05d,TC1,%s,县,承诺件,政务服务网,%s,20,10,2021-05-20 10:00:00,批准,0,0,%s," ..
    "false,false,true,2021-05-20T02:00:00Z\n", no, org, accepted, online)
end
local good = header .. case(1, "441581", "true", "2021-05-10 09:00:00") ..
  case(2, "陆丰市", "true", "2021-04-26 00:00:00") .. case(3, "陆丰", "true", "2021-05-25 23:59:59") ..
  case(4, "441581", "false", "2021-05-12T08:00:00+08:00")

local function full_online(token)
  local st, _, j = h:get("/api/v1/results/monthly/2021-05/lufeng", token or tok.admin)
  if st ~= 200 then return nil, st end
  for _, row in ipairs(j.units[1].indicators) do
    if row.id == "mon_full_online" then return row.value, row.n end
  end
end

local before = full_online()
t:ok(before == nil or before == L.null, "no 全程网办 value before any batch", L.fmt(before))

local st, text, j = h:post("/api/v1/batches?source=cases&name=cases-2021-05.csv", tok.lufeng, good, "text/csv")
t:eq("a unit may not post system batches", 403, st)
st, text, j = h:post("/api/v1/batches?source=cases&name=cases-2021-05.csv", tok.evaluator, good, "text/csv")
t:eq("an evaluator posts a batch", 201, st, text)
local batch = j and j.batch or {}
t:eq("records", 4, batch.records)
t:eq("file name", "cases-2021-05.csv", batch.file)
t:eq("status", "active", batch.status)
t:eq("not ingested before", false, j and j.already_ingested)
local v, n = H.wait(10, function() local x, m = full_online() if x and x ~= L.null then return x, m end end)
t:near("the ranking now counts the batch: 3 of 4 fully online", 0.75, v, 1e-9)
t:eq("over 4 cases", 4, n)

-- the stored partials name every metric of the source, even one no record of the batch counts
-- towards (the year-end share), so evaluations never re-read the raw file for it (read with
-- the sqlite3 shell, independently of pinggu)
local function partials()
  local p = io.popen("sqlite3 " .. L.quote(ws .. "/data/pinggu.db") ..
    " \"SELECT metric || '=' || hex(cells) FROM partial WHERE batch = '" .. batch.id ..
    "' ORDER BY metric, definition\"")
  local out = p:read("a")
  p:close()
  return out
end
local stored = partials()
-- (binary cells: "PGC" 1 and a count of 0 cells, core/data/batch.c)
t:ok(stored:find("\nzero_visit_rate=5047430100000000\n", 1, true) ~= nil,
  "an empty year-end entry is stored for a May batch", stored:sub(1, 300))
h:post("/api/v1/evaluations", tok.admin, '{"scheme":"year_end","period":"2021"}')
t:eq("evaluating does not rewrite the partials", stored, partials())

st, text, j = h:post("/api/v1/batches?source=cases&name=again.csv", tok.admin, good, "text/csv")
t:eq("the same bytes again", 200, st, text)
t:eq("are recognised", true, j and j.already_ingested)
t:eq("as the same batch", batch.id, j and j.batch and j.batch.id)

-- a bad batch: an unknown unit on line 3, a bad enum on line 4; nothing of it is stored
local bad = header .. case(10, "441581", "true", "2021-05-11 09:00:00") ..
  case(11, "火星市", "true", "2021-05-11 09:00:00") ..
  case(12, "441581", "true", "2021-05-11 09:00:00"):gsub("政务服务网", "飞鸽传书")
st, text, j = h:post("/api/v1/batches?source=cases&name=bad.csv", tok.admin, bad, "text/csv")
t:eq("a bad batch is rejected", 422, st, text)
local errs = j and j.error and j.error.errors or {}
t:eq("two errors", 2, j and j.error and j.error.total)
t:eq("first error: file", "bad.csv", errs[1] and errs[1].file)
t:eq("first error: line", 3, errs[1] and errs[1].line)
t:contains("first error: the unit", errs[1] and errs[1].message, "火星市")
t:eq("second error: line", 4, errs[2] and errs[2].line)
t:contains("second error: the field", errs[2] and errs[2].message, "channel")
t:contains("the message says nothing was stored", j and j.error.message, "2 bad records: the batch is rejected, nothing stored")
local _, _, list = h:get("/api/v1/batches", tok.evaluator)
t:eq("one batch in the list", 1, list and #list.batches)
v = full_online()
t:near("the rejected batch changed nothing", 0.75, v, 1e-9)

-- NDJSON, and unknown sources
st = h:post("/api/v1/batches?source=nosuch", tok.admin, good, "text/csv")
t:eq("an unknown source", 404, st)
st = h:post("/api/v1/batches", tok.admin, good, "text/csv")
t:eq("no source", 400, st)
st = h:post("/api/v1/batches?source=cases&name=../x.csv", tok.admin, good, "text/csv")
t:eq("a path as the name", 400, st)
local nd = '{"project_no":"N1","task_code":"TC1","org_code":"441581","handle_level":"县",' ..
  '"project_type":"承诺件","channel":"粤省事","accept_date":"2021-05-13 09:00:00",' ..
  '"anticipate_day":20,"promise_day":10,"result_date":null,"result_type":null,"suspend_days":0,' ..
  '"visits":0,"fully_online":false,"ecert_applicable":false,"uses_ecert":false,' ..
  '"result_sealed":null,"sync_date":"2021-05-13T02:00:00Z"}\n'
st, text, j = h:post("/api/v1/batches?source=cases", tok.admin, nd, "application/x-ndjson")
t:eq("an NDJSON batch without a name", 201, st, text)
t:eq("read as NDJSON", "ndjson", j and j.batch and j.batch.format)
v = H.wait(10, function() local x = full_online() if x and math.abs(x - 0.6) < 1e-9 then return x end end)
t:near("3 of 5 now", 0.6, v, 1e-9)

-- withdrawal: admin only, and the value goes back
st = h:delete("/api/v1/batches/" .. batch.id, tok.evaluator)
t:eq("an evaluator may not withdraw", 403, st)
st, text = h:delete("/api/v1/batches/" .. batch.id, tok.admin)
t:eq("an admin withdraws", 200, st, text)
v = H.wait(10, function() local x = full_online() if x == 0 then return true end end)
t:ok(v, "after the withdrawal only the NDJSON case counts (0 of 1 fully online)")
_, _, list = h:get("/api/v1/batches", tok.admin)
local status = {}
for _, b in ipairs(list and list.batches or {}) do status[b.id] = b.status end
t:eq("the withdrawn batch is listed as such", "withdrawn", status[batch.id])
local _, metrics = h:get("/metrics", tok.admin)
t:contains("ingested records are counted", metrics, "pinggu_ingested_records_total 5")

-- fed values as a batch of the pseudo-source "values": 海丰's May self-reported 证明事项免提交比例,
-- which the sample leaves out (carried forward), now given; a bad row rejects the file
local function zero_proof()
  local st, _, j = h:get("/api/v1/results/monthly/2021-05/haifeng", tok.admin)
  if st ~= 200 then return nil end
  for _, row in ipairs(j.units[1].indicators) do
    if row.id == "mon_zero_proof" then return row end
  end
end
local z0 = zero_proof()
t:ok(z0 and z0.value ~= 0.9, "haifeng's value is not 0.9 before", z0 and L.fmt(z0.value))
st, text, j = h:post("/api/v1/batches?source=values&name=haifeng-05.csv", tok.evaluator,
  "unit,period,metric,value,n\nhaifeng,2021-05,zero_proof_rate,0.9,\n", "text/csv")
t:eq("a values batch is taken", 201, st, text)
t:eq("as the pseudo-source values", "values", j and j.batch and j.batch.source)
local z1 = H.wait(10, function() local r = zero_proof() if r and r.value == 0.9 then return r end end)
t:eq("the value counts", 0.9, z1 and z1.value)
t:eq("and scores full marks (linear 0.5 to 0.9)", 5, z1 and z1.points)
st, text, j = h:post("/api/v1/batches?source=values&name=bad.csv", tok.evaluator,
  "unit,period,metric,value,n\nnobody,2021-05,zero_proof_rate,0.5,\n", "text/csv")
t:eq("a bad values batch is 422", 422, st, text)
t:eq("naming the file and line", "bad.csv", j and j.error.errors[1].file)
t:eq("… line 2", 2, j and j.error.errors[1].line)
t:eq("an unknown source is 404", 404,
  (h:post("/api/v1/batches?source=nosuch", tok.evaluator, "a\n", "text/csv")))

-- a long batch (over 1 MiB): the server keeps the body in an unnamed file in the upload
-- directory, and the intake links that file into place instead of copying it. The batch is
-- the same: its records, and its id the SHA-256 of the bytes posted; nothing is left behind.
local rows = { header }
for i = 1, 12000 do
  rows[#rows + 1] = case(100000 + i, "441581", i % 3 == 0 and "true" or "false",
    "2021-06-10 09:00:00")
end
local long = table.concat(rows)
t:ok(#long > 1024 * 1024, "the long batch is over 1 MiB", tostring(#long))
local longf = ws .. "/long.csv"
L.write(longf, long)
local want_id = L.run("sha256sum " .. L.quote(longf)):match("^(%x+)")
st, text, j = h:post("/api/v1/batches?source=cases&name=long.csv", tok.evaluator, long, "text/csv")
t:eq("the long batch is taken", 201, st, text)
t:eq("all its records", 12000, j and j.batch and j.batch.records)
t:eq("its id is the SHA-256 of the bytes posted", want_id, j and j.batch and j.batch.id)
_, metrics = h:get("/metrics", tok.admin)
t:ok(tonumber(metrics:match("pinggu_http_bodies_spilled_total (%d+)") or 0) >= 1,
  "the body went to a temporary file", metrics:match("pinggu_http_bodies_spilled_total[^\n]*"))
local left = L.run("find " .. L.quote(ws .. "/data/incoming") .. " -mindepth 2")
t:eq("nothing is left in the upload directory", "", left)

H.finish(t, h)
