-- dashboard.lua — the dashboard's files served by the real host at / (host/static.c): the
-- page and its scripts without a token and with their types, nothing outside web/ (.., hidden
-- files), the API still behind its tokens, GET /api/v1/whoami for every role, and a web_dir
-- with no dashboard in it: / answers a JSON 404, the API works.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local t, h, tok, ws = H.setup("serve.dashboard")

-- Status, headers and body of a GET, the path sent as is (curl would fold "/../" itself).
local function fetch(host, path, token)
  local hdrf = os.tmpname()
  local cmd = "curl -sS --path-as-is -o - -D " .. L.quote(hdrf) .. " -w '\\n%{http_code}' " ..
    (token and ("-H " .. L.quote("Authorization: Bearer " .. token) .. " ") or "") ..
    L.quote("http://127.0.0.1:" .. host.port .. path)
  local out = L.run(cmd)
  local headers = L.slurp(hdrf) or ""
  os.remove(hdrf)
  local body, code = out:match("^(.*)\n(%d+)$")
  local ctype = headers:match("\n[Cc]ontent%-[Tt]ype: ([^\r\n]*)")
  return tonumber(code), ctype, body or "", headers
end

-- the page and its files, without a token
local st, ctype, body, hdrs = fetch(h, "/")
t:eq("/ without a token", 200, st)
t:eq("/ is HTML", "text/html; charset=utf-8", ctype)
t:contains("/ is the dashboard", body, "<html")
t:contains("/ loads its script as a module", body, 'type="module"')
t:matches("no-cache", hdrs, "Cache%-Control: no%-cache")
st, ctype = fetch(h, "/index.html")
t:eq("/index.html", 200, st)
st, ctype, body = fetch(h, "/js/app.js")
t:eq("/js/app.js without a token", 200, st)
t:eq("JavaScript type", "text/javascript; charset=utf-8", ctype)
t:contains("the app script", body, "import")
st, ctype = fetch(h, "/style.css")
t:eq("/style.css", 200, st)
t:eq("CSS type", "text/css; charset=utf-8", ctype)
t:ok(not body:find("Bearer pg_", 1, true), "no secret in the scripts")

-- nothing outside the web directory, nothing hidden
for _, p in ipairs { "/../etc/passwd", "/%2e%2e/", "/%2e%2e/etc/passwd", "/js/../../etc/passwd",
  "/.hidden", "/js/.hidden", "/.git/config", "/nonexistent.html", "/js" } do
  st, ctype = fetch(h, p)
  t:eq("GET " .. p, 404, st)
end
st = fetch(h, "/%00")
t:eq("GET /%00 is refused", 400, st)
st = h:post("/", nil, "x")
t:eq("POST / is not allowed", 405, st)

-- the API still needs its token; the token changes nothing for the files
st = fetch(h, "/api/v1/rules")
t:eq("/api/v1/rules without a token", 401, st)
st = fetch(h, "/api/v1/a/b/c/d/e/f/g/h/i")
t:eq("a deep /api path without a token", 401, st)
st = fetch(h, "/metrics")
t:eq("/metrics without a token", 401, st)
st = fetch(h, "/", tok.viewer)
t:eq("/ with a token", 200, st)

-- who am I, for every role
local whoami = {
  admin = { "admin", nil }, evaluator = { "evaluator", nil }, lufeng = { "unit", "lufeng" },
  viewer = { "viewer", nil },
}
for name, want in pairs(whoami) do
  local s, _, j = h:get("/api/v1/whoami", tok[name])
  t:eq("whoami as " .. name, 200, s)
  t:eq("whoami role of " .. name, want[1], j and j.role)
  t:eq("whoami name of " .. name, name, j and j.name)
  t:eq("whoami unit of " .. name, want[2], j and (not L.isnull(j.unit) and j.unit or nil))
end
st = h:get("/api/v1/whoami")
t:eq("whoami without a token", 401, st)
st = h:get("/api/v1/whoami", "pg_not-a-real-token")
t:eq("whoami with an unknown token", 401, st)
local stopped, clean = h:stop()
t:ok(stopped and clean, "SIGTERM stops the first host cleanly", h:log():sub(-300))

-- a web_dir holding no dashboard: / says so, the API works
local empty = ws .. "/empty-web"
os.execute("mkdir -p " .. L.quote(empty))
local bin = L.args()
local tok2, cfg2 = H.tokens(bin, ws, '"web_dir": ' .. string.format("%q", empty) .. ", ")
local h2, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg2 }
t:ok(h2, "the host starts with an empty web_dir", why)
if h2 then
  local s, _, j = h2:get("/")
  t:eq("/ with no dashboard installed", 404, s)
  t:contains("the 404 says so", j and j.error and j.error.message or "", "not installed")
  s = h2:get("/api/v1/rules", tok2.admin)
  t:eq("the API works without a dashboard", 200, s)
  s = h2:get("/healthz")
  t:eq("healthz without a dashboard", 200, s)
end
H.finish(t, h2)
