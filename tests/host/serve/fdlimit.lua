-- fdlimit.lua — issue 13 §5: every connection is a descriptor. Started with a soft limit of
-- 256 open files, the host raises it to the hard limit; started with a hard limit below
-- max_connections + 64, it says so in its log (what it has, what it needs, how to raise it).
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local bin, root = L.args()
local t = L.tester("serve.fdlimit")

local function limits(pid)
  local s = L.slurp("/proc/" .. pid .. "/limits") or ""
  local soft, hard = s:match("Max open files%s+(%S+)%s+(%S+)")
  return soft, hard
end

local hard = tonumber(L.run("sh -c 'ulimit -Hn'"):match("%d+"))
local ws = H.workspace(root)
local tok, cfg = H.tokens(bin, ws, '"max_connections": 1024, ')
if hard and hard > 300 then
  local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg,
    tokens = tok, env = "ulimit -Sn 256; " }
  t:ok(h ~= nil, "the host starts with a soft limit of 256", why)
  if h then
    local soft, hd = limits(h.pid)
    t:eq("it raised the soft limit to the hard one", hd, soft)
    if hard >= 1024 + 64 then
      t:ok(not h:log():find("event=limits", 1, true), "and says nothing when that is enough")
    end
    local stopped = h:stop()
    t:ok(stopped, "it stops")
  end
end

-- A hard limit too low for max_connections: said at start-up.
local ws2 = H.workspace(root)
local tok2, cfg2 = H.tokens(bin, ws2, '"max_connections": 1024, ')
local h2, why2 = H.start { bin = bin, rules = ws2 .. "/rules", data = ws2 .. "/data",
  config = cfg2, tokens = tok2, env = "ulimit -n 300; " }
t:ok(h2 ~= nil, "the host starts with a hard limit of 300", why2)
if h2 then
  t:contains("the log says the limit is too low for max_connections", h2:log(),
    "event=limits open_files=300 needed=1088")
  t:eq("it still serves", 200, (h2:get("/healthz")))
end
H.finish(t, h2)
