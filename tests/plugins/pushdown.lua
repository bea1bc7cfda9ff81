-- pushdown.lua PINGGU SOURCE_ROOT GEN_RAW — metrics computed in PostgreSQL (plugin ABI 4,
-- options.pushdown = "true") against the file ingest of the very same rows.
--
-- A throw-away cluster (pgfixture.lua, as in postgres.lua). A generated Shanwei year
-- (tools/gen-raw.c, small scale) of every one of the seven sources is loaded with COPY (the
-- NDJSON of sm_requests through jsonb_populate_record), every source is marked pushdown, and
-- for each source the pushed-down pull's partials are compared, metric by metric and cell by
-- cell (unit, bucket), with those of ingesting the loaded files: counts (n, hits, valued)
-- and min/max exact, sums within 1e-12 relative. Extra metrics exercise what the Shanwei set
-- does not: nulls under `not`, empty strings, `in` and `is null` on nullable fields, a / 0,
-- year_to_date and rolling windows with and without `cutoff`, workdays() and add_workdays()
-- across the calendar's 调休, min and max, over edge rows inserted into the table. Then the
-- batch rules (the same rows again are the same batch; a changed table needs --replace; a
-- file beside a pushed-down batch is refused; a bad value refuses the pull whole) and the
-- refusals (`pinggu check` names each metric that cannot be pushed down and why; a column
-- type that would compute differently).
package.path = arg[2] .. "/tests/e2e/?.lua;" .. package.path
local L = require "lib"
local bin, root = L.args()
local gen_raw = arg[3]
local T = L.tester("plugins.pushdown")
local F = dofile(root .. "/tests/plugins/pgfixture.lua")

local function sh(cmd) return L.run(cmd) end

-- every statement logged with its backend's pid: the scan's halves must run on two
local pg, plugin_dir = F.test_start(L, bin, { settings = "-c log_statement=all -c log_line_prefix=%p:" })
local function fatal(what, err)
  print("FAIL " .. what .. ": " .. (err or ""))
  pg:stop()
  L.cleanup()
  os.exit(1)
end

local work = L.tmpdir()
local rules = work .. "/rules"
sh("cp -r " .. L.quote(root .. "/rules/shanwei-2021") .. " " .. L.quote(rules))
local sources = F.sources(rules)
local names = { "cases", "reviews", "ecert_uses", "eseal_uses", "app_services", "mq_events", "sm_requests" }
for _, s in ipairs(names) do
  if not sources[s] then fatal("rules/shanwei-2021 no longer declares source " .. s) end
end

-- metrics the Shanwei set does not have, over cases: the semantics push-down must keep
local extra = [[

metric "pd_not_null" { name = "pd", unit = "share", from = "cases", kind = "share",
  condition = "not (result_date <= cutoff)" }
metric "pd_in_null" { name = "pd", unit = "share", from = "cases", kind = "share",
  condition = "result_type in ('批准', '转报') or result_type is null or result_sealed is null" }
metric "pd_not_in" { name = "pd", unit = "share", from = "cases", kind = "share",
  where = "anticipate_day is not null", condition = "result_type not in ('批准') and not result_sealed" }
metric "pd_bool_eq" { name = "pd", unit = "share", from = "cases", kind = "share",
  condition = "result_sealed == uses_ecert or result_sealed ~= true" }
metric "pd_div0" { name = "pd", kind = "ratio", from = "cases",
  value = "visits / (anticipate_day - anticipate_day)", denominator = "1" }
metric "pd_div" { name = "pd", kind = "mean", from = "cases",
  value = "promise_day / anticipate_day" }
metric "pd_ytd_cut" { name = "pd", unit = "share", from = "cases", kind = "share",
  over = "year_to_date", where = "result_date <= cutoff",
  condition = "workdays(accept_date, cutoff) - workdays(accept_date, result_date) >= 3" }
metric "pd_roll" { name = "pd", kind = "max", from = "cases", over = { months = 2 },
  value = "days(accept_date, sync_date)" }
metric "pd_roll_cut" { name = "pd", kind = "sum", from = "cases", over = { months = 3 },
  where = "result_date is null or result_date > cutoff", value = "-1 * suspend_days + visits * 2" }
metric "pd_addwork" { name = "pd", unit = "share", from = "cases", kind = "share",
  due = "add_workdays(accept_date, promise_day)", over = { month = "month", year = "year" },
  condition = "result_date <= add_workdays(accept_date, promise_day)" }
metric "pd_addwork_mean" { name = "pd", kind = "mean", from = "cases",
  value = "days(accept_date, add_workdays(accept_date, suspend_days + 1))" }
metric "pd_min" { name = "pd", kind = "min", from = "cases", over = "year",
  where = "channel ~= '窗口' and handle_level != '村'", value = "days(accept_date, add_days(accept_date, 7.5 / 1440))" }
metric "pd_count_ye" { name = "pd", kind = "count", from = "cases", over = "year_end",
  where = "uses_ecert and (visits >= 1 or project_type == '即办件')" }
]]
L.write(rules .. "/metrics.lua", L.slurp(rules .. "/metrics.lua") .. extra)

