-- api.lua — replacing and withdrawing batches over HTTP, with the token's name in the audit
-- log: POST /api/v1/batches?source=S&replaces=ID makes the new batch active and the old one
-- replaced in one step, a bad replacement leaves the old one active (422), a replacement of a
-- batch that is not active is refused (409), DELETE withdraws once and then answers 409.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "../../host/serve/host.lua")
local L = H.L
local t, h, tok, ws = H.setup("store.api")
local db = ws .. "/data/pinggu.db"
local function sql(q)
  return (L.run("sqlite3 -batch " .. L.quote(db) .. " " .. L.quote(q)):gsub("%s+$", ""))
end

local header = "project_no,task_code,org_code,handle_level,project_type,channel,accept_date," ..
  "anticipate_day,promise_day,result_date,result_type,suspend_days,visits,fully_online," ..
  "ecert_applicable,uses_ecert,result_sealed,sync_date\n"
local function cases(prefix, n, online)
  local rows = { header }
  for i = 1, n do
    rows[#rows + 1] = string.format("%s%04d,TC1,441581,县,承诺件,政务服务网,2021-05-10 10:00:00,20,10," ..
      "2021-05-20 10:00:00,批准,0,0,%s,false,false,true,2021-05-20T02:00:00Z\n", prefix, i,
      i <= online and "true" or "false")
  end
  return table.concat(rows)
end
local function full_online()
  local st, _, j = h:get("/api/v1/results/monthly/2021-05/lufeng", tok.admin)
  if st ~= 200 then return nil end
  for _, row in ipairs(j.units[1].indicators) do
    if row.id == "mon_full_online" then return row.value, row.n end
  end
end

local st, text, j = h:post("/api/v1/batches?source=cases&name=old.csv", tok.evaluator, cases("O", 4, 1), "text/csv")
t:eq("the old batch", 201, st, text)
local old = j and j.batch or {}
t:eq("its actor is the token", "evaluator:evaluator", old.actor)
local v, n = H.wait(10, function() local x, m = full_online() if m == 4 then return x, m end end)
t:near("1 of 4 fully online", 0.25, v, 1e-9)

-- a bad replacement: nothing changes
st, text = h:post("/api/v1/batches?source=cases&name=bad.csv&replaces=" .. old.id:sub(1, 12), tok.evaluator,
  header .. "X1,TC1,火星市,县,承诺件,政务服务网,2021-05-10 10:00:00,20,10,,,0,0,true,false,false,true,2021-05-20T02:00:00Z\n",
  "text/csv")
t:eq("a bad replacement is rejected", 422, st, text)
t:eq("the old batch is still active", "active", sql("SELECT status FROM batch WHERE id = '" .. old.id .. "'"))
st, text = h:post("/api/v1/batches?source=cases&name=new.csv&replaces=0000", tok.evaluator, cases("N", 5, 5), "text/csv")
t:eq("replacing a batch that does not exist", 404, st, text)
t:eq("stores nothing", "1", sql("SELECT count(*) FROM batch"))

-- the replacement
st, text, j = h:post("/api/v1/batches?source=cases&name=new.csv&replaces=" .. old.id, tok.admin, cases("N", 5, 5), "text/csv")
t:eq("the replacement", 201, st, text)
local new = j and j.batch or {}
t:eq("answers what it replaced", old.id, j and j.replaced)
t:eq("old: replaced by the new", "replaced|" .. tostring(new.id),
  sql("SELECT status || '|' || replaced_by FROM batch WHERE id = '" .. old.id .. "'"))
v, n = H.wait(10, function() local x, m = full_online() if m == 5 then return x, m end end)
t:near("5 of 5 fully online: only the new one counts", 1, v, 1e-9)
t:eq("the audit entry of the replacement", "admin:admin|active|replaced",
  sql("SELECT actor || '|' || json_extract(before, '$.status') || '|' || json_extract(after, '$.status')" ..
    " FROM audit WHERE action = 'batch.replace'"))
st = h:post("/api/v1/batches?source=cases&name=again.csv&replaces=" .. old.id, tok.admin, cases("M", 2, 2), "text/csv")
t:eq("replacing a replaced batch", 409, st)

-- withdrawal, twice
st, text, j = h:delete("/api/v1/batches/" .. new.id:sub(1, 16), tok.admin)
t:eq("withdrawn", 200, st, text)
t:eq("answers the batch", "withdrawn", j and j.batch and j.batch.status)
st = h:delete("/api/v1/batches/" .. new.id, tok.admin)
t:eq("withdrawn again: a conflict", 409, st)
t:eq("one withdrawal in the audit log, by the admin", "admin:admin|active|withdrawn",
  sql("SELECT actor || '|' || json_extract(before, '$.status') || '|' || json_extract(after, '$.status')" ..
    " FROM audit WHERE action = 'batch.withdraw'"))
local _, _, list = h:get("/api/v1/batches", tok.admin)
t:eq("the list has both", 2, list and #list.batches)
t:eq("one batch.ingest per batch", "2", sql("SELECT count(*) FROM audit WHERE action = 'batch.ingest'"))
H.finish(t, h)
