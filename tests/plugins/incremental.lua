-- incremental.lua PINGGU SOURCE_ROOT GEN_RAW — pulls by an updated_at field (issue 16 §2: "A
-- table may carry an updated at column for incremental pulls, in which case only new or
-- changed rows are read. Say how a deleted row is treated."), against a throw-away PostgreSQL
-- cluster (pgfixture.lua).
--
-- The Shanwei cases of a generated half year go into a table with an `updated_at` column,
-- declared as a field and named by options.updated_at. The first pull reads every row and
-- keeps the column's greatest value (the mark) in the batch's label. Then rows are changed
-- (updated_at moved on; one of the two rows of a repeated key among them) and the next three
-- months inserted, and a copy of the table is taken (public.expect); then one row is changed
-- WITHOUT moving updated_at and one row is deleted. The incremental pull must equal, metric by
-- metric and record by record, a fresh full pull of public.expect: it read every changed and
-- new row, and neither the silent change nor the deletion (which an updated-at pull cannot
-- see). `--full` must then equal a fresh full pull of the final table, bit for bit (the same
-- batch). Also: no change is no new batch; each pull replaces the one before (one active
-- batch); a withdrawn pull is followed by a full one; the refusals (a nullable field, an
-- undeclared one, with push-down, --replace of another batch).
package.path = arg[2] .. "/tests/e2e/?.lua;" .. package.path
local L = require "lib"
local bin, root = L.args()
local gen_raw = arg[3]
local T = L.tester("plugins.incremental")
local F = dofile(root .. "/tests/plugins/pgfixture.lua")

local pg = F.test_start(L, bin)
local function fatal(what, err)
  print("FAIL " .. what .. ": " .. (err or ""))
  pg:stop()
  L.cleanup()
  os.exit(1)
end
local function psql(sql)
  local out, err, code = pg:psql(sql)
  if code ~= 0 then fatal("psql", err) end
  return out
end
local function scalar(sql)
  local out, err, code = L.run(pg.env .. pg.bin .. "/psql -X -q -A -t -c " .. L.quote(sql))
  if code ~= 0 then fatal("psql " .. sql, err) end
  return (out:gsub("%s+$", ""))
end

-- the rule set: Shanwei 2021, cases read by the plugin, with an updated_at field
local work = L.tmpdir()
local rules = work .. "/rules"
L.run("cp -r " .. L.quote(root .. "/rules/shanwei-2021") .. " " .. L.quote(rules))
local src = L.slurp(rules .. "/sources.lua")
local anchor = 'name = "办件", unit = "org_code", time = "accept_date", key = "project_no",'
local field_anchor = '    { "sync_date", "time" },'
if not src:find(anchor, 1, true) or not src:find(field_anchor, 1, true) then
  fatal("rules/shanwei-2021/sources.lua no longer declares cases as expected")
end
src = src:gsub(L.pattern(field_anchor), function(m) return m .. '\n    { "updated_at", "time" },' end, 1)
local function with_options(opts)
  L.write(rules .. "/sources.lua", (src:gsub(L.pattern(anchor), function(m)
    return m .. '\n  plugin = "postgres", options = { ' .. opts .. ' },'
  end, 1)))
end
with_options('table = "public.cases", updated_at = "updated_at"')
local sources = F.sources(rules)

-- a generated year (small scale): months 1-6 now, 7-9 later
local _, err, code = L.run(L.quote(gen_raw) .. " --scale 0.03 --units " ..
  L.quote(rules .. "/units.csv") .. " --out " .. L.quote(work .. "/raw"))
if code ~= 0 then fatal("gen-raw", err) end
local function months(from, to)
  local header, body = nil, {}
  for m = from, to do
    local text = L.slurp(string.format("%s/raw/cases/2021-%02d.csv", work, m))
    local h, b = text:match("^([^\n]*)\n(.*)$")
    header = header or h
    body[#body + 1] = b
  end
  local f = string.format("%s/cases-%d-%d.csv", work, from, to)
  L.write(f, header .. "\n" .. table.concat(body))
  return f, header
end
local first, header = months(1, 6)
local second = months(7, 9)

psql("SET TimeZone = 'Asia/Shanghai';\n" .. F.ddl(sources, "cases") ..
  "ALTER TABLE public.cases ALTER updated_at SET DEFAULT '2022-01-01 00:00:00+00';\n" ..
  "\\copy public.cases (" .. header .. ") FROM '" .. first .. "' WITH (FORMAT csv, HEADER true)\n")
local n1 = tonumber(scalar("SELECT count(*) FROM public.cases"))
T:ok(n1 > 500, "the first half year is loaded", tostring(n1))
local dup = tonumber(scalar("SELECT count(*) FROM (SELECT project_no FROM public.cases GROUP BY 1 HAVING count(*) > 1) d"))
T:ok(dup > 0, "the table repeats some keys (the generator's double exports)", tostring(dup))

local function ingest(data, args)
  return L.run(pg.env .. L.quote(bin) .. " ingest --rules " .. L.quote(rules) .. " --data " ..
    L.quote(data) .. " --source cases " .. args)
end
-- the active batches of cases in a data directory: { {id, file, records, status, replaced_by} }
local function batches(data)
  local out = L.run("sqlite3 -separator '|' " .. L.quote(data .. "/pinggu.db") .. " " ..
    L.quote("SELECT id, file, records, status, coalesce(replaced_by, '') FROM batch " ..
      "WHERE source = 'cases' ORDER BY seq"))
  local all, active = {}, {}
  for line in out:gmatch("[^\n]+") do
    local id, file, recs, status, by = line:match("^(%x+)|([^|]*)|(%d+)|(%a+)|(%x*)$")
    if id then
      local b = { id = id, file = file, records = tonumber(recs), status = status, replaced_by = by }
      all[#all + 1] = b
      if status == "active" then active[#active + 1] = b end
    end
  end
  return active, all
end
local function raw_lines(data, id)
  local text = L.slurp(data .. "/batches/raw/" .. id .. ".csv") or ""
  local lines = {}
  for l in text:gmatch("[^\n]+") do lines[#lines + 1] = l end
  table.sort(lines)
  return lines
end
local function same_as(what, a, b)
  local r = F.compare(L, a .. "/pinggu.db", b .. "/pinggu.db")
  T:eq(what .. ": every cell equal", 0, r.bad, r.first)
  T:ok(r.metrics >= 10 and r.cells > 100, what .. ": metrics and cells compared",
    r.metrics .. " metrics, " .. r.cells .. " cells")
end

local inc = work .. "/inc"
local b1
T:section("the first pull reads every row and keeps the mark in the batch's label", function()
  local out, e, c = ingest(inc, "--from postgres:")
  T:eq("exit", 0, c, e)
  local active = batches(inc)
  b1 = active[1] or {}
  T:eq("one active batch", 1, #active)
  T:eq("… of every row", n1, b1.records)
  T:eq("… named with the mark", "postgres:public.cases@postgres [updated_at <= 2022-01-01 00:00:00+00]",
    b1.file, out)
  out, e, c = ingest(inc, "--from postgres:")
  T:eq("an unchanged table: exit", 0, c, e)
  T:contains("… nothing changed", out, "nothing changed")
  T:eq("… the same batch", b1.id, (batches(inc)[1] or {}).id)
end)

-- changes the pull must see: updated_at moved on
psql([[
SET TimeZone = 'Asia/Shanghai';
UPDATE public.cases SET visits = visits + 1, updated_at = '2022-02-01 00:00:00+00'
 WHERE project_no IN (SELECT project_no FROM public.cases ORDER BY project_no LIMIT 40);
UPDATE public.cases SET channel = '邮寄', result_type = NULL, updated_at = '2022-02-01 00:00:00+00'
 WHERE ctid IN (SELECT ctid FROM public.cases ORDER BY project_no DESC LIMIT 25);
UPDATE public.cases SET suspend_days = suspend_days + 2, updated_at = '2022-02-01 00:00:00+00'
 WHERE ctid IN (SELECT DISTINCT ON (project_no) ctid FROM public.cases
                 WHERE project_no IN (SELECT project_no FROM public.cases GROUP BY 1 HAVING count(*) > 1
                                      ORDER BY 1 LIMIT 3)
                 ORDER BY project_no, ctid DESC);
ALTER TABLE public.cases ALTER updated_at SET DEFAULT '2022-02-01 00:00:00+00';
\copy public.cases (]] .. header .. [[) FROM ']] .. second .. [[' WITH (FORMAT csv, HEADER true)
CREATE TABLE public.expect AS SELECT * FROM public.cases;
]])
-- changes it cannot see: a row changed without moving updated_at, a row deleted
local unchanged = "project_no NOT IN (SELECT project_no FROM public.cases WHERE updated_at > '2022-01-01 00:00:00+00')"
local silent = scalar("SELECT min(project_no) FROM public.cases WHERE " .. unchanged)
local gone = scalar("SELECT max(project_no) FROM public.cases WHERE " .. unchanged)
psql("UPDATE public.cases SET visits = visits + 7, promise_day = promise_day + 9 WHERE project_no = '" ..
  silent .. "';\nDELETE FROM public.cases WHERE project_no = '" .. gone .. "';\n")
local n_expect = tonumber(scalar("SELECT count(*) FROM public.expect"))
local n_changed = tonumber(scalar("SELECT count(*) FROM public.cases WHERE project_no IN " ..
  "(SELECT project_no FROM public.cases WHERE updated_at > '2022-01-01 00:00:00+00')"))
T:ok(n_changed > 100 and n_changed < n_expect / 2, "the rows of changed keys are a part of the table",
  n_changed .. " of " .. n_expect)

local b2
T:section("an incremental pull: every changed and new row, and nothing else", function()
  local out, e, c = ingest(inc, "--from postgres:")
  T:eq("exit", 0, c, e)
  local active, all = batches(inc)
  b2 = active[1] or {}
  T:eq("one active batch", 1, #active, out)
  T:eq("… the table as the changes make it (the deleted row still there)", n_expect, b2.records, out)
  T:eq("… named with the new mark", "postgres:public.cases@postgres [updated_at <= 2022-02-01 00:00:00+00]",
    b2.file)
  T:eq("the first pull was replaced by it", b2.id, all[1] and all[1].replaced_by)
  -- the same as reading the table as it was before the changes an updated-at pull cannot see
  local exp = work .. "/expect"
  _, e, c = ingest(exp, "--from postgres:public.expect")
  T:eq("a full pull of public.expect", 0, c, e)
  same_as("incremental = full pull of the table without the unseen changes", inc, exp)
  local a, b = raw_lines(inc, b2.id), raw_lines(exp, (batches(exp)[1] or {}).id)
  T:eq("… the same records (in another order)", #b, #a)
  local differ = 0
  for i = 1, math.max(#a, #b) do if a[i] ~= b[i] then differ = differ + 1 end end
  T:eq("… record by record", 0, differ)
  out, e, c = ingest(inc, "--from postgres:")
  T:eq("no key changed since: exit", 0, c, e)
  T:contains("… nothing changed", out, "nothing changed")
  T:eq("… the same batch", b2.id, (batches(inc)[1] or {}).id)
end)

T:section("--full reads every row: the deleted row goes, the silent change comes", function()
  local final = work .. "/final"
  local _, e, c = ingest(final, "--from postgres:")
  T:eq("a fresh full pull of the final table", 0, c, e)
  local want = batches(final)[1] or {}
  local out
  out, e, c = ingest(inc, "--from postgres: --full")
  T:eq("exit", 0, c, e)
  local active = batches(inc)
  T:eq("one active batch", 1, #active, out)
  T:eq("… the very batch a fresh full pull makes", want.id, (active[1] or {}).id, out)
  T:eq("… one row fewer", n_expect - 1, (active[1] or {}).records)
  same_as("--full = a fresh full pull", inc, final)
  -- and the changes the incremental pull could not see do change figures: it read no more
  local r = F.compare(L, work .. "/expect/pinggu.db", final .. "/pinggu.db")
  T:ok(r.bad > 0, "the silent change and the deletion change some cells", r.first)
  -- a withdrawn pull leaves no mark: the next pull reads every row
  _, e, c = L.run(L.quote(bin) .. " ingest --data " .. L.quote(inc) .. " --withdraw " .. want.id)
  T:eq("withdraw", 0, c, e)
  out, e, c = ingest(inc, "--from postgres:")
  T:eq("the pull after it", 0, c, e)
  T:eq("… is the full read again", want.id, (batches(inc)[1] or {}).id, out)
end)

T:section("refusals", function()
  local out, e, c = ingest(inc, "--from postgres: --replace " .. b1.id:sub(1, 12))
  T:ok(c ~= 0, "--replace of another batch than the latest pull: refused", out)
  T:contains("… saying which it replaces", e, "a pull replaces the latest pull")
  _, e, c = L.run(L.quote(bin) .. " ingest --data " .. L.quote(inc) .. " --full --list")
  T:eq("--full without --from", 2, c, e)
  local cases = {
    { 'table = "public.cases", updated_at = "result_date"', "is nullable" },
    { 'table = "public.cases", updated_at = "nope"', "not a declared field" },
    { 'table = "public.cases", updated_at = "channel"', "must be a time or an int" },
    { 'table = "public.cases", pushdown = "true", updated_at = "updated_at"', "push-down" },
  }
  for _, k in ipairs(cases) do
    with_options(k[1])
    local before = #select(2, batches(inc))
    out, e, c = ingest(inc, "--from postgres:")
    T:ok(c ~= 0, k[1] .. ": refused", out)
    T:contains("… saying why", e, k[2])
    T:contains("… at the source's line", e, "sources.lua:")
    T:eq("… nothing stored", before, #select(2, batches(inc)))
  end
end)

pg:stop()
T:done()
