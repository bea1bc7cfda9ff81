-- prune.lua — pinggu prune: unpublished runs the host recorded go, with the inputs and results
-- only they named; a published bulletin's run stays and still re-runs to the same bytes; the
-- prune is in the audit log; a malformed time is refused.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "../../../host/serve/host.lua")
local L = H.L
local t, h, tok, ws = H.setup("publish.prune")
local bin = L.args()
local data = ws .. "/data"

-- runs the host records: two months evaluated, one of them published
t:eq("2021-05 is evaluated", 200, (h:get("/api/v1/rankings/monthly/2021-05", tok.admin)))
t:eq("2021-06 is evaluated", 200, (h:get("/api/v1/rankings/monthly/2021-06", tok.admin)))
local st, text, j = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-05"}')
t:eq("2021-05 is published", 201, st, text)
local bulletin = j and j.bulletin or {}
local stopped = h:stop()
t:ok(stopped, "the host stops")

local function count(sql)
  local p = io.popen("sqlite3 " .. L.quote(data .. "/pinggu.db") .. " " .. L.quote(sql))
  local n = tonumber(p:read("a"))
  p:close()
  return n
end
local runs0, blobs0 = count("SELECT count(*) FROM run"), count("SELECT count(*) FROM blob")
t:ok(runs0 >= 3, "at least three runs were recorded", runs0)

local function pinggu(args)
  local p = io.popen(L.quote(bin) .. " " .. args .. " 2>&1")
  local out = p:read("a")
  local ok, _, code = p:close()
  return ok and 0 or code, out
end
local code, out = pinggu("prune --data " .. L.quote(data) .. " --before yesterday")
t:eq("a malformed time is usage", 2, code, out)
code, out = pinggu("prune --data " .. L.quote(data) .. " --before 2000-01-01 --actor ops")
t:eq("nothing finished before 2000", 0, code, out)
t:eq("… so nothing goes", runs0, count("SELECT count(*) FROM run"))
code, out = pinggu("prune --data " .. L.quote(data) .. " --before 2999-01-01 --actor ops")
t:eq("prune everything unpublished", 0, code, out)
t:contains("says how much", out, "pruned " .. (runs0 - 1) .. " runs")
t:eq("only the published run is left", 1, count("SELECT count(*) FROM run"))
t:eq("… the bulletin's", bulletin.run, count("SELECT id FROM run"))
t:eq("two whole blobs are left: its inputs and its result", 2,
  count("SELECT count(*) FROM blob WHERE hash IN (SELECT inputs FROM run UNION SELECT result FROM run)"))
t:eq("every other blob left is a piece of its inputs or a part of its bulletin", 0,
  count("SELECT count(*) FROM blob WHERE hash NOT IN (SELECT inputs FROM run UNION SELECT result FROM run"
    .. " UNION SELECT piece FROM blob_piece UNION SELECT body FROM bulletin_part"
    .. " UNION SELECT pack FROM bulletin_rectify WHERE pack IS NOT NULL)"))
t:eq("no piece list of a run that went", 0,
  count("SELECT count(*) FROM blob_piece WHERE hash NOT IN (SELECT inputs FROM run)" ..
    " AND hash NOT IN (SELECT pack FROM bulletin_rectify WHERE pack IS NOT NULL)"))
t:eq("every blob kept in pieces keeps its list of them", 0,
  count("SELECT count(*) FROM blob WHERE pieces > 0 AND hash NOT IN (SELECT hash FROM blob_piece)"))
t:eq("every piece listed is there", 0,
  count("SELECT count(*) FROM blob_piece WHERE piece NOT IN (SELECT hash FROM blob)"))
t:ok(count("SELECT count(*) FROM blob_piece") > 1, "its inputs' pieces stay")
t:ok(count("SELECT count(*) FROM bulletin_part") > 36, "and its bulletin's parts")
t:ok(count("SELECT count(*) FROM bulletin_rectify WHERE pack IS NOT NULL AND body = ''") > 0,
  "its overdue 整改 lists are kept in packs")
t:eq("and the packs of its overdue 整改 lists stay", 0,
  count("SELECT count(*) FROM bulletin_rectify WHERE pack IS NOT NULL AND pack NOT IN (SELECT hash FROM blob)"))
t:ok(blobs0 > 2, "there were more before", blobs0)
code, out = pinggu("reproduce --data " .. L.quote(data) .. " --bulletin " .. string.format("%d", bulletin.id or 0))
t:eq("the bulletin still re-runs", 0, code, out)
t:contains("to the same bytes", out, "identical")
code, out = pinggu("audit --data " .. L.quote(data) .. " --action runs.prune --format json")
local audit = require("cjson").decode(out)
t:eq("both prunes are audited", 2, #audit)
t:eq("… by the actor", "ops", audit[2] and audit[2].actor)
t:eq("… with the counts before", runs0, audit[2] and audit[2].before.runs)
t:eq("… and after", 1, audit[2] and audit[2].after.runs)
H.finish(t, nil)
