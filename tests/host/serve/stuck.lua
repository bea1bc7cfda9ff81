-- stuck.lua — issue 13 §1, the host's side: a worker stuck past its deadline in C code, where
-- no sandbox check can reach it (PINGGU_TEST_STALL_MS makes every job that has a deadline
-- sleep that long after its work: a stand-in for a library call that hangs).
--   * /healthz says "stuck" with 503, and /metrics counts the stuck worker and the overrun.
--   * A request that would queue behind the stuck worker gets 503 with Retry-After at once,
--     both one that needs a new evaluation and one that waits for the stuck one; /healthz and
--     /metrics still answer.
--   * SIGTERM ends the process after drain_timeout_ms, though the worker never returns, and
--     the log says what was left unfinished.
-- The stall is ten minutes, so nothing here ends by the stall ending: no timing is asserted.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local bin, root = L.args()
local t = L.tester("serve.stuck")
local ws = H.workspace(root)
local tok, cfg = H.tokens(bin, ws, '"pool": 1, "job_deadline_ms": 300, "drain_timeout_ms": 1000, ')
local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg,
  tokens = tok, env = "PINGGU_TEST_STALL_MS=600000 " }
if not h then
  print("FAIL the host did not start: " .. why)
  os.exit(1)
end
local admin = tok.admin
local may = "/api/v1/rankings/monthly/2021-05?group=dept"

-- Status line and headers of one request, with curl giving up after 20 s (a hang fails).
local function head(path)
  local out = L.run("curl -sS -m 20 -i -H " .. L.quote("Authorization: Bearer " .. admin) .. " " ..
    L.quote("http://127.0.0.1:" .. h.port .. path))
  return tonumber(out:match("^HTTP/1%.1 (%d+)")), out
end

local st, _, j = h:get("/healthz")
t:eq("healthy before any job", 200, st)
t:eq("/healthz names the workers", 1, j and j.workers)

-- The first ranking starts an evaluation that stalls; its request waits in the background.
os.execute("curl -s -m 60 -o /dev/null -H " .. L.quote("Authorization: Bearer " .. admin) .. " " ..
  L.quote("http://127.0.0.1:" .. h.port .. may) .. " &")
local hz = H.wait(30, function()
  local s, _, b = h:get("/healthz")
  if s == 503 and b and b.status == "stuck" then return b end
end)
t:ok(hz ~= nil, "/healthz says stuck with 503 once the job outlives its deadline")
t:eq("…and counts the stuck worker", 1, hz and hz.workers_stuck)
t:eq("…and says the deadline", 300, hz and hz.job_deadline_ms)

local _, metrics = h:get("/metrics", admin)
t:ok(metrics:find("\npinggu_workers_stuck 1\n", 1, true), "/metrics: pinggu_workers_stuck 1")
t:ok(metrics:find("\npinggu_job_overruns_total 1\n", 1, true), "/metrics: one overrun")
t:ok(h:log():find("event=worker worker=0 job=evaluation stuck=", 1, true),
  "the log names the stuck worker and its job")

-- Work that would wait behind it is refused at once, with Retry-After.
local code, text = head("/api/v1/rankings/monthly/2021-06?group=dept")
t:eq("a ranking that needs a new evaluation: 503", 503, code)
t:ok(text:find("\nRetry%-After: %d+\r?\n"), "…with Retry-After", text)
t:ok(text:find("stuck past its deadline", 1, true), "…saying why", text)
code, text = head(may)
t:eq("the stalled evaluation's own ranking: 503, not a hang", 503, code)
t:ok(text:find("the evaluation this request needs", 1, true), "…naming it", text)
t:eq("POST /evaluations: 503", 503,
  (h:post("/api/v1/evaluations", admin, '{"scheme":"monthly","period":"2021-07"}')))
t:eq("POST /batches: 503", 503, (h:post("/api/v1/batches?source=cases&name=x.csv", admin, "a,b\n",
  "text/csv")))
t:eq("/rules still answers", 200, (h:get("/api/v1/rules", admin)))

-- SIGTERM: the drain timeout ends the process though the worker never returns.
h:signal("TERM")
local gone = H.wait(30, function() return not h:alive() end)
t:ok(gone, "SIGTERM ends the process within the drain timeout, stuck worker and all")
local log = h:log()
t:ok(log:find("event=shutdown drain_timeout_ms=1000 jobs_unfinished=1 workers_stuck=1", 1, true),
  "the log says what the shutdown left unfinished", log:sub(-400))
L.cleanup()
print(string.format("%s: %d checks, %d failed", t.name, t.checks, t.failures))
os.exit(t.failures == 0 and 0 or 1)
