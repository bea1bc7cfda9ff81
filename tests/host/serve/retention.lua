-- retention.lua — automatic retention on the injected clock (and the store's size in /metrics): with "retention_days": 30, the
-- start-up prune finds nothing old; then runs are recorded (two months evaluated, one of them
-- published), the clock jumps 40 days, and the daily prune deletes the unpublished runs that
-- are now older than 30 days, keeps the published one (which still re-runs byte for byte), and
-- the audit log says who pruned what. A bad retention_days is refused with the key's name.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("serve.retention")
local ws = H.workspace(root)
local data = ws .. "/data"

-- a bad value is refused, naming the key
local _, bad = H.tokens(bin, ws, '"retention_days": -1, ')
local out, err, code = L.run(L.quote(bin) .. " serve --rules " .. L.quote(ws .. "/rules") ..
  " --data-dir " .. L.quote(data) .. " --listen 127.0.0.1:0 --config " .. L.quote(bad))
t:ok(code ~= 0, "retention_days = -1 is refused", out)
t:contains("… naming the key", err, "retention_days: expected a whole number from 0 to 36500")

local tok, cfg = H.tokens(bin, ws, '"retention_days": 30, ')
-- the injected clock starts now (the runs' times are the wall clock's)
local now = os.time()
local function iso(t0) return os.date("!%Y-%m-%dT%H:%M:%SZ", t0) end
local h, why = H.start { bin = bin, rules = ws .. "/rules", data = data, config = cfg,
  clock = iso(now) }
if not h then
  print("FAIL the host did not start: " .. why)
  os.exit(1)
end

local function sql(q) return H.sql(data, q) end
local function audit()
  local o = L.run(L.quote(bin) .. " audit --data " .. L.quote(data) ..
    " --action runs.prune --format json")
  local ok, j = pcall(cjson.decode, o)
  return ok and j or {}
end

t:eq("2021-05 is evaluated", 200, (h:get("/api/v1/rankings/monthly/2021-05", tok.admin)))
t:eq("2021-06 is evaluated", 200, (h:get("/api/v1/rankings/monthly/2021-06", tok.admin)))
local st, text, j = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-05"}')
t:eq("2021-05 is published", 201, st, text)
local bulletin = j and j.bulletin or {}
local runs0 = tonumber(sql("SELECT count(*) FROM run"))
local last = tonumber(sql("SELECT max(id) FROM run"))
t:ok(runs0 >= 3, "at least three runs were recorded", runs0)
t:eq("the start-up prune found nothing older than 30 days: no audit entry", 0, #audit())

-- the store's size is in /metrics: the database file and its write-ahead log
local _, metrics = h:get("/metrics", tok.admin)
local db = tonumber((metrics or ""):match('\npinggu_store_bytes{file="db"} (%d+)\n'))
local wal = tonumber((metrics or ""):match('\npinggu_store_bytes{file="wal"} (%d+)\n'))
t:ok(db and db > 0, "/metrics reports the database's size", metrics)
t:ok(wal and wal >= 0, "… and the write-ahead log's", metrics)
local size = io.popen("stat -c %s " .. L.quote(data .. "/pinggu.db")):read("n")
t:eq("… as the file's size on disk", size, db)

-- 40 days later the daily prune (03:00 in the rules' zone) has run
st = h:post("/api/v1/clock", tok.admin, '{"now":"' .. iso(now + 40 * 86400) .. '"}')
t:eq("the clock moves 40 days", 200, st)
local entries = H.wait(30, function()
  local a = audit()
  if #a >= 1 then return a end
end) or {}
t:eq("one prune is audited", 1, #entries)
local e = entries[1] or {}
t:eq("… by the host's retention", "host:retention", e.actor)
t:eq("… with the counts before", runs0, e.before and e.before.runs)
t:ok(e.after and e.after.before and e.after.before:match("^%d%d%d%d%-%d%d%-%d%dT"),
  "… and the cut-off time", e.after and e.after.before)
t:eq("every unpublished run recorded before the jump is gone", "",
  sql("SELECT group_concat(id) FROM run WHERE id <= " .. last .. " AND id <> " .. (bulletin.run or 0)))
t:eq("the published run stays", string.format("%d", bulletin.run or 0), sql("SELECT id FROM run WHERE id = " .. (bulletin.run or 0)))
t:ok(h:stop(), "the host stops")

out, err, code = L.run(L.quote(bin) .. " reproduce --data " .. L.quote(data) .. " --bulletin " ..
  string.format("%d", bulletin.id or 0))
t:eq("the bulletin still re-runs", 0, code, out .. err)
t:contains("… to the same bytes", out, "identical")

-- retention_days = 0 keeps everything, even 40 days on
local tok0, cfg0 = H.tokens(bin, ws, '"retention_days": 0, ')
h = H.start { bin = bin, rules = ws .. "/rules", data = data, config = cfg0, clock = iso(now + 80 * 86400) }
t:ok(h, "the host starts again")
if h then
  t:eq("2021-06 is evaluated again", 200, (h:get("/api/v1/rankings/monthly/2021-06", tok0.admin)))
  local n = tonumber(sql("SELECT count(*) FROM run"))
  h:post("/api/v1/clock", tok0.admin, '{"now":"' .. iso(now + 200 * 86400) .. '"}')
  H.sleep(1)
  t:eq("retention 0 prunes nothing", n, tonumber(sql("SELECT count(*) FROM run")))
  t:eq("… and audits nothing", 1, #audit())
end
H.finish(t, h)
