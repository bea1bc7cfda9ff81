-- uploads.lua — where posted batches wait (DATA/incoming), and what start-up removes.
--   1. An upload directory named as the old code named them (<pid>-<seq>) cannot make a post
--      collide: names are unique (mkdtemp), not derived from the PID, which a container's
--      next host reuses (PID 1).
--   2. Start-up removes, and logs, the leftovers of killed hosts and ingests: upload
--      directories no living host holds (old and new layout, PID 1 in the name included), the
--      temporary copy of a killed ingest, and the raw file of a batch that was never committed;
--      a committed batch's raw file stays.
--   3. A second host on the same data directory keeps the first one's upload directory (it is
--      locked), and a clean stop leaves DATA/incoming empty.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local t, h, tok, ws = H.setup("serve.uploads")
local bin = L.args()
local data = ws .. "/data"
local ev = tok.evaluator

local header = "project_no,task_code,org_code,handle_level,project_type,channel,accept_date," ..
  "anticipate_day,promise_day,result_date,result_type,suspend_days,visits,fully_online," ..
  "ecert_applicable,uses_ecert,result_sealed,sync_date\n"
local function cases(first, n)
  local rows = { header }
  for i = first, first + n - 1 do
    rows[#rows + 1] = string.format("U%07d,TC1,441581,县,承诺件,政务服务网,2021-05-%02d 10:00:00," ..
      "20,10,2021-05-20 10:00:00,批准,0,0,true,false,false,true,2021-05-20T02:00:00Z\n", i, 1 + i % 25)
  end
  return table.concat(rows)
end
local function post(name, body)
  return h:post("/api/v1/batches?source=cases&name=" .. name, ev, body, "text/csv")
end
local function ls(dir)
  local out = {}
  for name in L.run("ls -A " .. L.quote(dir) .. " 2>/dev/null"):gmatch("[^\n]+") do out[#out + 1] = name end
  table.sort(out)
  return out
end
local function exists(path) return os.execute("test -e " .. L.quote(path)) == true end

-- 1. The folder the old code would use for this host's first upload is taken already.
os.execute("mkdir -p " .. L.quote(data .. "/incoming/" .. h.pid .. "-1/first.csv"))
local st, text, j = post("first.csv", cases(1, 5))
t:eq("a post is stored although <pid>-<seq> is taken", 201, st, text)
local first = j and j.batch and j.batch.id
local mine = ls(data .. "/incoming")
local own
for _, name in ipairs(mine) do if name:match("^host%-") then own = name end end
t:ok(own ~= nil, "the host has its own upload directory", table.concat(mine, " "))
t:eq("which is empty after the post", 0, #ls(data .. "/incoming/" .. (own or "?")))
t:ok(h:stop(), "the host stops")

-- 2. Leftovers of killed hosts and ingests.
local orphan_bytes = cases(100, 3)
local tmpf = ws .. "/orphan.csv"
L.write(tmpf, orphan_bytes)
local orphan = L.run("sha256sum " .. L.quote(tmpf)):match("^(%x+)")
local raw = data .. "/batches/raw/"
os.execute("mkdir -p " .. L.quote(raw))
L.write(raw .. orphan .. ".csv", orphan_bytes)             -- renamed, never committed
L.write(raw .. ".incoming-1-7f00deadbeef", orphan_bytes)    -- a killed ingest's copy, PID 1
os.execute("mkdir -p " .. L.quote(data .. "/incoming/1-7") .. " " ..
  L.quote(data .. "/incoming/host-Dead01/Xy12Zz"))
L.write(data .. "/incoming/1-7/cases.csv", "x")                  -- old layout, PID 1 (alive)
L.write(data .. "/incoming/host-Dead01/Xy12Zz/cases.csv", "x")   -- new layout, killed host
local err
h, err = H.start { bin = bin, rules = ws .. "/rules", data = data, config = ws .. "/pinggu.json", tokens = tok }
t:ok(h ~= nil, "the host starts again", err)
if not h then H.finish(t, nil) end
local log = h:log()
t:ok(not exists(raw .. orphan .. ".csv"), "the raw file of a batch never committed is removed")
t:ok(not exists(raw .. ".incoming-1-7f00deadbeef"), "a killed ingest's copy is removed (PID 1 in its name)")
t:ok(exists(raw .. first .. ".csv"), "a committed batch's raw file stays")
t:ok(not exists(data .. "/incoming/1-7"), "an old <pid>-<seq> folder is removed (PID 1 in its name)")
t:ok(not exists(data .. "/incoming/" .. h.pid .. "-1"), "the folder planted in step 1 is removed")
t:ok(not exists(data .. "/incoming/host-Dead01"), "a killed host's upload directory is removed")
t:contains("the orphan is logged", log, "event=cleanup removed=\"batches/raw/" .. orphan .. ".csv")
t:contains("the copy is logged", log, "event=cleanup removed=batches/raw/.incoming-1-7f00deadbeef")
t:contains("the old folder's file is logged", log, "event=cleanup removed=incoming/1-7/cases.csv")
t:contains("the killed host's file is logged", log,
  "event=cleanup removed=incoming/host-Dead01/Xy12Zz/cases.csv")
t:eq("DATA/incoming holds only the running host's directory", 1, #ls(data .. "/incoming"))
st, text = post("second.csv", cases(200, 4))
t:eq("posts are stored after the clean-up", 201, st, text)
local _, _, list = h:get("/api/v1/batches", tok.admin)
t:eq("the store knows two batches", 2, list and list.batches and #list.batches)

-- 3. A second host on the same directory leaves the first one's upload directory alone.
local before = ls(data .. "/incoming")
local h2
h2, err = H.start { bin = bin, rules = ws .. "/rules", data = data, config = ws .. "/pinggu.json", tokens = tok }
t:ok(h2 ~= nil, "a second host starts", err)
if h2 then
  t:ok(not h2:log():find("removed=incoming/" .. before[1], 1, true), "it keeps the first host's directory")
  t:ok(exists(data .. "/incoming/" .. before[1]), "which is still there")
  t:ok(h2:stop(), "the second host stops")
end
t:eq("after it stopped, only the first host's directory is left", before[1], ls(data .. "/incoming")[1])
st = post("third.csv", cases(300, 2))
t:eq("the first host still takes posts", 201, st)
local stopped, clean = h:stop()
t:ok(stopped and clean, "SIGTERM stops the host cleanly")
t:eq("a clean stop leaves DATA/incoming empty", 0, #ls(data .. "/incoming"))
H.finish(t, nil)
