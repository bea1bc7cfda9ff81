-- findings.lua — the smaller findings of issue 13 (§6), each against the real host:
--   query parameters  every time, whole-number and period parameter of every route is read by
--                     one parser per kind: a bad value is a 400 naming the parameter, never a
--                     silent default or an empty list
--   audit object=     LIKE wildcards in ?object= match themselves only
--   sample sizes      a self-report's n must be a whole number, 0 or more
--   NUL in JSON       a string holding \u0000 is refused (400 naming the field), not cut short
--   values in errors  a refused value is shown with every digit it was given
--   non-UTF-8 paths   the JSON error stays valid UTF-8 (the bytes escaped)
--   Authorization     "Bearer" in any case, spaces or a tab after it, spaces after the token
--   evidence          a unit cites only evidence it uploaded itself
-- Besides the three staff tokens and lufeng's, a second unit token (haifeng) is made here.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("serve.findings")
local ws = H.workspace(root)

-- H.tokens, with one more unit token
local tok, cfg = H.tokens(bin, ws)
do
  local errf = ws .. "/token2.err"
  local p = io.popen(L.quote(bin) .. " token --role unit --unit haifeng --name haifeng 2>" .. L.quote(errf))
  tok.haifeng = p:read("l")
  p:close()
  local entry = L.slurp(errf):gsub("%s+$", "")
  local text = L.slurp(cfg):gsub("%] }\n$", ",\n" .. entry .. "] }\n")
  L.write(cfg, text)
end
local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg,
  tokens = tok }
if not h then
  print("FAIL the host did not start: " .. why)
  os.exit(1)
end

local function msg(j) return j and j.error and j.error.message or "" end

