-- postgres.lua PINGGU SOURCE_ROOT GEN_RAW — the postgres source plugin against a real server.
--
-- A throw-away cluster (pgfixture.lua: initdb + pg_ctl from Debian's postgresql package, on a
-- Unix socket in a temporary directory, no TCP) is started for the test; as root, initdb and
-- postgres refuse to run, so they run as the `postgres` system user the package creates
-- (runuser). Without the package the test is skipped (exit 77) saying so.
--
-- The strongest check there is: the Shanwei cases of a generated year (tools/gen-raw.c) are
-- loaded into a table with COPY, and `pinggu ingest --from postgres:` must store partials
-- byte for byte identical to those of ingesting the very CSV that was loaded, metric by
-- metric; the monthly values eval computes from them must then be equal too. Then: pulling
-- again is the same batch; a changed table replaces it; a value the source does not declare
-- refuses the batch whole, located; the refusals (a connection in the rule file, an unknown
-- option, a source without a plugin, a server that is not there) say what and where.
package.path = arg[2] .. "/tests/e2e/?.lua;" .. package.path
local L = require "lib"
local bin, root = L.args()
local gen_raw = arg[3]
local T = L.tester("plugins.postgres")

local function sh(cmd)
  local out, err, code = L.run(cmd)
  return out, err, code
end

-- the throw-away cluster (pgfixture.lua, shared with pushdown.lua and pushdown-run)
local F = dofile(root .. "/tests/plugins/pgfixture.lua")
local pg, plugin_dir = F.test_start(L, bin)
local function stop() pg:stop() end

local function fatal(what, err)
  print("FAIL " .. what .. ": " .. (err or ""))
  stop()
  L.cleanup()
  os.exit(1)
end

local env = pg.env
local function psql(sql) return pg:psql(sql) end

-- the rule set: Shanwei 2021 with its cases read by the plugin
local work = L.tmpdir()
local rules = work .. "/rules"
sh("cp -r " .. L.quote(root .. "/rules/shanwei-2021") .. " " .. L.quote(rules))
local src = L.slurp(rules .. "/sources.lua")
local anchor = 'name = "办件", unit = "org_code", time = "accept_date", key = "project_no",'
local at = src:find(anchor, 1, true)
if not at then fatal("rules/shanwei-2021/sources.lua no longer declares cases as expected") end
local function with_plugin(text)
  return (src:gsub(L.pattern(anchor), function(m) return m .. "\n  " .. text .. "," end, 1))
end
L.write(rules .. "/sources.lua", with_plugin('plugin = "postgres", options = { table = "public.cases" }'))
-- the line of `source "cases" {`, the one before the anchor
local decl_line = select(2, src:sub(1, at):gsub("\n", ""))

-- a generated year (small scale), its cases as one CSV
_, err, code = sh(L.quote(gen_raw) .. " --scale 0.03 --units " .. L.quote(rules .. "/units.csv") ..
  " --out " .. L.quote(work .. "/raw"))
