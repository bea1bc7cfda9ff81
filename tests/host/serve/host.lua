-- host.lua — starting the real `pinggu serve` for a test, and talking HTTP to it with curl.
--
-- H.start{bin=, rules=, data=, config=, clock=, tokens=} starts the binary on 127.0.0.1:0 in the
-- background, reads the port it bound from its "event=listening" log line, and returns a host
-- object: h:get(path, token), h:post(path, token, body, content_type), h:delete(path, token),
-- each returning status, body text and decoded JSON (or nil); h:signal(name); h:stop() sends
-- SIGTERM and returns the exit code; h:log() is the stderr so far.
-- The shared helpers sit in tests/e2e/, found from this file's own place (it is loaded by
-- scripts of several folders, so arg[0] would not do).
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = here .. "/../../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local H = {}
H.L = L

local Host = {}
Host.__index = Host

local function sleep(s) os.execute("sleep " .. s) end
H.sleep = sleep

-- Makes three tokens and a config file holding their hashes.
function H.tokens(bin, dir, extra)
  local toks, entries = {}, {}
  local function make(name, role, unit)
    local errf = dir .. "/token.err"
    local cmd = L.quote(bin) .. " token --role " .. role .. (unit and (" --unit " .. unit) or "") ..
      " --name " .. name .. " 2>" .. L.quote(errf)
    local p = io.popen(cmd)
    toks[name] = p:read("l")
    p:close()
    entries[#entries + 1] = L.slurp(errf):gsub("%s+$", "")
  end
  make("admin", "admin")
  make("evaluator", "evaluator")
  make("lufeng", "unit", "lufeng")
  make("viewer", "viewer")
  local cfg = dir .. "/pinggu.json"
  L.write(cfg, "{ " .. (extra or "") .. "\"tokens\": [" .. table.concat(entries, ",\n") .. "] }\n")
  return toks, cfg
end

function H.start(o)
  local h = setmetatable({ o = o }, Host)
  h.err = o.data .. "/../serve-" .. tostring(os.time()) .. "-" .. tostring(math.random(1e6)) .. ".log"
  local pidf = h.err .. ".pid"
  local cmd = (o.env or "") .. L.quote(o.bin) .. " serve --rules " .. L.quote(o.rules) .. " --data-dir " ..
    L.quote(o.data) .. " --listen 127.0.0.1:0" ..
    (o.config and (" --config " .. L.quote(o.config)) or "") ..
    (o.clock and (" --clock " .. o.clock) or "") ..
    " >/dev/null 2>" .. L.quote(h.err) .. " & echo $! >" .. L.quote(pidf)
  os.execute(cmd)
  h.pid = (L.slurp(pidf) or ""):match("%d+")
  if not h.pid then -- the shell could not even write the pid file: a full disk, say
    return nil, "the host was not started (no pid in " .. pidf .. "): " .. (L.slurp(h.err) or "(no log)")
  end
  for _ = 1, 200 do
    local log = L.slurp(h.err) or ""
    h.port = log:match("event=listening host=[^ ]+ port=(%d+)")
    if h.port then return h end
    if not os.execute("kill -0 " .. h.pid .. " 2>/dev/null") then break end
    sleep(0.05)
  end
  return nil, L.slurp(h.err) or "(no log)"
end

function Host:log() return L.slurp(self.err) or "" end

-- With PINGGU_RECORD=FILE in the environment, every exchange is also appended to FILE as one
-- JSON line {method, path, query, token, status, content_type, body}: the OpenAPI test
-- (tests/host/openapi) validates the recorded answers against docs/openapi.yaml.
local record = os.getenv("PINGGU_RECORD")

function Host:request(method, path, token, body, ctype)
  local args = { "curl -sS -o - -w '\\n" .. (record and "%{content_type}\\n" or "") ..
    "%{http_code}' -X " .. method }
  if token then args[#args + 1] = "-H " .. L.quote("Authorization: Bearer " .. token) end
  local bodyf
  if body then
    bodyf = os.tmpname()
    L.write(bodyf, body)
    args[#args + 1] = "--data-binary @" .. L.quote(bodyf)
    args[#args + 1] = "-H " .. L.quote("Content-Type: " .. (ctype or "application/json"))
  end
  args[#args + 1] = L.quote("http://127.0.0.1:" .. self.port .. path)
  local out = L.run(table.concat(args, " "))
  if bodyf then os.remove(bodyf) end
  local text, rtype, code
  if record then
    text, rtype, code = out:match("^(.*)\n([^\n]*)\n(%d+)$")
  else
    text, code = out:match("^(.*)\n(%d+)$")
  end
  local ok, json = pcall(cjson.decode, text or "")
  if record and code then
    local role
    for name, secret in pairs(self.o.tokens or {}) do
      if secret == token then role = name end
    end
    local f = assert(io.open(record, "ab"))
    f:write(cjson.encode { method = method, path = path:match("^[^?]*"),
      query = path:match("%?(.*)$") or "", token = role or (token and "unknown") or cjson.null,
      status = tonumber(code), content_type = rtype, body = text }, "\n")
    f:close()
  end
  return tonumber(code), text, ok and json or nil
end

function Host:get(path, token) return self:request("GET", path, token) end
function Host:post(path, token, body, ctype) return self:request("POST", path, token, body or "", ctype) end
function Host:delete(path, token) return self:request("DELETE", path, token) end

function Host:signal(name) os.execute("kill -" .. name .. " " .. self.pid) end

function Host:alive() return os.execute("kill -0 " .. self.pid .. " 2>/dev/null") == true end

-- Sends SIGTERM and waits for the exit; returns the exit code (from the log's last line, since
-- the shell that started it has gone): 0 if it logged "event=stopped".
function Host:stop()
  self:signal("TERM")
  for _ = 1, 200 do
    if not self:alive() then break end
    sleep(0.05)
  end
  return not self:alive(), self:log():find("event=stopped", 1, true) ~= nil
end

-- Polls fn() every 50 ms until it returns a true value or `seconds` pass; returns its values.
function H.wait(seconds, fn)
  local t0 = os.time()
  repeat
    local v = table.pack(fn())
    if v[1] then return table.unpack(v, 1, v.n) end
    sleep(0.05)
  until os.time() - t0 > seconds
  return fn()
end

-- A copy of the Shanwei rule set and a data directory holding its fed sample, in a fresh
-- temporary directory.
function H.workspace(root)
  local dir = L.tmpdir()
  os.execute("cp -r " .. L.quote(root .. "/rules/shanwei-2021") .. " " .. L.quote(dir .. "/rules"))
  os.execute("mkdir -p " .. L.quote(dir .. "/data") .. " && cp " ..
    L.quote(root .. "/rules/shanwei-2021/sample") .. "/*.csv " .. L.quote(dir .. "/data/"))
  return dir
end

-- The start of every test: a tester, a workspace, tokens and a config (with `extra` settings),
-- and the host started on them. Exits the test when the host does not start.
function H.setup(name, extra)
  local bin, root = L.args()
  local t = L.tester(name)
  local ws = H.workspace(root)
  local tok, cfg = H.tokens(bin, ws, extra)
  local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg,
    tokens = tok }
  if not h then
    print("FAIL the host did not start: " .. why)
    os.exit(1)
  end
  return t, h, tok, ws
end

-- The end of every test: a clean SIGTERM, the summary line, the exit code.
function H.finish(t, h)
  if h then
    local stopped, clean = h:stop()
    t:ok(stopped and clean, "SIGTERM stops the host cleanly", h:log():sub(-300))
  end
  L.cleanup()
  print(string.format("%s: %d checks, %d failed", t.name, t.checks, t.failures))
  os.exit(t.failures == 0 and 0 or 1)
end

-- Rewrites a file the way editors save: a temporary file renamed over the original.
function H.save_by_rename(path, text)
  local tmp = path:gsub("([^/]*)$", ".%1.swp")
  L.write(tmp, text)
  assert(os.rename(tmp, path))
end

-- Deep equality of decoded JSON (key order does not matter).
function H.same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not H.same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

-- What the sqlite3 shell prints for query q on the store DATA/pinggu.db, without the final
-- newline.
function H.sql(data, q)
  local p = io.popen("sqlite3 " .. L.quote(data .. "/pinggu.db") .. " " .. L.quote(q))
  local out = p:read("a")
  p:close()
  return (out:gsub("%s+$", ""))
end

return H
