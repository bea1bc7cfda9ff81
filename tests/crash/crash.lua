-- crash.lua — kill -9 the real host (and the CLI) at random points while batches are posted
-- and evaluations requested, restart it, and check the store each time.
--
--   lua5.4 crash.lua PINGGU SOURCE_ROOT [ITERATIONS [SEED]]
--
-- Each iteration starts `pinggu serve` on the same data directory, posts three small batches of
-- cases one after another (each with bytes of its own), asks for an evaluation beside them,
-- sometimes runs `pinggu ingest` from the CLI at the same time, waits a random 0–300 ms and
-- kills everything with SIGKILL. Then, with nothing running, the store must hold:
--   * every batch acknowledged (HTTP 201, or the CLI's "batch <id>:" line) exactly once, active;
--   * for every stored batch: its raw file, whose SHA-256 is its id, and a partial for every
--     metric of its source (the same definitions as every other batch) — no half batch;
--   * exactly one batch.ingest audit entry per stored batch, and none for a batch not stored;
--   * PRAGMA integrity_check = ok.
-- And once the next host has started (its start-up removes what the killed ones left), nothing
-- is left behind: DATA/incoming holds only that host's own upload directory, empty, and
-- DATA/batches/raw only the raw files of stored batches — no temporary copy of a killed
-- ingest, no raw file of a batch that was never committed. The same after the last clean stop,
-- with DATA/incoming empty.
-- At the end a last host counts the cases of 2021-05: exactly the records of the stored
-- batches, none counted twice. The randomness is seeded (printed), so a failure can be re-run.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "../host/serve/host.lua")
local L = H.L
local bin, root = L.args()
local iterations = tonumber(arg[3]) or 50
local seed = tonumber(arg[4]) or os.time()
math.randomseed(seed)
print(("crash: %d iterations, seed %d"):format(iterations, seed))

local t = L.tester("crash.kill9")
local ws = H.workspace(root)
local tok, cfg = H.tokens(bin, ws)
local data = ws .. "/data"
local db = data .. "/pinggu.db"
local files = ws .. "/files"
os.execute("mkdir -p " .. L.quote(files))

local header = "project_no,task_code,org_code,handle_level,project_type,channel,accept_date," ..
  "anticipate_day,promise_day,result_date,result_type,suspend_days,visits,fully_online," ..
  "ecert_applicable,uses_ecert,result_sealed,sync_date\n"
-- a batch of `n` cases of 陆丰 accepted in sampling month 2021-05, numbered from `first`
local function batch_text(first, n)
  local rows = { header }
  for i = first, first + n - 1 do
    rows[#rows + 1] = string.format("K%07d,TC1,441581,县,承诺件,政务服务网,2021-05-%02d 10:00:00," ..
      "20,10,2021-05-20 10:00:00,批准,0,0,%s,false,false,true,2021-05-20T02:00:00Z\n",
      i, 1 + i % 25, i % 3 == 0 and "false" or "true")
  end
  return table.concat(rows)
end

