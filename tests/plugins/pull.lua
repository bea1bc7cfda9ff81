-- pull.lua PINGGU SOURCE_ROOT — scheduled pulls by the host (config "pulls", host/pull.c;
-- issue 16 §1), against a throw-away PostgreSQL cluster (pgfixture.lua).
--
-- A host configured to pull `cases` through the postgres reader every 2 seconds (the
-- connection from its environment, PGHOST): the first pull is a batch audited as host:pull;
-- an unchanged table is a no-op (the same batch, counted "unchanged"); rows inserted into the
-- table are picked up by a later pull, which replaces the earlier one (its rows never count
-- twice); a bad value refuses the pull whole — nothing stored, the error logged and shown in
-- /metrics until a pull succeeds again. A `from` holding a connection string is refused.
package.path = arg[0]:gsub("[^/]*$", "") .. "../e2e/?.lua;" .. package.path
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "../host/serve/host.lua")
local L = H.L
local bin, root = arg[1], arg[2]
local F = dofile(root .. "/tests/plugins/pgfixture.lua")
local t = L.tester("plugins.pull")

local pg, why, failed = F.start(L)
if not pg then
  if failed then
    print("FAIL the cluster: " .. why)
    os.exit(1)
  end
  print("SKIP: " .. why)
  os.exit(77)
end

local ws = H.workspace(root)
local data = ws .. "/data"
local rules = ws .. "/rules"
local src = L.slurp(rules .. "/sources.lua")
L.write(rules .. "/sources.lua", (src:gsub('source "cases" {\n',
  'source "cases" {\n  plugin = "postgres", options = { table = "public.cases" },\n', 1)))
local sources = F.sources(rules)
local function row(no, channel)
  return string.format("('%s','TC','441502','县','承诺件','%s','2021-05-10 09:00',5,3," ..
    "'2021-05-12 10:00','批准',0,0,true,true,true,true,'2021-05-10 10:00')", no, channel)
end
local _, err, code = pg:psql("SET TimeZone = 'Asia/Shanghai';\n" .. F.ddl(sources, "cases") ..
  "INSERT INTO public.cases VALUES " .. row("P1", "窗口") .. ", " .. row("P2", "邮寄") .. ", " ..
  row("P3", "粤省事") .. ";\n")
if code ~= 0 then
  print("FAIL loading the table: " .. (err or ""))
  pg:stop()
  os.exit(1)
end

-- a connection string in `from` is refused, naming the key
local _, badcfg = H.tokens(bin, ws, '"pulls": [ { "source": "cases", "from": "postgres:host=db dbname=x", "every_s": 2 } ], ')
local out, e0, c0 = L.run(L.quote(bin) .. " serve --rules " .. L.quote(rules) .. " --data-dir " ..
  L.quote(data) .. " --listen 127.0.0.1:0 --config " .. L.quote(badcfg))
t:ok(c0 ~= 0, "a connection string in from: the host does not start", out)
t:contains("… naming the key", e0, "pulls[0].from: looks like a connection string")
local _, nocfg = H.tokens(bin, ws, '"pulls": [ { "source": "cases", "from": "postgres:" } ], ')
_, e0, c0 = L.run(L.quote(bin) .. " serve --rules " .. L.quote(rules) .. " --data-dir " ..
  L.quote(data) .. " --listen 127.0.0.1:0 --config " .. L.quote(nocfg))
t:ok(c0 ~= 0, "no time to pull: refused", e0)
t:contains("… saying so", e0, "pulls[0]: says no time to pull")

local tok, cfg = H.tokens(bin, ws, '"pulls": [ { "source": "cases", "from": "postgres:", "every_s": 2 } ], ')
local h, w = H.start { bin = bin, rules = rules, data = data, config = cfg, env = pg.env }
if not h then
  print("FAIL the host did not start: " .. w)
  pg:stop()
  os.exit(1)
end

local function metric(result)
  local _, m = h:get("/metrics", tok.admin)
  return tonumber((m or ""):match('pinggu_pulls_total{source="cases",result="' .. result .. '"} (%d+)')), m
end
local function failing()
  local _, m = h:get("/metrics", tok.admin)
  return tonumber((m or ""):match('pinggu_pull_failing{source="cases"} (%d+)'))
