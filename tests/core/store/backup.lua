-- backup.lua — `pinggu backup` while the real host takes batches, then a restore.
--
--   lua5.4 backup.lua PINGGU SOURCE_ROOT
--
-- The host is posted eight small batches of cases, one after another, and `pinggu backup` runs
-- while they arrive. The backup must hold every batch acknowledged before it started, each
-- with its raw file (SHA-256 = id), the rule snapshots, the fed *.csv files, and a database
-- that passes PRAGMA integrity_check. Restored into a fresh directory (the README's steps:
-- the backup put in place of the data directory), `pinggu eval` gives the same numbers, byte
-- for byte, as a directory into which the same batches were ingested afresh, and a host
-- started on it lists the same batches. A DEST that is not empty is refused.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "../../host/serve/host.lua")
local L = H.L
local t, h, tok, ws = H.setup("store.backup")
local bin, root = L.args()
local data = ws .. "/data"
local files = ws .. "/files"
os.execute("mkdir -p " .. L.quote(files))

local header = "project_no,task_code,org_code,handle_level,project_type,channel,accept_date," ..
  "anticipate_day,promise_day,result_date,result_type,suspend_days,visits,fully_online," ..
  "ecert_applicable,uses_ecert,result_sealed,sync_date\n"
local function batch_text(k, n)
  local rows = { header }
  for i = 1, n do
    rows[#rows + 1] = string.format("B%03d%04d,TC1,441581,县,承诺件,政务服务网,2021-05-%02d 10:00:00," ..
      "20,10,2021-05-20 10:00:00,批准,0,0,%s,false,false,true,2021-05-20T02:00:00Z\n",
      k, i, 1 + i % 25, (i + k) % 3 == 0 and "false" or "true")
  end
  return table.concat(rows)
end

-- eight batches, posted by a background shell that notes each answer
local script, ids = { "set +e" }, {}
for k = 1, 8 do
  local f = ("%s/b%d.csv"):format(files, k)
  L.write(f, batch_text(k, 200 + 50 * k))
  ids[k] = L.run("sha256sum " .. L.quote(f)):match("^(%x+)")
  script[#script + 1] = ("curl -s -o /dev/null -w '%%{http_code}' -H %s -H 'Content-Type: text/csv' " ..
    "--data-binary @%s 'http://127.0.0.1:%s/api/v1/batches?source=cases&name=b%d.csv' > %s.code")
    :format(L.quote("Authorization: Bearer " .. tok.evaluator), L.quote(f), h.port, k, L.quote(f))
end
-- the first two before the backup starts, the rest while it runs
L.write(files .. "/first.sh", table.concat(script, "\n", 1, 3) .. "\n")
L.write(files .. "/rest.sh", "set +e\n" .. table.concat(script, "\n", 4) .. "\n")
os.execute("sh " .. L.quote(files .. "/first.sh"))
local before = {}
for k = 1, 2 do
  local code = L.slurp(("%s/b%d.csv.code"):format(files, k))
  t:eq(("batch %d acknowledged before the backup"):format(k), "201", code)
  before[ids[k]] = true
end
os.execute("sh " .. L.quote(files .. "/rest.sh") .. " >/dev/null 2>&1 &")
local dest = ws .. "/backup"
local out, err, code = L.run(L.quote(bin) .. " backup --data " .. L.quote(data) .. " " .. L.quote(dest))
t:eq("pinggu backup exits 0", 0, code, err)
t:contains("it says what it copied", out, "batch file")
H.wait(30, function() return L.slurp(files .. "/b8.csv.code") ~= nil and L.slurp(files .. "/b8.csv.code") ~= "" end)

-- the backup's database
local function sql(db, q)
  return (L.run("sqlite3 -batch " .. L.quote(db) .. " " .. L.quote(q)))
end
local bdb = dest .. "/pinggu.db"
t:eq("integrity_check of the backup", "ok", (sql(bdb, "PRAGMA integrity_check"):gsub("%s+$", "")))
local held = {}
for id in sql(bdb, "SELECT id FROM batch WHERE status = 'active'"):gmatch("%x+") do held[id] = true end
for id in pairs(before) do t:ok(held[id], ("the backup holds batch %.12s, acknowledged before it"):format(id)) end
local n = 0
for id in pairs(held) do
  n = n + 1
  local got = L.run("sha256sum " .. L.quote(dest .. "/batches/raw/" .. id .. ".csv")):match("^(%x+)")
  t:eq(("raw file of %.12s copied whole"):format(id), id, got)
end
print(("backup: %d of 8 batches in the backup"):format(n))
t:eq("one audit entry per batch in the backup", n,
  tonumber(sql(bdb, "SELECT count(*) FROM audit WHERE action = 'batch.ingest'")))
local _, _, same = L.run("diff -r " .. L.quote(data .. "/rules") .. " " .. L.quote(dest .. "/rules"))
t:eq("the rule snapshots are copied", 0, same)
local _, _, csv = L.run("cmp " .. L.quote(data .. "/2021-05.csv") .. " " .. L.quote(dest .. "/2021-05.csv"))
t:eq("the fed *.csv files are copied", 0, csv)

-- a DEST that is not empty is refused
local _, e2, c2 = L.run(L.quote(bin) .. " backup --data " .. L.quote(data) .. " " .. L.quote(dest))
t:eq("a second backup into the same DEST is refused", 1, c2)
t:contains("saying why", e2, "not empty")

-- restore: the backup in place of a data directory; the same numbers as the same batches
-- ingested afresh
local restored = ws .. "/restored"
os.execute("cp -a " .. L.quote(dest) .. " " .. L.quote(restored))
local fresh = ws .. "/fresh"
os.execute("mkdir -p " .. L.quote(fresh) .. " && cp " .. L.quote(data) .. "/*.csv " .. L.quote(fresh))
for k = 1, 8 do
  if held[ids[k]] then
    local _, e, c = L.run(("%s ingest --rules %s --data %s --source cases %s/b%d.csv"):format(
      L.quote(bin), L.quote(ws .. "/rules"), L.quote(fresh), L.quote(files), k))
    t:eq(("batch %d ingested afresh"):format(k), 0, c, e)
  end
end
for _, p in ipairs { { "monthly", "2021-05" }, { "annual", "2021" } } do
  local function eval(dir)
    return L.run(L.eval_cmd(bin, { rules = ws .. "/rules", data = dir, scheme = p[1], period = p[2] }))
  end
  local a, ea, ca = eval(restored)
  local b = eval(fresh)
  t:eq(("eval %s %s on the restored backup"):format(p[1], p[2]), 0, ca, ea)
  t:ok(a == b and #a > 1000, ("the same numbers as the batches ingested afresh (%s %s)"):format(p[1], p[2]))
end
t:eq("integrity_check of the restored store", "ok",
  (sql(restored .. "/pinggu.db", "PRAGMA integrity_check"):gsub("%s+$", "")))

-- a host on the restored directory lists the same batches
local h2 = H.start { bin = bin, rules = ws .. "/rules", data = restored, config = ws .. "/pinggu.json" }
t:ok(h2 ~= nil, "a host starts on the restored directory")
if h2 then
  local st, _, j = h2:get("/api/v1/batches", tok.admin)
  t:eq("it lists the batches", 200, st)
  local listed = 0
  for _, b in ipairs(j and j.batches or {}) do if held[b.id] then listed = listed + 1 end end
  t:eq("every batch of the backup", n, listed)
  local stopped, clean = h2:stop()
  t:ok(stopped and clean, "the restored host stops cleanly")
end
H.finish(t, h)
