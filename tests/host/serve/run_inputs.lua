-- run_inputs.lua — a run records the data it read, also when the host names those inputs by the
-- digest of the data instead of printing them again (every job of a re-score after the first
-- that stored them): the runs on one state of the data name one inputs blob, which holds its
-- values; after a batch, the re-scored runs name another, which holds the value posted; a run
-- of the older data still names the older one. At start the host loads the data and stores its
-- inputs before anyone asks (event=warm): the first evaluation loads nothing and names the
-- inputs blob stored then.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local t, h, tok, ws = H.setup("serve.run_inputs", '"pool": 1, ')

local function rows(sql)
  local out = L.run("sqlite3 -separator ' ' " .. L.quote(ws .. "/data/pinggu.db") .. " " .. L.quote(sql))
  local v = {}
  for line in out:gmatch("[^\n]+") do v[#v + 1] = line end
  return v
end
-- The value of (unit, period, metric) in run `id`'s inputs, read back through the API.
local function input(id, unit, period, metric)
  local st, text, j = h:get("/api/v1/runs/" .. id, tok.admin)
  t:eq("run " .. id .. " is read", 200, st, text and text:sub(1, 200))
  for _, r in ipairs(j and j.inputs and j.inputs.values or {}) do
    if r[1] == unit and r[2] == period and r[3] == metric then return r[4] end
  end
end

local warmed = H.wait(60, function() return h:log():match("event=warm ms=[%d.]+\n") end)
t:ok(warmed, "the host loads its data at start", h:log():sub(-400))
local blobs = {}
for _, b in ipairs(rows("SELECT hash FROM blob")) do blobs[b] = true end
t:eq("before any run", "0", rows("SELECT count(*) FROM run")[1])

for _, p in ipairs { "monthly/2021-05", "monthly/2021-06", "annual/2021" } do
  t:eq(p .. " is evaluated", 200, (h:get("/api/v1/rankings/" .. p, tok.admin)))
end
local before = rows("SELECT DISTINCT inputs FROM run")
t:eq("three runs on the same data name one inputs blob", 1, #before)
t:ok(blobs[before[1] or ""], "the one stored at start", before[1])
t:ok(h:log():match("event=evaluate scheme=monthly period=2021%-05 [^\n]*cpu_ms=\"load=0,"),
  "the first evaluation loads no data", h:log():match("event=evaluate[^\n]*"))
local first = rows("SELECT min(id) FROM run")[1]
local v0 = input(first, "haifeng", "2021-05", "zero_proof_rate")
t:ok(v0 ~= 0.9, "which does not hold the value about to be posted", tostring(v0))

local st, text = h:post("/api/v1/batches?source=values&name=haifeng-05.csv", tok.evaluator,
  "unit,period,metric,value,n\nhaifeng,2021-05,zero_proof_rate,0.9,\n", "text/csv")
t:eq("a values batch is taken", 201, st, text)
local after = H.wait(60, function()
  local n = rows("SELECT count(DISTINCT scheme || period) FROM run WHERE trigger = 'data'")[1]
  if tonumber(n) == 3 then return rows("SELECT DISTINCT inputs FROM run WHERE trigger = 'data'") end
end)
t:eq("the three re-scored runs name one inputs blob", 1, after and #after)
t:ok(after and after[1] ~= before[1], "another one than before the batch")
for _, id in ipairs(rows("SELECT id FROM run WHERE trigger = 'data'")) do
  t:eq("run " .. id .. " read the posted value", 0.9, input(id, "haifeng", "2021-05", "zero_proof_rate"))
end
t:eq("the first run still names the data it read", v0, input(first, "haifeng", "2021-05", "zero_proof_rate"))
H.finish(t, h)