-- the SHA-256 of each file, in one run of sha256sum
local function sha256s(paths)
  local q = {}
  for i, p in ipairs(paths) do q[i] = L.quote(p) end
  local ids = {}
  for h in L.run("sha256sum " .. table.concat(q, " ")):gmatch("(%x+)%s+[^\n]*\n") do ids[#ids + 1] = h end
  return ids
end
-- The store is in WAL mode, but the first connection after a kill -9 recovers the WAL under an
-- exclusive lock, and the restarted host may be doing so as this runs: wait for it, as the
-- host's own connections do, rather than read "database is locked" as a broken store.
local function sql(q)
  local out, err, code = L.run("sqlite3 -batch -cmd '.timeout 10000' " .. L.quote(db) .. " " .. L.quote(q))
  if code ~= 0 then t:fail("sqlite3: " .. q, "exit 0", code, err) end
  return out
end

local acked = {}   -- id → true: acknowledged to a client
local records = {} -- id → records, of every file made
local next_case = 1
local verified = {} -- id → true: its raw file's hash was checked

-- the answers of several queries in one run of the shell, split at a marker line
local function sqls(...)
  local qs = { ... }
  local out = sql(table.concat(qs, "; SELECT '--next--'; ") .. ";")
  local parts = {}
  for part in (out .. "--next--\n"):gmatch("(.-)%-%-next%-%-\n") do parts[#parts + 1] = part end
  return table.unpack(parts)
end

local function check(iter)
  local bad = t.failures
  local ic, batches, partials, ingests = sqls("PRAGMA integrity_check", "SELECT id, status FROM batch",
    "SELECT batch, group_concat(definition) FROM (SELECT batch, definition FROM " ..
      "partial ORDER BY batch, definition) GROUP BY batch",
    "SELECT object, count(*) FROM audit WHERE action = 'batch.ingest' GROUP BY object")
  ic = (ic or ""):gsub("%s+$", "")
  if ic ~= "ok" then t:fail(("iteration %d: integrity_check"):format(iter), "ok", ic) end
  local stored = {}
  for line in (batches or ""):gmatch("[^\n]+") do
    local id, status = line:match("^(%x+)|(%a+)$")
    if stored[id] then t:fail(("iteration %d: batch %s stored twice"):format(iter, id)) end
    stored[id] = status
  end
  for id in pairs(acked) do
    if stored[id] ~= "active" then
      t:fail(("iteration %d: acknowledged batch %.12s"):format(iter, id), "active", stored[id] or "absent")
    end
  end
  local defs = {}
  for line in (partials or ""):gmatch("[^\n]+") do
    local id, list = line:match("^(%x+)|(.*)$")
    defs[id] = list
  end
  local audits = {}
  for line in (ingests or ""):gmatch("[^\n]+") do
    local id, n = line:match("^batch/(%x+)|(%d+)$")
    audits[id] = tonumber(n)
    if not stored[id] then t:fail(("iteration %d: an audit entry for batch %.12s, not stored"):format(iter, id)) end
  end
  -- raw files are immutable: each is hashed once, in one sha256sum for the new ones
  local new = {}
  for id in pairs(stored) do
    if not verified[id] then new[#new + 1] = L.quote(data .. "/batches/raw/" .. id .. ".csv") end
  end
  if #new > 0 then
    for h, name in L.run("sha256sum " .. table.concat(new, " ")):gmatch("(%x+)%s+%S-([%x]+)%.csv\n") do
      if h == name then verified[h] = true end
    end
  end
  for id in pairs(stored) do
    if not verified[id] then t:fail(("iteration %d: raw file of %.12s missing or damaged"):format(iter, id)) end
    if not defs[id] or defs[id] == "" then
      t:fail(("iteration %d: batch %.12s has no partials"):format(iter, id))
    elseif defs[id] ~= defs.reference then
      defs.reference = defs.reference or defs[id]
      if defs[id] ~= defs.reference then
        t:fail(("iteration %d: batch %.12s lacks partials"):format(iter, id), defs.reference, defs[id])
      end
    end
    if audits[id] ~= 1 then
      t:fail(("iteration %d: batch.ingest entries of %.12s"):format(iter, id), 1, audits[id] or 0)
    end
  end
  t.checks = t.checks + 1
  return t.failures == bad, stored
end

local function ls(dir)
  local out = {}
  for name in L.run("ls -A " .. L.quote(dir) .. " 2>/dev/null"):gmatch("[^\n]+") do out[#out + 1] = name end
  return out
end

-- Nothing left behind by the killed host or CLI: `running` is 1 while a host runs (its own
-- upload directory, empty), 0 after a clean stop.
local removed_total = 0
local function left_behind(iter, running, log)
  local bad = t.failures
  local hosts = 0
  for _, name in ipairs(ls(data .. "/incoming")) do
    if name:match("^host%-") and hosts < running then
      hosts = hosts + 1
      local inside = ls(data .. "/incoming/" .. name)
      if #inside > 0 then
        t:fail(("%s: the running host's upload directory is not empty"):format(iter), "empty",
          table.concat(inside, " "))
      end
    else
      t:fail(("%s: left behind in DATA/incoming"):format(iter), "nothing", name)
    end
  end
  local named = {}
  for line in sql("SELECT id || '.' || format FROM batch"):gmatch("[^\n]+") do named[line] = true end
  for _, name in ipairs(ls(data .. "/batches/raw")) do
    if not named[name] then
      t:fail(("%s: left behind in DATA/batches/raw"):format(iter), "only stored batches", name)
    end
  end
  if log then removed_total = removed_total + select(2, log:gsub("event=cleanup removed=", "")) end
  t.checks = t.checks + 1
  return t.failures == bad
end

local stored_total = 0
for iter = 1, iterations do
  local h, why = H.start { bin = bin, rules = ws .. "/rules", data = data, config = cfg }
  if not h then
    t:fail(("iteration %d: the host did not restart"):format(iter), "started", why)
    break
  end
  if not left_behind("iteration " .. iter .. ", after the restart", 1, h:log()) then
    print(("iteration %d failed (seed %d); the data directory is kept at %s"):format(iter, seed, data))
    os.execute("kill -9 " .. h.pid .. " 2>/dev/null")
    break
  end
  -- three batches over HTTP, one after another, and an evaluation beside them
  local script = { "set +e" }
  local posted = {}
  for k = 1, 3 do
    local n = math.random(5, 40)
    local f = ("%s/b%d-%d.csv"):format(files, iter, k)
    L.write(f, batch_text(next_case, n))
    next_case = next_case + n
    posted[k] = { n = n, f = f, out = f .. ".code" }
    script[#script + 1] = ("curl -s -o /dev/null -w '%%{http_code}' -H %s -H 'Content-Type: text/csv' " ..
      "--data-binary @%s 'http://127.0.0.1:%s/api/v1/batches?source=cases&name=b%d-%d.csv' > %s")
      :format(L.quote("Authorization: Bearer " .. tok.evaluator), L.quote(f), h.port, iter, k, L.quote(posted[k].out))
  end
  local ids = sha256s { posted[1].f, posted[2].f, posted[3].f }
  for k, p in ipairs(posted) do p.id = ids[k]; records[p.id] = p.n end
  local sh = files .. "/post-" .. iter .. ".sh"
  L.write(sh, table.concat(script, "\n") .. "\n")
  os.execute("sh " .. L.quote(sh) .. " >/dev/null 2>&1 &")
  os.execute(("curl -s -o /dev/null -H %s --data-binary '{\"scheme\":\"monthly\",\"period\":\"2021-05\"}' " ..
    "http://127.0.0.1:%s/api/v1/evaluations >/dev/null 2>&1 &"):format(
    L.quote("Authorization: Bearer " .. tok.admin), h.port))
  -- sometimes the CLI too, on the same store
  local cli
  if iter % 3 == 0 then
    local n = math.random(5, 40)
    local f = ("%s/c%d.csv"):format(files, iter)
    L.write(f, batch_text(next_case, n))
    next_case = next_case + n
    cli = { id = sha256s({ f })[1], out = f .. ".out", pid = f .. ".pid" }
    records[cli.id] = n
    os.execute(("%s ingest --rules %s --data %s --source cases --actor crash %s >%s 2>/dev/null & echo $! >%s")
      :format(L.quote(bin), L.quote(ws .. "/rules"), L.quote(data), L.quote(f), L.quote(cli.out), L.quote(cli.pid)))
  end
  H.sleep(string.format("%.3f", math.random() * 0.3))
  os.execute("kill -9 " .. h.pid .. " 2>/dev/null")
  if cli then os.execute("kill -9 $(cat " .. L.quote(cli.pid) .. ") 2>/dev/null") end
  -- SIGKILL is not instant: wait until both have exited, every thread (the main thread is a
  -- zombie while the others still exit, holding the files and their locks), so that the next
  -- host does not find their locks still held and rightly keep what they hold
  local pids = { h.pid, cli and (L.slurp(cli.pid) or ""):match("%d+") }
  H.wait(20, function()
    for _, pid in ipairs(pids) do
      local stat = L.slurp("/proc/" .. pid .. "/stat")
      local threads = select(2, L.run("ls /proc/" .. pid .. "/task 2>/dev/null"):gsub("\n", ""))
      if stat and (not stat:match("^%d+ %b() Z") or threads > 1) then return false end
    end
    return true
  end)
  -- the clients see the connection close; wait for them to note what they got
  H.wait(10, function()
    for _, p in ipairs(posted) do if not L.slurp(p.out) then return false end end
    return true
  end)
  H.sleep(0.05)
  for _, p in ipairs(posted) do
    if (L.slurp(p.out) or ""):match("^201") then acked[p.id] = true end
  end
  if cli and (L.slurp(cli.out) or ""):find(": batch " .. cli.id:sub(1, 12), 1, true) then acked[cli.id] = true end
  local ok, stored = check(iter)
  if not ok then
    print(("iteration %d failed (seed %d); the data directory is kept at %s"):format(iter, seed, data))
    break
  end
  stored_total = 0
  for id in pairs(stored) do stored_total = stored_total + (records[id] or 0) end
end

-- a last host: the cases of 2021-05 are exactly those of the stored batches
local h = H.start { bin = bin, rules = ws .. "/rules", data = data, config = cfg }
t:ok(h ~= nil, "the host starts after the last kill")
if h then
  local n = H.wait(20, function()
    local st, _, j = h:get("/api/v1/results/monthly/2021-05/lufeng", tok.admin)
    if st ~= 200 then return nil end
    for _, row in ipairs(j.units[1].indicators) do
      if row.id == "mon_full_online" then return row.n end
    end
  end)
  local acked_n = 0
  for _ in pairs(acked) do acked_n = acked_n + 1 end
  print(("crash: %d batches acknowledged, %d cases stored"):format(acked_n, stored_total))
  t:ok(acked_n > 0, "some batches were acknowledged before a kill")
  if stored_total > 0 then
    t:eq("2021-05 counts every stored case once", stored_total, n)
  end
  left_behind("the last host", 1, h:log())
  print(("crash: %d leftovers of killed hosts and ingests removed at start-up"):format(removed_total))
  local stopped, clean = h:stop()
  t:ok(stopped and clean, "SIGTERM stops the last host cleanly", h:log():sub(-300))
  left_behind("after the last clean stop", 0)
end
H.finish(t, nil)