end
-- the store's batches of cases, in ingestion order: { id, file, records, actor, status, replaced_by }
local function batches()
  local p = io.popen("sqlite3 -separator '|' " .. L.quote(data .. "/pinggu.db") .. " " ..
    L.quote("SELECT id, file, records, actor, status, coalesce(replaced_by, '') FROM batch " ..
      "WHERE source = 'cases' ORDER BY seq") .. " 2>&1")
  local raw = p:read("a")
  p:close()
  local active, list = {}, {}
  for line in raw:gmatch("[^\n]+") do
    local id, file, recs, actor, status, by = line:match("^(%x+)|([^|]*)|(%d+)|([^|]*)|(%a+)|(%x*)$")
    if id then
      local b = { id = id, file = file, records = tonumber(recs), actor = actor, status = status,
        replaced_by = by }
      list[#list + 1] = b
      if status == "active" then active[#active + 1] = b end
    end
  end
  return active, list, raw
end

-- the first pull: at start
local n = H.wait(30, function() local v = metric("accepted") return v and v >= 1 and v end)
t:eq("the first pull is accepted", 1, n, h:log():sub(-600))
local active, _, raw = batches()
t:eq("one active batch of cases", 1, #active, raw)
local first = active[1] or {}
t:eq("… of the table's 3 rows", 3, first.records)
t:eq("… named by what the reader read", "postgres:public.cases@postgres", first.file)
t:eq("… audited as the host's pull", "host:pull", first.actor)
t:ok(h:log():find("event=pull source=cases from=postgres: file=postgres:public.cases@postgres", 1, true),
  "the pull is logged", h:log():sub(-600))

-- nothing changed: the same batch, a no-op
local u = H.wait(30, function() local v = metric("unchanged") return v and v >= 1 and v end)
t:ok(u and u >= 1, "an unchanged table: the pull is a no-op, counted unchanged", u)
t:eq("… still one active batch, the same", first.id, (batches()[1] or {}).id)
t:eq("… and no second accepted pull", 1, metric("accepted"))

-- rows inserted are picked up, replacing the earlier pull
_, err, code = pg:psql("SET TimeZone = 'Asia/Shanghai';\nINSERT INTO public.cases VALUES " ..
  row("P4", "窗口") .. ", " .. row("P5", "粤商通") .. ";\n")
t:eq("insert", 0, code, err)
n = H.wait(30, function() local v = metric("accepted") return v and v >= 2 and v end)
t:eq("the new rows are pulled", 2, n, h:log():sub(-600))
local list
active, list, raw = batches()
t:eq("one active batch", 1, #active, raw)
local second = active[1] or {}
t:eq("… of the 5 rows", 5, second.records)
local old
for _, b in ipairs(list) do if b.id == first.id then old = b end end
t:eq("the first pull was replaced by the second", "replaced", old and old.status)
t:eq("… by it", second.id, old and old.replaced_by)
t:eq("nothing failing", 0, failing())

-- a bad value: the pull is refused whole, logged, in /metrics; the batch in force stays
_, err, code = pg:psql("INSERT INTO public.cases VALUES " .. row("P6", "传真") .. ";\n")
t:eq("insert a bad row", 0, code, err)
local errs = H.wait(30, function() local v = metric("error") return v and v >= 1 and v end)
t:ok(errs and errs >= 1, "the pull fails", h:log():sub(-600))
t:eq("pinggu_pull_failing is 1", 1, failing())
t:ok(h:log():find("event=pull source=cases from=postgres: result=error", 1, true),
  "the failure is logged", h:log():sub(-800))
t:ok(h:log():find("channel", 1, true), "… with the reader's reason (the field)", h:log():sub(-800))
active = batches()
t:eq("nothing stored: the same batch in force", second.id, (active[1] or {}).id)
t:eq("… and only it", 1, #active)

-- fixed: the next pull succeeds and the gauge clears
pg:psql("DELETE FROM public.cases WHERE project_no = 'P6';\n")
local ok = H.wait(30, function() return failing() == 0 end)
t:ok(ok, "fixed: the next pull succeeds, pinggu_pull_failing is 0", h:log():sub(-600))
t:eq("… it is the same rows again: no new batch", second.id, (batches()[1] or {}).id)

local stopped, clean = h:stop()
t:ok(stopped and clean, "SIGTERM stops the host cleanly", h:log():sub(-300))

-- the connection from the configuration (pulls[].connection): the host's environment points
-- nowhere, so only the entry's connection reaches the table; a password in it is never shown
local function conf_host(conn, name)
  local c
  tok, c = H.tokens(bin, ws, '"pulls": [ { "source": "cases", "from": "postgres:", ' ..
    '"every_s": 2, "connection": "' .. conn .. '" } ], ')
  os.execute("mkdir -p " .. L.quote(ws .. "/" .. name))
  return H.start { bin = bin, rules = rules, data = ws .. "/" .. name, config = c,
    env = "PGHOST=/nonexistent PGUSER=nobody PINGGU_PG_DSN= " }
end
local function stop_host(x)
  local ok2, clean2 = x:stop()
  t:ok(ok2 and clean2, "… the host stops cleanly", x:log():sub(-300))
end
local hc = conf_host("host=" .. pg.sock .. " user=pinggu dbname=postgres", "data-conn")
t:ok(hc, "a host with the connection in its configuration starts")
if hc then
  h = hc
  local got = H.wait(30, function() local v = metric("accepted") return v and v >= 1 and v end)
  t:eq("… and pulls through the configuration's connection", 1, got, hc:log():sub(-600))
  stop_host(hc)
end
local secret = "Sekr1tPw"
for _, k in ipairs({
  { "host=" .. pg.sock .. " user=pinggu dbname=nosuchdb password=" .. secret, "nosuchdb" },
  { "host=" .. pg.sock .. " password=" .. secret .. " nonsense", "not a libpq connection string" },
}) do
  local hb = conf_host(k[1], "data-bad")
  t:ok(hb, "a host with a connection that fails starts")
  if hb then
    h = hb
    local errs2 = H.wait(30, function() local v = metric("error") return v and v >= 1 and v end)
    t:ok(errs2, "… its pull fails", hb:log():sub(-600))
    t:contains("… saying why", hb:log(), k[2])
    t:ok(not hb:log():find(secret, 1, true), "… and never shows the password", hb:log():sub(-600))
    local _, m = hb:get("/metrics", tok.admin)
    t:ok(m and not m:find(secret, 1, true), "… nor does /metrics")
    stop_host(hb)
  end
end
local _, badfull = H.tokens(bin, ws, '"pulls": [ { "source": "cases", "from": "postgres:", "full_at": ["3:00"] } ], ')
_, e0, c0 = L.run(L.quote(bin) .. " serve --rules " .. L.quote(rules) .. " --data-dir " ..
  L.quote(data) .. " --listen 127.0.0.1:0 --config " .. L.quote(badfull))
t:ok(c0 ~= 0, "a full_at that is not HH:MM: refused", e0)
t:contains("… naming it", e0, "pulls[0].full_at[0]: expected a local time")

-- an updated_at source: the pulls read only what changed, but those at full_at read every
-- row, so that a deleted row stops counting (the host's injected clock crosses 03:00)
L.write(rules .. "/sources.lua", (src:gsub('source "cases" {\n',
  'source "cases" {\n  plugin = "postgres", options = { table = "public.cases2", updated_at = "updated_at" },\n', 1)
  :gsub(L.pattern('{ "sync_date", "time" },'), '%0\n    { "updated_at", "time" },', 1)))
local function row2(no, upd) return row(no, "窗口"):sub(1, -2) .. ",'" .. upd .. "')" end
_, err, code = pg:psql(F.ddl(F.sources(rules), "cases", "public.cases2") ..
  "INSERT INTO public.cases2 VALUES " .. row2("P1", "2021-06-01 00:00+08") .. ", " ..
  row2("P2", "2021-06-01 00:00+08") .. ", " .. row2("P3", "2021-06-01 00:00+08") .. ";\n")
t:eq("the table with updated_at", 0, code, err)
local cfull
tok, cfull = H.tokens(bin, ws, '"pulls": [ { "source": "cases", "from": "postgres:", ' ..
  '"every_s": 86400, "full_at": ["03:00"] } ], ')
os.execute("mkdir -p " .. L.quote(ws .. "/data-full"))
local hf = H.start { bin = bin, rules = rules, data = ws .. "/data-full", config = cfull,
  env = pg.env, clock = "2021-06-20T02:50:00+08:00" }
t:ok(hf, "a host pulling an updated_at source starts")
if hf then
  h = hf
  local got = H.wait(30, function() local v = metric("accepted") return v and v >= 1 and v end)
  t:eq("… its first pull reads the table", 1, got, hf:log():sub(-600))
  pg:psql("DELETE FROM public.cases2 WHERE project_no = 'P3';\nINSERT INTO public.cases2 VALUES " ..
    row2("P4", "2021-06-02 00:00+08") .. ";\n")
  hf:post("/api/v1/clock", tok.admin, '{"now":"2021-06-20T03:00:30+08:00"}')
  got = H.wait(30, function() local v = metric("accepted") return v and v >= 2 and v end)
  t:eq("03:00 passed: a full pull", 2, got, hf:log():sub(-600))
  t:ok(hf:log():find("event=pull source=cases from=postgres: full=true", 1, true),
    "… logged as full", hf:log():sub(-600))
  local out = L.run("sqlite3 " .. L.quote(ws .. "/data-full/pinggu.db") ..
    " \"SELECT records FROM batch WHERE source = 'cases' AND status = 'active'\"")
  t:eq("… of P1, P2 and P4: the deleted row is gone", "3", (out:gsub("%s+$", "")))
  stop_host(hf)
end

local _, numcfg = H.tokens(bin, ws, '"pulls": [ { "source": "cases", "from": "postgres:", "every_s": 2, "connection": 5 } ], ')
_, e0, c0 = L.run(L.quote(bin) .. " serve --rules " .. L.quote(rules) .. " --data-dir " ..
  L.quote(data) .. " --listen 127.0.0.1:0 --config " .. L.quote(numcfg))
t:ok(c0 ~= 0, "a connection that is not a string: refused", e0)
t:contains("… naming the key", e0, "pulls[0].connection: expected a libpq connection string")
pg:stop()
L.cleanup()
print(string.format("%s: %d checks, %d failed", t.name, t.checks, t.failures))
os.exit(t.failures == 0 and 0 or 1)