t:section("query parameters", function()
  -- path, the parameter the 400 must name
  local bad = {
    { "/api/v1/audit?since=garbage", "since" },
    { "/api/v1/audit?until=2021-13-01", "until" },
    { "/api/v1/audit?since=%zz", "since" },
    { "/api/v1/audit?limit=5x", "limit" },
    { "/api/v1/audit?limit=0", "limit" },
    { "/api/v1/audit?limit=99999999999999999999", "limit" },
    { "/api/v1/runs?limit=abc", "limit" },
    { "/api/v1/runs?limit=-3", "limit" },
    { "/api/v1/runs?period=2021-5", "period" },
    { "/api/v1/bulletins?period=may", "period" },
    { "/api/v1/rules?year=garbage", "year" },
    { "/api/v1/rules?year=2021x", "year" },
    { "/api/v1/units?year=", "year" },
    { "/api/v1/units/lufeng/series?scheme=monthly&year=20x1", "year" },
    { "/api/v1/selfreports?period=2021-13", "period" },
    { "/api/v1/scores?period=garbage", "period" },
    { "/api/v1/appeals?period=garbage", "period" },
  }
  for _, b in ipairs(bad) do
    local st, _, j = h:get(b[1], tok.admin)
    t:eq("GET " .. b[1], 400, st)
    t:contains("GET " .. b[1] .. " names " .. b[2], msg(j), b[2])
  end
  local st, _, j = h:post("/api/v1/rules/reload?year=garbage", tok.admin, "")
  t:eq("POST /rules/reload?year=garbage", 400, st)
  t:contains("naming year", msg(j), "year")
  -- good values still work; an upload makes an entry to find
  t:eq("an upload for the audit log", 201, (h:post("/api/v1/evidence?name=q.txt", tok.evaluator, "query", "text/plain")))
  t:eq("since and until as dates", 200, (h:get("/api/v1/audit?since=2020-01-01&until=2030-01-01&limit=5", tok.admin)))
  st, _, j = h:get("/api/v1/audit?since=2020-01-01T00:00:00%2B08:00", tok.admin)
  t:eq("since with an offset", 200, st)
  t:ok(j and #j > 0, "finds the entries after it")
  st, _, j = h:get("/api/v1/audit?until=2020-01-01T00:00:00Z", tok.admin)
  t:eq("until before anything", 200, st)
  t:eq("finds nothing", 0, j and #j)
  t:eq("?year=2021", 200, (h:get("/api/v1/rules?year=2021", tok.admin)))
  t:eq("?period=2021-05 on runs", 200, (h:get("/api/v1/runs?period=2021-05&limit=3", tok.admin)))
  t:eq("?period=2021 on scores", 200, (h:get("/api/v1/scores?period=2021", tok.admin)))
end)

t:section("audit object= is literal", function()
  local _, _, all = h:get("/api/v1/audit", tok.admin)
  t:ok(all and #all > 0, "the log has entries")
  for _, o in ipairs { "%25", "_", "evidence%25", "EVIDENCE" } do
    local st, _, j = h:get("/api/v1/audit?object=" .. o, tok.admin)
    t:eq("object=" .. o .. " answers", 200, st)
    t:eq("object=" .. o .. " matches nothing", 0, j and #j)
  end
  local st, _, j = h:get("/api/v1/audit?object=evidence", tok.admin)
  t:ok(st == 200 and j and #j > 0, "object=evidence matches what is under it")
end)

t:section("sample sizes are whole numbers", function()
  local function report(n)
    return h:post("/api/v1/selfreports", tok.lufeng, cjson.encode { period = "2021-05",
      metric = "ecert_calls_reported", value = 10, n = n, link = "https://x.cn/a" })
  end
  local st, _, j = report(2.5)
  t:eq("a self-report with n = 2.5", 422, st)
  t:contains("saying why", msg(j), "a sample size is a whole number")
  t:eq("nor n = -1", 422, (report(-1)))
  t:eq("n = 3 is one", 201, (report(3)))
  st, _, j = h:post("/api/v1/batches?source=values&name=n.csv", tok.evaluator,
    "unit,period,metric,value,n\nhaifeng,2021-05,ecert_calls,10,2.5\n", "text/csv")
  t:eq("a value batch with n = 2.5", 422, st)
  local e = j and j.error and j.error.errors and j.error.errors[1]
  t:eq("at its line", 2, e and e.line)
  t:eq("and column", 5, e and e.column)
  t:contains("saying why", e and e.message, "a whole number")
end)

t:section("a NUL in a JSON string", function()
  local st, _, j = h:post("/api/v1/selfreports", tok.evaluator, '{"unit":"lufeng\\u0000x",' ..
    '"period":"2021-05","metric":"ecert_calls_reported","value":10,"link":"https://x.cn/a"}')
  t:eq("a self-report for lufeng\\u0000x", 400, st)
  t:contains("naming the field", msg(j), "field 'unit'")
  st, _, j = h:post("/api/v1/evaluations", tok.evaluator, '{"scheme":"monthly","period":"2021-05\\u0000zz"}')
  t:eq("an evaluation of 2021-05\\u0000zz", 400, st)
  t:contains("naming the field", msg(j), "field 'period'")
  st, _, j = h:post("/api/v1/scores", tok.evaluator, '{"unit":"lufeng","reason":["ok","a\\u0000b"]}')
  t:eq("inside an array", 400, st)
  t:contains("naming the member", msg(j), "field 'reason'")
  st = h:post("/api/v1/scores", tok.evaluator, '{"unit":"lufeng","reason":"a\\\\u0000b"}')
  t:eq("an escaped backslash before u0000 is no NUL", 422, st)
  st, _, j = h:post("/api/v1/evaluations", tok.evaluator, '{"scheme":"monthly","period":"2021-05"}\0')
  t:eq("a raw NUL byte", 400, st)
  t:contains("saying so", msg(j), "NUL byte")
end)

t:section("non-UTF-8 bytes in what an error quotes", function()
  for _, path in ipairs { "/api/v1/%ff%fe/x", "/api/v1/results/monthly/2021-05/lu%c3feng",
    "/api/v1/audit?since=%ff%c0%af", "/nosuch-%ed%a0%80.html" } do
    local st, text, j = h:get(path, tok.admin)
    t:ok(st == 400 or st == 404, "GET " .. path .. " is refused", tostring(st))
    t:ok(utf8.len(text or "") ~= nil, "GET " .. path .. ": the answer is valid UTF-8", text)
    t:ok(j and msg(j):find("\\x", 1, true), "the bad bytes shown as \\xNN", msg(j))
  end
  local _, _, j = h:get("/api/v1/results/monthly/2021-05/%e9%99%86%e4%b8%b0x", tok.admin)
  t:contains("valid UTF-8 passes as it is", msg(j), "陆丰x")
end)

t:section("Authorization with optional white space", function()
  -- curl -H @file sends each line of the file as it is, tabs and trailing spaces included
  local function status(header)
    local f = os.tmpname()
    L.write(f, header .. "\n")
    local out = L.run("curl -sS -o /dev/null -w '%{http_code}' -H @" .. L.quote(f) ..
      " http://127.0.0.1:" .. h.port .. "/api/v1/whoami")
    os.remove(f)
    return tonumber(out)
  end
  local k = tok.admin
  t:eq("the plain form", 200, status("Authorization: Bearer " .. k))
  t:eq("a space after the token", 200, status("Authorization: Bearer " .. k .. " "))
  t:eq("a tab after the token", 200, status("Authorization: Bearer " .. k .. "\t"))
  t:eq("a tab after Bearer", 200, status("Authorization: Bearer\t" .. k))
  t:eq("spaces and a tab after Bearer", 200, status("Authorization: Bearer  \t " .. k))
  t:eq("the scheme in another case", 200, status("Authorization: bEARER " .. k))
  t:eq("no white space after the scheme", 401, status("Authorization: Bearer" .. k))
  t:eq("another scheme", 401, status("Authorization: Basic " .. k))
  t:eq("the token and more", 401, status("Authorization: Bearer " .. k .. " x"))
  t:eq("only the scheme", 401, status("Authorization: Bearer \t "))
end)

t:section("values in errors keep their digits", function()
  local st, _, j = h:post("/api/v1/selfreports", tok.lufeng, '{"period":"2021-05",' ..
    '"metric":"ecert_calls_reported","value":1.0000001,"link":"https://x.cn/a"}')
  t:eq("a count of 1.0000001", 422, st)
  t:contains("shown as given", msg(j), "value 1.0000001:")
end)

t:section("evidence belongs to the unit that uploaded it", function()
  local st, _, j = h:post("/api/v1/evidence?name=lufeng.txt", tok.lufeng, "陆丰五月台账", "text/plain")
  t:eq("lufeng uploads its file", 201, st)
  local hash = j and j.hash
  local function cite(who, unit)
    return h:post("/api/v1/selfreports", tok[who], cjson.encode { unit = unit, period = "2021-05",
      metric = "ecert_calls_reported", value = 10, evidence = hash })
  end
  st, _, j = cite("haifeng", "haifeng")
  t:eq("haifeng cites lufeng's file", 422, st)
  t:contains("as if it were not there", msg(j), "is not stored for unit 'haifeng'")
  t:eq("lufeng cites its own", 201, (cite("lufeng", "lufeng")))
  t:eq("an evaluator cites it for haifeng", 201, (cite("evaluator", "haifeng")))
  st, _, j = h:post("/api/v1/evidence?name=copy.txt", tok.haifeng, "陆丰五月台账", "text/plain")
  t:eq("haifeng uploads the same bytes", 201, st)
  t:eq("the same file", hash, j and j.hash)
  t:eq("then it may cite them", 201, (cite("haifeng", "haifeng")))
end)

H.finish(t, h)
