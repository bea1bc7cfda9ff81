-- identity.lua — one rule identity: the revision `pinggu eval` prints (text and JSON), the one in
-- a report (HTML, JSON), the one `pinggu publish` and `pinggu bulletins` name, the snapshot
-- directory's name and the one the API answers (/api/v1/rules, /healthz, a bulletin) are the
-- same string for the same rules; editing a rule file, units.csv or a rule test changes it, and
-- a data file beside the rules does not. Then an old store (legacy-store.tar.gz: two bulletins
-- published before the ids were unified, whose stored results carry the old revision) still
-- re-runs byte for byte, and re-publishing it unchanged is still "nothing to correct".
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "../../../host/serve/host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("publish.identity")
local ws = H.workspace(root)
local rules, data = ws .. "/rules", ws .. "/data"

local function pg(args)
  return L.run(L.quote(bin) .. " " .. args)
end
local function common()
  return " --rules " .. L.quote(rules) .. " --data " .. L.quote(data) ..
    " --scheme monthly --period 2021-05"
end
-- The revision as `pinggu eval --format json` gives it, and its text's 12 digits.
local function eval_ids()
  local out, err = pg("eval" .. common())
  local ok, j = pcall(cjson.decode, out)
  local full = ok and j.ruleset and j.ruleset.revision or ("(none: " .. err .. ")")
  local text = pg("eval" .. common() .. " --format text")
  return full, text:match("规则版本 (%x+)")
end

local id, short = eval_ids()
t:ok(id:match("^%x+$") and #id == 64, "eval --format json gives a 64-digit revision", id)
t:eq("eval's text prints its first 12 digits", id:sub(1, 12), short)

-- reports
local outdir = ws .. "/reports"
os.execute("mkdir -p " .. L.quote(outdir))
pg("report" .. common() .. " --format html --out " .. L.quote(outdir .. "/html"))
pg("report" .. common() .. " --format json --out " .. L.quote(outdir .. "/json"))
local html = L.slurp(outdir .. "/html/monthly-2021-05.html") or ""
t:eq("the HTML report names it", id:sub(1, 12), html:match("规则版本：(%x+)"))
local rj = cjson.decode(L.slurp(outdir .. "/json/monthly-2021-05.json") or "{}")
t:eq("the JSON report names it", id, rj.ruleset and rj.ruleset.revision)

-- publishing, the record and the snapshot
local out, err, code = pg("publish" .. common() .. " --actor tester")
t:eq("publish", 0, code, err)
t:eq("publish prints it", id:sub(1, 12), out:match("rules revision (%x+)"))
out = pg("bulletins --data " .. L.quote(data) .. " --format json")
local list = cjson.decode(out)
t:eq("bulletins --format json names it", id, list.bulletins[1] and list.bulletins[1].rules_revision)
out = pg("bulletins --data " .. L.quote(data))
t:eq("bulletins' text names it", id:sub(1, 12), out:match("rules revision (%x+)"))
t:ok(L.slurp(data .. "/rules/" .. id .. "/units.csv") ~= nil, "the snapshot directory is named by it")
local bhtml = L.slurp(data .. "/bulletins/monthly-2021-05-r1/monthly-2021-05.html") or ""
t:eq("the bulletin's HTML names it", id:sub(1, 12), bhtml:match("规则版本：(%x+)"))
out, err, code = pg("reproduce --data " .. L.quote(data) .. " --bulletin 1")
t:eq("it reproduces", 0, code, out .. err)
t:eq("reproduce names it", id:sub(1, 12), out:match("rules revision (%x+)"))

-- the API
local tok, cfg = H.tokens(bin, ws)
local h, why = H.start { bin = bin, rules = rules, data = data, config = cfg }
t:ok(h, "the host starts", why)
if h then
  local _, _, j = h:get("/api/v1/rules", tok.admin)
  t:eq("GET /api/v1/rules names it", id, j and j.revision)
  _, _, j = h:get("/healthz")
  t:eq("/healthz names it", id, j and j.revision)
  _, _, j = h:get("/api/v1/bulletins/monthly/2021-05", tok.admin)
  t:eq("GET a bulletin names it", id, j and j.bulletin and j.bulletin.rules_revision)
  t:eq("… and its frozen result too", id, j and j.result and j.result.ruleset and j.result.ruleset.revision)
  local _, text = h:get("/metrics", tok.admin)
  t:contains("/metrics names it", text or "", 'pinggu_rules_info{revision="' .. id .. '"}')
  t:ok(h:stop(), "the host stops")
end

-- what changes it and what does not
local function append(path, text)
  L.write(path, (L.slurp(path) or "") .. text)
end
local seen = { [id] = "the original" }
local function changed(what)
  local now = eval_ids()
  t:ok(now:match("^%x+$") and not seen[now], what .. " gives a new revision", now)
  seen[now] = what
end
append(rules .. "/monitoring.lua", "\n-- an edit\n")
changed("editing a rule file")
append(rules .. "/units.csv", "\n")
changed("editing units.csv")
append(rules .. "/tests/bonus.lua", "\n-- an edit\n")
changed("editing a rule test")
local before = eval_ids()
append(rules .. "/sample/2021-05.csv", "\n")
t:eq("editing the sample data beside the rules does not", before, (eval_ids()))

-- an old store: the snapshot is named as before, the results keep the old id and re-run
local old = ws .. "/legacy"
os.execute("mkdir -p " .. L.quote(old) .. " && tar xzf " ..
  L.quote(root .. "/tests/core/record/publish/legacy-store.tar.gz") .. " -C " .. L.quote(old) ..
  " && cp " .. L.quote(root .. "/rules/shanwei-2021/sample") .. "/*.csv " .. L.quote(old))
local snapshot = "bd335c4cd5a70eda394b2a2aa655b48feef30c8773a41c42e8347de4ebfba426"
for b = 1, 2 do
  out, err, code = pg("reproduce --data " .. L.quote(old) .. " --bulletin " .. b)
  t:eq("old bulletin " .. b .. " re-runs", 0, code, out .. err)
  t:contains("… byte for byte", out, "identical: bulletin " .. b)
end
out = pg("bulletins --data " .. L.quote(old) .. " --show 2 --format json")
local v = cjson.decode(out)
t:eq("an old bulletin's rules revision is its snapshot's name", snapshot, v.bulletin.rules_revision)
t:eq("… while its frozen result keeps the id it was published with",
  "ce4d337b5efc17d54fc75f6da1e41a4e9d242158562124743c621a93c42cdc8c", v.result.ruleset.revision)
-- the snapshot, loaded today, has the snapshot's name as its revision
local orules = old .. "/rules/" .. snapshot
out = pg("eval --rules " .. L.quote(orules) .. " --data " .. L.quote(old) ..
  " --scheme monthly --period 2021-05 --format text")
t:eq("the old snapshot re-hashes to its own name", snapshot:sub(1, 12), out:match("规则版本 (%x+)"))
out, err, code = pg("publish --rules " .. L.quote(orules) .. " --data " .. L.quote(old) ..
  " --scheme monthly --period 2021-05 --reason again")
t:eq("re-publishing an old bulletin on the same rules and data is refused", 1, code, out)
t:contains("… as nothing to correct", err, "nothing to correct")
H.finish(t, nil)