if code ~= 0 then fatal("gen-raw", err) end
local files = {}
for f in (sh("ls " .. L.quote(work .. "/raw/cases"))):gmatch("[^\n]+") do files[#files + 1] = f end
local all, header = {}, nil
for _, f in ipairs(files) do
  local text = L.slurp(work .. "/raw/cases/" .. f)
  local h, body = text:match("^([^\n]*\n)(.*)$")
  header = header or h
  all[#all + 1] = body
end
local csv = work .. "/cases.csv"
L.write(csv, header .. table.concat(all))
local nrows = select(2, table.concat(all):gsub("\n", ""))
T:ok(nrows > 1000, "the generated year has cases", tostring(nrows))

-- the table: the engine's own types; local times in the file are Shanghai time
_, err, code = psql([[
SET TimeZone = 'Asia/Shanghai';
CREATE TABLE public.cases (
  project_no text, task_code text, org_code text, handle_level text, project_type text,
  channel text, accept_date timestamptz, anticipate_day int, promise_day int,
  result_date timestamptz, result_type text, suspend_days int, visits int,
  fully_online boolean, ecert_applicable boolean, uses_ecert boolean, result_sealed boolean,
  sync_date timestamptz);
\copy public.cases FROM ']] .. csv .. [[' WITH (FORMAT csv, HEADER true)
]])
if code ~= 0 then fatal("loading the table", err) end

local function ingest(data, args)
  return sh(env .. L.quote(bin) .. " ingest --rules " .. L.quote(rules) .. " --data " ..
    L.quote(data) .. " --source cases " .. args)
end
local partials = L.partials

T:section("a pull stores the partials of the same rows ingested as CSV, byte for byte", function()
  local out, e, c = ingest(work .. "/from-csv", L.quote(csv))
  T:eq("the CSV ingest's exit", 0, c, e)
  local n_csv = tonumber(out:match("(%d+) records of cases"))
  out, e, c = ingest(work .. "/from-pg", "--from postgres:")
  T:eq("the pull's exit", 0, c, e)
  T:matches("the pull names what it read", out, "^postgres:public%.cases@postgres: batch %x+: %d+ records of cases")
  T:eq("records", n_csv, tonumber(out:match("(%d+) records of cases")))
  local a, b = partials(work .. "/from-csv"), partials(work .. "/from-pg")
  local n = 0
  for m, cells in pairs(a) do
    n = n + 1
    T:eq("partials of metric " .. m, cells, b[m])
  end
  for m in pairs(b) do T:ok(a[m], "metric " .. m .. " only in the pull") end
  T:ok(n >= 10, "metrics read from cases compared", tostring(n))
  -- and what an evaluation makes of them
  for _, p in ipairs({ "2021-01", "2021-06", "2021-12" }) do
    local ea = L.run(L.eval_cmd(bin, { rules = rules, data = work .. "/from-csv", scheme = "monthly", period = p, format = "json" }))
    local eb = L.run(L.eval_cmd(bin, { rules = rules, data = work .. "/from-pg", scheme = "monthly", period = p, format = "json" }))
    T:ok(#ea > 1000, "eval of " .. p .. " gives a result", tostring(#ea))
    T:eq("eval of " .. p .. " is the same from either", ea, eb)
  end
end)

local first_id
T:section("the same rows again are the same batch; changed rows replace it", function()
  local out, e, c = ingest(work .. "/from-pg", "--from postgres:")
  T:eq("exit", 0, c, e)
  T:matches("nothing changed", out, "already ingested as batch %x+; nothing changed")
  first_id = out:match("batch (%x+)")
  local _, e2, c2 = psql("DELETE FROM public.cases WHERE project_no = (SELECT min(project_no) FROM public.cases);")
  T:eq("delete a row", 0, c2, e2)
  out, e, c = ingest(work .. "/from-pg", "--from postgres: --replace " .. (first_id or "?"))
  T:eq("exit of the replacing pull", 0, c, e)
  T:matches("one record fewer", out, "batch %x+: " .. (nrows - 1 - 0) .. " records of cases")
  T:contains("replaced", out, "batch " .. (first_id or "?") .. " replaced by batch")
  local list = ingest(work .. "/from-pg", "--list")
  list = sh(L.quote(bin) .. " ingest --data " .. L.quote(work .. "/from-pg") .. " --list")
  T:matches("the list shows the pull's name", list, "replaced%s+%d+%s+.-postgres:public%.cases@postgres")
end)

T:section("a bad value refuses the pull whole, located", function()
  local before = sh(L.quote(bin) .. " ingest --data " .. L.quote(work .. "/from-pg") .. " --list")
  local _, e2, c2 = psql("UPDATE public.cases SET channel = '传真' WHERE project_no = (SELECT max(project_no) FROM public.cases);")
  T:eq("update a row", 0, c2, e2)
  local _, e, c = ingest(work .. "/from-pg", "--from postgres:")
  T:eq("exit", 1, c)
  T:matches("located", e, "postgres:public%.cases@postgres:%d+: error: channel: [^\n]*传真")
  T:contains("nothing stored", e, "the batch is rejected, nothing stored")
  local after = sh(L.quote(bin) .. " ingest --data " .. L.quote(work .. "/from-pg") .. " --list")
  T:eq("no batch added", before, after)
end)

T:section("refusals say what and where", function()
  -- a connection in the rule file: refused by check at the source's line
  L.write(rules .. "/sources.lua", with_plugin('plugin = "postgres", options = { table = "cases", password = "s3cret" }'))
  local _, e, c = sh(L.quote(bin) .. " check " .. L.quote(rules))
  T:eq("check's exit", 1, c)
  T:matches("located", e, "sources%.lua:" .. decl_line .. ": error: source 'cases': options%.password: a connection never goes in a rule file")
  T:ok(not e:find("s3cret", 1, true), "the password is not repeated")
  -- an option the plugin does not know
  L.write(rules .. "/sources.lua", with_plugin('plugin = "postgres", options = { table = "cases", tabel = "x" }'))
  _, e, c = ingest(work .. "/refused", "--from postgres:")
  T:eq("unknown option's exit", 1, c)
  T:matches("unknown option located", e, "sources%.lua:" .. decl_line .. ": error: source 'cases': postgres: unknown option 'tabel'")
  -- a table name that would mean something else quoted
  L.write(rules .. "/sources.lua", with_plugin('plugin = "postgres", options = { table = "Cases" }'))
  _, e, c = ingest(work .. "/refused", "--from postgres:")
  T:eq("upper-case table's exit", 1, c)
  T:contains("upper-case table", e, "table 'Cases' must be a lower-case")
  -- --from another plugin than the source's
  L.write(rules .. "/sources.lua", with_plugin('plugin = "postgres", options = { table = "public.cases" }'))
  _, e, c = ingest(work .. "/refused", "--from hive:x")
  T:eq("other plugin's exit", 1, c)
  T:contains("other plugin", e, "source 'cases' is read by plugin 'postgres'")
  -- a table that is not there
  _, e, c = ingest(work .. "/refused", "--from postgres:nosuch")
  T:eq("missing table's exit", 1, c)
  T:matches("missing table", e, "postgres:nosuch@postgres: error: postgres: ERROR:%s+relation \"nosuch\" does not exist; nothing stored")
  -- a server that is not there
  _, e, c = sh("PGHOST=" .. L.quote(work) .. " PGUSER=pinggu PGDATABASE=postgres " .. L.quote(bin) ..
    " ingest --rules " .. L.quote(rules) .. " --data " .. L.quote(work .. "/refused") .. " --source cases --from postgres:")
  T:eq("no server's exit", 1, c)
  T:contains("no server", e, "postgres: cannot connect")
  -- a source that names no plugin
  _, e, c = sh(env .. L.quote(bin) .. " ingest --rules " .. L.quote(rules) .. " --data " ..
    L.quote(work .. "/refused") .. " --source reviews --from postgres:")
  T:eq("no plugin's exit", 1, c)
  T:matches("no plugin located", e, "sources%.lua:%d+: error: source 'reviews' names no plugin")
  T:ok(not io.open(work .. "/refused/pinggu.db"), "nothing was stored by the refusals")
  L.write(rules .. "/sources.lua", src)
end)

stop()
T:done()