-- every source read by the plugin, pushed down
local src_text = L.slurp(rules .. "/sources.lua")
local function mark(text, opts)
  return (text:gsub('source "([%w_]+)" {\n', function(s)
    return 'source "' .. s .. '" {\n  plugin = "postgres", options = { table = "public.' .. s ..
      '"' .. (opts or ', pushdown = "true"') .. ' },\n'
  end))
end
L.write(rules .. "/sources.lua", mark(src_text))

local _, err, code = sh(L.quote(gen_raw) .. " --scale 0.02 --units " .. L.quote(rules .. "/units.csv") ..
  " --out " .. L.quote(work .. "/raw"))
if code ~= 0 then fatal("gen-raw", err) end

-- each source as one file (CSV, or NDJSON for sm_requests), and into its table with COPY
local files = {}
for _, s in ipairs(names) do
  local parts, header, ext = {}, nil, "csv"
  for f in (sh("ls " .. L.quote(work .. "/raw/" .. s))):gmatch("[^\n]+") do
    local text = L.slurp(work .. "/raw/" .. s .. "/" .. f)
    if f:match("%.ndjson$") then
      ext = "ndjson"
      parts[#parts + 1] = text
    else
      local h, body = text:match("^([^\n]*\n)(.*)$")
      header = header or h
      parts[#parts + 1] = body
    end
  end
  local path = work .. "/" .. s .. "." .. ext
  L.write(path, (header or "") .. table.concat(parts))
  files[s] = path
  local load
  if ext == "csv" then
    load = "\\copy public." .. s .. " FROM '" .. path .. "' WITH (FORMAT csv, HEADER true)\n"
  else
    load = "CREATE TEMP TABLE j (doc jsonb);\n" ..
      "\\copy j FROM '" .. path .. "' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')\n" ..
      "INSERT INTO public." .. s .. " SELECT (jsonb_populate_record(NULL::public." .. s .. ", doc)).* FROM j;\n"
  end
  _, err, code = pg:psql("SET TimeZone = 'Asia/Shanghai';\n" .. F.ddl(sources, s) .. load)
  if code ~= 0 then fatal("loading " .. s, err) end
end

-- edge rows for the extra metrics: nulls, empty strings, deadlines across 调休, the cut-off
local edge = [[
SET TimeZone = 'Asia/Shanghai';
INSERT INTO public.cases VALUES
 ('PD1','TC','441502','县','承诺件','窗口','2021-02-05 09:00',NULL,5,NULL,NULL,0,0,false,false,false,NULL,'2021-02-05 10:00'),
 ('PD2','TC','441502','镇','承诺件','邮寄','2021-02-10 23:59:59',0,3,'2021-02-25 23:59:59.5','转报',1,2,true,true,true,true,'2021-03-01'),
 ('PD3','TC','441502','村','即办件','粤省事','2021-02-25 23:59:59',10,0,'2021-02-26 00:00','批准',0,1,true,false,true,false,'2021-02-26'),
 ('PD4','TC','441521','县','承诺件','自助终端','2021-04-23 18:00',20,7,'2021-05-08 12:00','不予批准',2,0,false,true,false,NULL,'2021-05-09'),
 ('PD5','TC','441521','县','承诺件','政务服务网','2021-09-17 08:00',20,2,'2021-09-22 08:00','终止办件',0,3,false,true,false,true,'2021-09-17 08:00'),
 ('PD6','TC','441521','市','承诺件','粤商通','2021-12-25 12:00',1,1,'2021-12-31 23:00',NULL,4,0,true,true,false,NULL,'2022-01-01 00:00'),
 ('PD7','TC','441502','县','承诺件','窗口','2021-10-09 16:00',NULL,1,NULL,'批准',0,1,false,false,true,NULL,'2021-10-10 00:00'),
 ('PD8','TC','441502','县','承诺件','窗口','2021-10-10 00:00',5,2,'2021-10-11','',0,1,false,false,true,NULL,'2021-10-10 00:00'),
 -- one scan groups by sampling month and year together: 26 Dec is January's sampling month
 -- but still the year 2021; a due that is null (promise_day −1) places its row in no window
 ('PD9','TC','441521','县','承诺件','窗口','2021-12-26 00:00',3,-1,'2021-12-27 10:00','批准',0,0,false,true,true,true,'2021-12-26 00:00'),
 ('PD10','TC','441521','镇','承诺件','邮寄','2021-12-25 23:59:59.999',3,2,'2022-01-25 23:59:59','转报',0,0,true,true,false,false,'2022-01-26 00:00');
]]
_, err, code = pg:psql(edge)
if code ~= 0 then fatal("edge rows", err) end
-- the CSV ingest must see exactly the rows in the table: export cases again, as COPY prints
_, err, code = pg:psql("SET TimeZone = 'Asia/Shanghai';\n\\copy (SELECT * FROM public.cases) TO '" ..
  files.cases .. "' WITH (FORMAT csv, HEADER true)\n")
if code ~= 0 then fatal("exporting cases", err) end
-- COPY prints booleans as t/f and +08 offsets: into the forms the CSV reader reads
local csv = L.slurp(files.cases)
csv = csv:gsub(",t,", ",true,"):gsub(",f,", ",false,"):gsub(",t,", ",true,"):gsub(",f,", ",false,")
csv = csv:gsub("(%d%d:%d%d:%d%d[%.%d]*)%+08", "%1+08:00")
L.write(files.cases, csv)

local function ingest(data, source, args)
  return sh(pg.env .. L.quote(bin) .. " ingest --rules " .. L.quote(rules) .. " --data " ..
    L.quote(data) .. " --source " .. source .. " " .. args)
end

-- the stored cells: { metric = { "unit@bucket" = {n, sum, ...} } } (pgfixture.lua)
local function cells(db) return F.cells(L, db) end
local function rel(x, y)
  if x == y then return 0 end
  return math.abs(x - y) / math.max(math.abs(x), math.abs(y))
end

local _, e, c = sh(L.quote(bin) .. " check " .. L.quote(rules))
T:eq("pinggu check: every metric of every Shanwei source (and the extra ones) compiles", 0, c, e)

for _, s in ipairs(names) do
  T:section("source " .. s .. ": pushed down = the file ingest, metric by metric", function()
    local a, b = work .. "/file-" .. s, work .. "/pd-" .. s
    local out, e1, c1 = ingest(a, s, L.quote(files[s]))
    T:eq("file ingest's exit", 0, c1, e1)
    local out2, e2, c2 = ingest(b, s, "--from postgres:")
    T:eq("pull's exit", 0, c2, e2)
    T:matches("the pull names what it read", out2, "^postgres:public%." .. s .. "@postgres: batch %x+: %d+ records of " .. s)
    T:eq("records", out:match("(%d+) records of"), out2:match("(%d+) records of"))
    -- (a sign too: a count of kept rows that summed row numbers once printed "-28 records repeat")
    T:eq("repeated keys", out:match("(%-?%d+) records repeat") or "0", out2:match("(%-?%d+) records repeat") or "0")
    local ca, cb = cells(a .. "/pinggu.db"), cells(b .. "/pinggu.db")
    local nm, nc = 0, 0
    for m, xa in pairs(ca) do
      nm = nm + 1
      local xb = cb[m] or {}
      local bad = {}
      for k, x in pairs(xa) do
        nc = nc + 1
        local y = xb[k]
        if not y then
          bad[#bad + 1] = k .. " missing"
        else
          for _, f in ipairs({ "n", "hits", "valued", "min", "max" }) do
            if x[f] ~= y[f] then bad[#bad + 1] = k .. " " .. f .. " " .. x[f] .. " ~= " .. y[f] end
          end
          for _, f in ipairs({ "sum", "den" }) do
            local u, v = x[f] + x[f .. "_c"], y[f] + y[f .. "_c"]
            if rel(u, v) > 1e-12 then bad[#bad + 1] = string.format("%s %s %.17g ~= %.17g", k, f, u, v) end
          end
        end
      end
      for k in pairs(xb) do if not xa[k] then bad[#bad + 1] = k .. " only pushed down" end end
      T:eq("metric " .. m .. ": cells that differ", "", table.concat(bad, "; "):sub(1, 400))
    end
    for m in pairs(cb) do T:ok(ca[m], "metric " .. m .. " only in the pull") end
    T:ok(nm >= 1 and nc >= 10, s .. ": metrics and cells compared", nm .. " metrics, " .. nc .. " cells")
    if s == "cases" then T:ok(nm >= 23, "the extra metrics were compared too", tostring(nm)) end
  end)
end

T:section("halved by a number key, or by the time without a key: the file ingest's partials", function()
  -- the file in the order of every column, the order in which the push-down takes a repeated
  -- key's first row (visits repeats on nearly every row)
  local sorted = work .. "/cases-sorted.csv"
  local order = {}
  for i = 1, #sources.cases.fields do order[#order + 1] = tostring(i) end
  local _, e0, c0 = pg:psql("SET TimeZone = 'Asia/Shanghai';\n\\copy (SELECT * FROM public.cases ORDER BY " ..
    table.concat(order, ", ") .. ") TO '" .. sorted .. "' WITH (FORMAT csv, HEADER true)\n")
  T:eq("export", 0, c0, e0)
  local text = L.slurp(sorted)
  text = text:gsub(",t,", ",true,"):gsub(",f,", ",false,"):gsub(",t,", ",true,"):gsub(",f,", ",false,")
  L.write(sorted, (text:gsub("(%d%d:%d%d:%d%d[%.%d]*)%+08", "%1+08:00")))
  for _, v in ipairs({ { "an int key", 'key = "visits",' }, { "no key", "" } }) do
    local r = work .. "/rules-" .. (v[2] == "" and "nokey" or "intkey")
    sh("cp -r " .. L.quote(rules) .. " " .. L.quote(r))
    local st = L.slurp(r .. "/sources.lua")
    local n
    st, n = st:gsub('key = "project_no",', v[2], 1)
    T:eq(v[1] .. ": the rule set's copy", 1, n)
    L.write(r .. "/sources.lua", st)
    local a, b = r .. "-file", r .. "-pd"
    local cmd = pg.env .. L.quote(bin) .. " ingest --rules " .. L.quote(r) .. " --source cases --data "
    local out1, e1, c1 = sh(cmd .. L.quote(a) .. " " .. L.quote(sorted))
    T:eq(v[1] .. ": file ingest's exit", 0, c1, e1)
    local out2, e2, c2 = sh(cmd .. L.quote(b) .. " --from postgres:")
    T:eq(v[1] .. ": pull's exit", 0, c2, e2)
    T:eq(v[1] .. ": records", out1:match("(%d+) records of"), out2:match("(%d+) records of"))
    T:eq(v[1] .. ": repeated keys", out1:match("(%-?%d+) records repeat") or "0",
      out2:match("(%-?%d+) records repeat") or "0")
    if v[2] ~= "" then
      T:ok(tonumber(out1:match("(%d+) records repeat") or "0") > 100, v[1] .. ": keys repeat", out1)
    end
    local d = F.compare(L, a .. "/pinggu.db", b .. "/pinggu.db")
    T:eq(v[1] .. ": cells that differ", 0, d.bad, d.first)
    local back = F.compare(L, b .. "/pinggu.db", a .. "/pinggu.db")
    T:eq(v[1] .. ": cells only pushed down", 0, back.bad, back.first)
    T:ok(d.cells > (v[2] == "" and 100 or 20), v[1] .. ": cells compared", tostring(d.cells))
  end
end)

T:section("a key with a unique index: the same partials without sorting for repeats", function()
  local _, e0, c0 = pg:psql([[
CREATE TABLE public.cases_pk AS SELECT DISTINCT ON (project_no) * FROM public.cases
  ORDER BY project_no, task_code, org_code, accept_date;
ALTER TABLE public.cases_pk ADD PRIMARY KEY (project_no);
CREATE TABLE public.cases_nopk AS SELECT * FROM public.cases_pk;
]])
  T:eq("the tables", 0, c0, e0)
  local a, b = work .. "/pd-pk", work .. "/pd-nopk"
  local out1, e1, c1 = ingest(a, "cases", "--from postgres:public.cases_pk")
  T:eq("with the index: exit", 0, c1, e1)
  local out2, e2, c2 = ingest(b, "cases", "--from postgres:public.cases_nopk")
  T:eq("without: exit", 0, c2, e2)
  T:eq("records", out2:match("(%d+) records of"), out1:match("(%d+) records of"))
  local raw = L.slurp(a .. "/batches/raw/" .. (sh("ls " .. L.quote(a .. "/batches/raw"))):match("(%x+%.pushdown)"))
  T:contains("the repeat-finding branch is gated on the index", raw, "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index")
  local d = F.compare(L, a .. "/pinggu.db", b .. "/pinggu.db")
  T:eq("cells that differ", 0, d.bad, d.first)
  T:ok(d.cells > 100, "cells compared", tostring(d.cells))
end)

T:section("the transcript is the batch's copy and holds no record", function()
  local raw = sh("ls " .. L.quote(work .. "/pd-cases/batches/raw"))
  local f = raw:match("(%x+%.pushdown)")
  T:ok(f, "the copy is <id>.pushdown", raw)
  local text = f and L.slurp(work .. "/pd-cases/batches/raw/" .. f) or ""
  T:contains("the statements", text, "GROUP BY pg_u, pg_b")
  T:contains("strings compared and grouped byte for byte, whatever the column's collation", text,
    "NULLIF(CAST(\"org_code\" AS text) COLLATE \"C\", '')")
  T:ok(not text:find("PD1", 1, true) and not text:find("SW0", 1, true), "no key of a record in it")
  local _, e1, c1 = sh("cmp -s " .. L.quote(work .. "/pd-cases/batches/raw/" .. (f or "x")) .. " /dev/null")
  T:eq("not empty", 1, c1, e1)
end)

T:section("the fingerprint: any changed row is another batch, the rows' order is not", function()
  -- each pull into a fresh data directory: its batch id is a function of the table's content
  local n = 0
  local function id_now()
    n = n + 1
    local out, e, c = ingest(work .. "/fp-" .. n, "cases", "--from postgres:")
    T:eq("pull " .. n .. ": exit", 0, c, e)
    return out:match("batch (%x+)") or ("none " .. n)
  end
  local function sql(s)
    local _, e, c = pg:psql(s)
    T:eq(s:sub(1, 70), 0, c, e)
  end
  local base = id_now()
  -- a value no metric reads: the partials are the same, only the fingerprint can tell
  sql("UPDATE public.cases SET task_code = 'TC-x' WHERE project_no = 'PD1';")
  T:ok(id_now() ~= base, "a value no metric reads changed in one row: another batch")
  sql("UPDATE public.cases SET task_code = 'TC' WHERE project_no = 'PD1';")
  T:eq("changed back (the row is now elsewhere in the table): the same batch", base, id_now())
  -- two rows of one group (unit 441502, sampling month 2021-02) swap a value: each column
  -- holds the same values as before, so a fingerprint summing per-column hashes would not see it
  sql("UPDATE public.cases SET task_code = 'TA' WHERE project_no = 'PD2';\n" ..
    "UPDATE public.cases SET task_code = 'TB' WHERE project_no = 'PD3';")
  local ab = id_now()
  sql("UPDATE public.cases SET task_code = 'TB' WHERE project_no = 'PD2';\n" ..
    "UPDATE public.cases SET task_code = 'TA' WHERE project_no = 'PD3';")
  local ba = id_now()
  T:ok(ab ~= base and ba ~= base and ba ~= ab, "two rows of one group swap a value: another batch",
    ab .. " " .. ba)
  sql("UPDATE public.cases SET task_code = 'TC' WHERE project_no IN ('PD2', 'PD3');")
  -- pinggu reads an empty string as null; the fingerprint is of what the table holds
  sql("UPDATE public.cases SET result_type = NULL WHERE project_no = 'PD8';")
  T:ok(id_now() ~= base, "'' made null: another batch")
  sql("UPDATE public.cases SET result_type = '' WHERE project_no = 'PD8';")
  T:eq("every change undone: the first batch again", base, id_now())
end)

T:section("the scan is parallel-safe: workers read the rows, the same partials", function()
  local dir = work .. "/pd-cases/batches/raw"
  local f = (sh("ls " .. L.quote(dir))):match("(%x+%.pushdown)")
  local scan
  for line in L.slurp(dir .. "/" .. (f or "x")):gmatch("[^\n]+") do
    if line:find("GROUP BY pg_u, pg_bm", 1, true) and not line:match("^%-%- ") then scan = line end
  end
  T:ok(scan, "the one scan is in the transcript")
  -- parallel query made free, so that the planner splits any scan that can be split
  local cheap = "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; " ..
    "SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;\n"
  local plan, e, c = pg:psql("SET TIME ZONE INTERVAL '+08:00' HOUR TO MINUTE;\n" .. cheap ..
    "EXPLAIN " .. (scan or "SELECT 1"))
  T:eq("explain: exit", 0, c, e)
  -- (PostgreSQL 15 does not carry a fenced subquery's parallel plan up: the Gather is above
  -- the rows' own level, where the values, the fingerprint and the checks are computed)
  T:matches("workers scan the table", plan, "Gather.-Workers Planned: 2.-Parallel Seq Scan on cases")
  local verbose = pg:psql("SET TIME ZONE INTERVAL '+08:00' HOUR TO MINUTE;\n" .. cheap ..
    "EXPLAIN (VERBOSE) " .. (scan or "SELECT 1"))
  T:matches("and hash the rows there", verbose,
    "Gather.-Workers Planned: 2.-hash_record_extended.-Parallel Seq Scan on public%.cases")
  -- the pull itself with those settings: its partials are the file ingest's
  local d = work .. "/pd-parallel"
  local out, e2, c2 = sh("PGOPTIONS=" .. L.quote("-c parallel_setup_cost=0 -c parallel_tuple_cost=0 " ..
    "-c min_parallel_table_scan_size=0") .. " " .. pg.env .. L.quote(bin) .. " ingest --rules " ..
    L.quote(rules) .. " --data " .. L.quote(d) .. " --source cases --from postgres:")
  T:eq("the parallel pull: exit", 0, c2, e2)
  local cmp = F.compare(L, work .. "/file-cases/pinggu.db", d .. "/pinggu.db")
  T:eq("cells that differ from the file ingest", 0, cmp.bad, cmp.first)
  T:ok(cmp.cells > 100, "cells compared", tostring(cmp.cells))
  local short = out:match("batch (%x+)") or "none"
  T:eq("the same batch as the pull without parallel workers",
    ((sh("ls " .. L.quote(dir))):match("(%x+)%.pushdown") or ""):sub(1, #short), short)
end)

T:section("the scan's two halves run at once on two connections of one snapshot", function()
  -- the pull of cases above: its statements as the server logged them, by backend
  local log = L.slurp(pg.dir .. "/log") or ""
  local halves, exported, imported = {}, {}, {}
  for pid, stmt in log:gmatch("\n(%d+):LOG:  statement: ([^\n]*)") do
    if stmt:find("/* pinggu: concurrent */", 1, true) and stmt:find("GROUP BY pg_u, pg_bm0", 1, true) then
      halves[#halves + 1] = pid
    elseif stmt:find("SELECT pg_export_snapshot()", 1, true) then
      exported[pid] = true
    elseif stmt:match("^SET TRANSACTION SNAPSHOT '[%x%-]+'$") then
      imported[pid] = true
    end
  end
  T:ok(#halves >= 2, "the scan's halves were run", tostring(#halves))
  T:ok(halves[1] and halves[2] and halves[1] ~= halves[2], "by two backends",
    tostring(halves[1]) .. " " .. tostring(halves[2]))
  local one, other = halves[1] or "?", halves[2] or "?"
  T:ok((exported[one] and imported[other]) or (exported[other] and imported[one]),
    "one exported its snapshot, the other read in it")
end)

T:section("a server that will not export a snapshot: one connection, the same batch", function()
  local _, e0, c0 = pg:psql("CREATE ROLE reader LOGIN; GRANT SELECT ON public.cases TO reader;\n" ..
    "REVOKE EXECUTE ON FUNCTION pg_export_snapshot() FROM PUBLIC;")
  T:eq("a role that may only read the table", 0, c0, e0)
  local d = work .. "/pd-one-lane"
  local out, e1, c1 = sh(pg.env .. "PGUSER=reader " .. L.quote(bin) .. " ingest --rules " ..
    L.quote(rules) .. " --data " .. L.quote(d) .. " --source cases --from postgres:")
  T:eq("the pull: exit", 0, c1, e1)
  local two = L.slurp(work .. "/pd-cases/batches/raw/" ..
    ((sh("ls " .. L.quote(work .. "/pd-cases/batches/raw"))):match("(%x+%.pushdown)") or "x")) or ""
  local short = out:match("batch (%x+)") or "none"
  T:eq("the batch of the pull on two connections", two:len() > 0 and
    ((sh("ls " .. L.quote(work .. "/pd-cases/batches/raw"))):match("(%x+)%.pushdown") or ""):sub(1, #short), short)
  T:contains("the export was refused (so the statements ran on one connection)",
    L.slurp(pg.dir .. "/log") or "", "permission denied for function pg_export_snapshot")
  local cmp = F.compare(L, work .. "/file-cases/pinggu.db", d .. "/pinggu.db")
  T:eq("cells that differ from the file ingest", 0, cmp.bad, cmp.first)
  pg:psql("GRANT EXECUTE ON FUNCTION pg_export_snapshot() TO PUBLIC;")
end)

T:section("a role allowed one connection: the halves on it, the same batch", function()
  local _, e0, c0 = pg:psql("CREATE ROLE single LOGIN CONNECTION LIMIT 1; GRANT SELECT ON public.cases TO single;")
  T:eq("the role", 0, c0, e0)
  local d = work .. "/pd-one-conn"
  local out, e1, c1 = sh(pg.env .. "PGUSER=single " .. L.quote(bin) .. " ingest --rules " ..
    L.quote(rules) .. " --data " .. L.quote(d) .. " --source cases --from postgres:")
  T:eq("the pull: exit", 0, c1, e1)
  T:contains("the second connection was refused", L.slurp(pg.dir .. "/log") or "",
    "too many connections for role \"single\"")
  local short = out:match("batch (%x+)") or "none"
  T:eq("the batch of the pull on two connections",
    ((sh("ls " .. L.quote(work .. "/pd-cases/batches/raw"))):match("(%x+)%.pushdown") or ""):sub(1, #short), short)
end)

T:section("the same rows are the same batch; a changed table needs --replace", function()
  local d = work .. "/pd-cases"
  local out, e1, c1 = ingest(d, "cases", "--from postgres:")
  T:eq("again: exit", 0, c1, e1)
  T:matches("again: nothing changed", out, "already ingested as batch %x+; nothing changed")
  local id = out:match("batch (%x+)")
  local _, e2, c2 = pg:psql("DELETE FROM public.cases WHERE project_no = 'PD8';")
  T:eq("delete a row", 0, c2, e2)
  local _, e3, c3 = ingest(d, "cases", "--from postgres:")
  T:eq("a second batch beside the first is refused", 1, c3)
  T:contains("why", e3, "must be the source's only active batch")
  out, e1, c1 = ingest(d, "cases", "--from postgres: --replace " .. (id or "?"))
  T:eq("with --replace: exit", 0, c1, e1)
  T:contains("replaced", out, "batch " .. (id or "?") .. " replaced by batch")
  local list = sh(L.quote(bin) .. " ingest --data " .. L.quote(d) .. " --list")
  T:matches("the list shows it", list, "active%s+%d+%s+.-postgres:public%.cases@postgres")
  -- a file of the source beside the pushed-down batch would count its rows twice
  local _, e4, c4 = ingest(d, "cases", L.quote(files.cases))
  T:eq("a file beside it: exit", 1, c4)
  T:contains("a file beside it is refused", e4, "was computed in the database from its whole table")
end)

T:section("a bad value refuses the pull whole", function()
  local d = work .. "/pd-cases"
  local before = sh(L.quote(bin) .. " ingest --data " .. L.quote(d) .. " --list")
  -- two bad fields in one row and one of them again in another: counted per field
  local _, e2, c2 = pg:psql("UPDATE public.cases SET channel = '传真', project_type = '' WHERE project_no = 'PD1';" ..
    "UPDATE public.cases SET channel = '传真' WHERE project_no = 'PD3';" ..
    "UPDATE public.cases SET org_code = '441599999' WHERE project_no = 'PD2';")
  T:eq("update", 0, c2, e2)
  local _, e1, c1 = ingest(d, "cases", "--from postgres:")
  T:eq("exit", 1, c1)
  T:matches("the fields and the counts", e1, "postgres:public%.cases@postgres: error: 3 values the file readers would refuse %(project_type: 1, channel: 2:")
  local after = sh(L.quote(bin) .. " ingest --data " .. L.quote(d) .. " --list")
  T:eq("nothing stored", before, after)
  pg:psql("UPDATE public.cases SET channel = '窗口', project_type = '承诺件' WHERE project_no = 'PD1';" ..
    "UPDATE public.cases SET channel = '粤省事' WHERE project_no = 'PD3';")
  _, e1, c1 = ingest(d, "cases", "--from postgres:")
  T:contains("an unknown unit", e1, "org_code: '441599999' is not a unit in units.csv")
  pg:psql("UPDATE public.cases SET org_code = '441502' WHERE project_no = 'PD2';")
end)

T:section("refusals: what cannot be pushed down says why, at its line", function()
  local metrics = L.slurp(rules .. "/metrics.lua")
  L.write(rules .. "/metrics.lua", metrics .. [[
metric "pd_distinct" { name = "pd", kind = "distinct", from = "reviews", value = "channel" }
metric "pd_mod" { name = "pd", kind = "sum", from = "cases", value = "visits % 2" }
metric "pd_p90" { name = "pd", kind = "p90", from = "mq_events", value = "repeat_count" }
]])
  local _, e1, c1 = sh(L.quote(bin) .. " check " .. L.quote(rules))
  T:eq("check's exit", 1, c1)
  T:matches("distinct", e1, "metrics%.lua:%d+: error: metric 'pd_distinct' cannot be pushed down to the database: kind = \"distinct\" keeps every value")
  T:matches("%", e1, "metrics%.lua:%d+: error: metric 'pd_mod' cannot be pushed down to the database: '%%' %(PostgreSQL has no float8 remainder")
  T:matches("p90", e1, "metrics%.lua:%d+: error: metric 'pd_p90' cannot be pushed down to the database: a percentile")
  -- without pushdown the same rule set is fine: the rows are read instead
  L.write(rules .. "/sources.lua", mark(src_text, ""))
  local _, e2, c2 = sh(L.quote(bin) .. " check " .. L.quote(rules))
  T:eq("without pushdown: check's exit", 0, c2, e2)
  L.write(rules .. "/sources.lua", mark(src_text))
  L.write(rules .. "/metrics.lua", metrics)
  -- a column type whose values the engine would compute with differently
  local _, e3, c3 = pg:psql("ALTER TABLE public.eseal_uses ALTER COLUMN verify_count TYPE real;")
  T:eq("alter", 0, c3, e3)
  local _, e4, c4 = ingest(work .. "/refused", "eseal_uses", "--from postgres:")
  T:eq("a real column: exit", 1, c4)
  T:contains("a real column", e4, "column verify_count is real, which is not pushed down for a field of type int")
  T:ok(not io.open(work .. "/refused/pinggu.db") or
    (sh("sqlite3 " .. L.quote(work .. "/refused/pinggu.db") .. " 'SELECT count(*) FROM batch'")):match("^0"),
    "nothing stored")
  -- a reader without the dialect cannot take a pushdown source: checked by the loader's ABI
end)

pg:stop()
T:done()
