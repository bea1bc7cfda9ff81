-- abuse.lua — what a client can do wrong, against the real host: malformed HTTP gets a 4xx or
-- a closed connection and the host keeps serving; and SIGTERM during an evaluation lets it
-- finish, answers its request, and exits cleanly.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local t, h, tok, ws = H.setup("serve.abuse",
  '"body_limit_mb": 1, "read_timeout_ms": 1000, "log_level": "debug", ')

-- Sends raw bytes (written to a file first) on one connection; returns what came back.
local function raw(bytes)
  local f = os.tmpname()
  L.write(f, bytes)
  local out = L.run("timeout 10 bash -c " .. L.quote("exec 3<>/dev/tcp/127.0.0.1/" .. h.port ..
    " && cat " .. L.quote(f) .. " >&3 && cat <&3"))
  os.remove(f)
  return out
end

local function status_of(reply) return tonumber(reply:match("^HTTP/1%.1 (%d%d%d)")) end
local function still_serving(what)
  local st = h:get("/healthz")
  t:eq("the host still serves after " .. what, 200, st)
end

local reply = raw("GARBAGE\r\n\r\n")
t:eq("a bad request line", 400, status_of(reply), reply)
still_serving("a bad request line")

reply = raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " .. string.rep("a", 64 * 1024) .. "\r\n\r\n")
t:eq("a huge header", 431, status_of(reply), reply:sub(1, 200))
still_serving("a huge header")

reply = raw("POST /api/v1/batches?source=cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " ..
  tok.admin .. "\r\nContent-Length: 5000000\r\n\r\nproject_no\n")
t:eq("a body over the limit", 413, status_of(reply), reply:sub(1, 200))
still_serving("a body over the limit")

-- a Content-Length longer than what is sent: the request never completes; 408 after the read
-- timeout, or the connection closes
reply = raw("POST /api/v1/evaluations HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"sch")
t:ok(reply == "" or status_of(reply) == 408, "a truncated body gets 408 or a close", reply:sub(1, 200))
still_serving("a truncated body")

-- a Content-Length shorter than what is sent: the rest is a bad next request
reply = raw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nabcdef\r\n\r\n")
t:eq("the first request is answered", 200, status_of(reply), reply:sub(1, 200))
t:ok(reply:find("HTTP/1.1 400", 1, true) ~= nil, "the leftover bytes get a 400", reply:sub(1, 400))
still_serving("a wrong Content-Length")

reply = raw("GET /api/v1/rules%00 HTTP/1.1\r\nHost: x\r\n\r\n")
t:eq("a NUL in the path", 400, status_of(reply), reply:sub(1, 200))
reply = raw("GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
t:eq("bad chunked encoding", 400, status_of(reply), reply:sub(1, 200))
still_serving("every malformed request")

-- SIGTERM while an evaluation runs: the request in flight is answered, then a clean exit
local out = ws .. "/inflight.txt"
os.execute("curl -sS -o /dev/null -w '%{http_code}' -H " ..
  L.quote("Authorization: Bearer " .. tok.admin) .. " " ..
  L.quote("http://127.0.0.1:" .. h.port .. "/api/v1/rankings/annual/2021") .. " >" .. L.quote(out) ..
  " 2>&1 &")
-- the debug log says when the request has arrived; only then is it "in flight"
H.wait(20, function() return h:log():find("event=request method=GET path=/api/v1/rankings/annual/2021", 1, true) end)
local stopped, clean = h:stop()
t:ok(stopped and clean, "SIGTERM during an evaluation exits cleanly", h:log():sub(-400))
local code = H.wait(10, function() local s = L.slurp(out) if s and #s >= 3 then return s end end)
t:eq("the request in flight was answered", "200", code)
t:matches("the shutdown waited for it", h:log(), "event=shutdown signal=SIGTERM jobs_in_flight=%d")

H.finish(t)
