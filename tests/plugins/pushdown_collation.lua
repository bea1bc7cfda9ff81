-- pushdown_collation.lua PINGGU SOURCE_ROOT — a table whose text columns have a
-- nondeterministic (case- and accent-blind) ICU collation, pushed down, against the file
-- ingest of the same rows.
--
-- pinggu compares, groups and keys strings byte for byte. Under a nondeterministic collation
-- PostgreSQL's `=`, `IN`, GROUP BY and PARTITION BY do not: 'tc-a' = 'TC-Á' is true there. The
-- push-down normalises every string and enum value `COLLATE "C"` (core/data/pushdown.c,
-- rows_from) so that such a column computes as a file of the same rows does; without it this
-- test fails (checked by removing the normalisation's COLLATE "C": the `=` and `IN` metrics,
-- the keys that differ only in case, the two units named by texts that differ only in case
-- and the enum value outside the declared ones all differ).
--
-- A throw-away cluster (pgfixture.lua). The collation is ICU's root locale at strength 1
-- (`und-u-ks-level1`: case and accents ignored). Debian 12's PostgreSQL 15 is built with ICU;
-- a server without it is skipped (exit 77) saying so. The rule set is Shanwei's with, in the
-- test's copy, three enum values of `channel` that differ only in case or accent, an alias of
-- haifeng that differs from chengqu's id only in case, and metrics that compare strings and
-- enums with `==`, `~=` and `in`.
package.path = arg[2] .. "/tests/e2e/?.lua;" .. package.path
local L = require "lib"
local bin, root = L.args()
local T = L.tester("plugins.pushdown_collation")
local F = dofile(root .. "/tests/plugins/pgfixture.lua")

local function sh(cmd) return L.run(cmd) end

local pg, plugin_dir = F.test_start(L, bin)
local function fatal(what, err)
  print("FAIL " .. what .. ": " .. (err or ""))
  pg:stop()
  L.cleanup()
  os.exit(1)
end

-- the collation: case- and accent-blind. A server built without ICU cannot make one.
local _, err, code = pg:psql("CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level1', " ..
  "deterministic = false);")
if code ~= 0 then
  pg:stop()
  L.cleanup()
  if (err or ""):find("ICU", 1, true) then
    print("SKIP: this PostgreSQL cannot create an ICU collation (built without ICU?): " .. err)
    os.exit(77)
  end
  print("FAIL: CREATE COLLATION: " .. (err or ""))
  os.exit(1)
end

local work = L.tmpdir()
local rules = work .. "/rules"
sh("cp -r " .. L.quote(root .. "/rules/shanwei-2021") .. " " .. L.quote(rules))
local src = L.slurp(rules .. "/sources.lua")
local channel = '"窗口", "政务服务网", "粤省事", "粤商通", "自助终端", "邮寄" }'
if not src:find(channel, 1, true) then fatal("rules/shanwei-2021: cases.channel's values changed", "") end
src = src:gsub('source "cases" {\n', 'source "cases" {\n  plugin = "postgres", options = { table = ' ..
  '"public.cases", pushdown = "true" },\n', 1)
src = src:gsub(channel:gsub("%p", "%%%0"), (channel:gsub(" }$", ', "web", "Web", "wéb" }')), 1)
L.write(rules .. "/sources.lua", src)
local units = L.slurp(rules .. "/units.csv")
local n_alias
units, n_alias = units:gsub("\n(haifeng,[^,]*,[^,]*,[^,]*,[^,]*,)([^,\n]*)", "\n%1%2|CHENGQU", 1)
if n_alias ~= 1 then fatal("rules/shanwei-2021/units.csv: no haifeng row to alias", "") end
L.write(rules .. "/units.csv", units)
L.write(rules .. "/metrics.lua", L.slurp(rules .. "/metrics.lua") .. [[

metric "ci_eq" { name = "ci", unit = "share", from = "cases", kind = "share",
  condition = "task_code == 'tc-a'" }
metric "ci_ne" { name = "ci", kind = "count", from = "cases", over = "year",
  where = "task_code ~= 'TC-A'" }
metric "ci_in" { name = "ci", unit = "share", from = "cases", kind = "share",
  condition = "task_code in ('tc-á', 'TC-B')" }
metric "ci_enum_eq" { name = "ci", unit = "share", from = "cases", kind = "share",
  condition = "channel == 'web'" }
metric "ci_enum_in" { name = "ci", kind = "count", from = "cases", over = "year",
  where = "channel in ('Web') or channel == '窗口'" }
]])
local _, e0, c0 = sh(L.quote(bin) .. " check " .. L.quote(rules))
if c0 ~= 0 then fatal("pinggu check of the test's rule set", e0) end

-- rows whose strings differ only in case or accents: keys (each its own key to pinggu, one
-- key to the collation), task codes, channels, and units named 'chengqu' (chengqu) and
-- 'CHENGQU' (haifeng's alias). Every other value valid, times across two sampling months.
local rows = {}
local keys = { "CI-a", "CI-A", "ci-á", "Ci-Á", "CI-b", "ci-B" }
local tasks = { "tc-a", "TC-A", "tc-á", "TC-Á", "tc-b", "TC-B" }
local chans = { "web", "Web", "wéb", "窗口", "web", "Web" }
local orgs = { "chengqu", "CHENGQU", "chengqu", "CHENGQU", "441502", "haifeng" }
for i = 1, 36 do
  local k = (i - 1) % 6 + 1
  local day = 10 + (i % 20)
  rows[#rows + 1] = table.concat({
    keys[k] .. "-" .. ((i - 1) // 6), tasks[(i + (i // 6)) % 6 + 1], orgs[(i // 2) % 6 + 1], "县",
    i % 3 == 0 and "即办件" or "承诺件", chans[(i + (i // 4)) % 6 + 1],
    string.format("2021-%02d-%02dT09:00:00+08:00", 3 + i % 2, day), i % 3 == 0 and "" or "20",
    i % 3 == 0 and "0" or "5", string.format("2021-%02d-%02dT17:00:00+08:00", 3 + i % 2, day + 1),
    "批准", "0", tostring(i % 3), i % 2 == 0 and "true" or "false", "true",
    i % 4 == 0 and "true" or "false", "true", string.format("2021-%02d-%02dT18:00:00+08:00", 3 + i % 2, day + 1),
  }, ",")
end
-- and a key that differs only in case from an earlier one, within the same six: repeated
-- exactly too (the second 'CI-a-0' repeats the first to pinggu and to the collation alike)
rows[#rows + 1] = rows[1]
local header = "project_no,task_code,org_code,handle_level,project_type,channel,accept_date," ..
  "anticipate_day,promise_day,result_date,result_type,suspend_days,visits,fully_online," ..
  "ecert_applicable,uses_ecert,result_sealed,sync_date\n"
local csv = work .. "/cases.csv"
L.write(csv, header .. table.concat(rows, "\n") .. "\n")

local sources = F.sources(rules)
local function load(table_rows_csv)
  return pg:psql("DROP TABLE IF EXISTS public.cases;\n" ..
    (F.ddl(sources, "cases"):gsub(" text([,)])", " text COLLATE ci%1")) ..
    "\\copy public.cases FROM '" .. table_rows_csv .. "' WITH (FORMAT csv, HEADER true)\n")
end
_, err, code = load(csv)
if code ~= 0 then fatal("loading the rows", err) end

local function ingest(data, args)
  return sh(pg.env .. L.quote(bin) .. " ingest --rules " .. L.quote(rules) .. " --data " ..
    L.quote(data) .. " --source cases " .. args)
end

T:section("the premise: the columns' collation is nondeterministic", function()
  local out = pg:psql("\\t\nSELECT count(DISTINCT task_code), count(DISTINCT task_code COLLATE \"C\"), " ..
    "count(DISTINCT project_no), count(DISTINCT project_no COLLATE \"C\"), " ..
    "count(DISTINCT channel), count(DISTINCT org_code) FROM public.cases;")
  T:eq("distinct task codes, keys, channels, units under the collation and byte for byte",
    "2 | 6 | 12 | 36 | 2 | 3", (out:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", "")))
end)

T:section("pushed down = the file ingest of the same rows", function()
  local a, b = work .. "/file", work .. "/pd"
  local out1, e1, c1 = ingest(a, L.quote(csv))
  T:eq("file ingest: exit", 0, c1, e1)
  local out2, e2, c2 = ingest(b, "--from postgres:")
  T:eq("push-down: exit", 0, c2, e2)
  T:eq("records", out1:match("(%d+) records of"), out2:match("(%d+) records of"))
  T:eq("repeated keys (one: the row given twice; keys differing in case are other keys)",
    "1", out2:match("(%-?%d+) records repeat") or "0")
  T:eq("repeated keys as the file counts them", out1:match("(%-?%d+) records repeat") or "0",
    out2:match("(%-?%d+) records repeat") or "0")
  local d = F.compare(L, a .. "/pinggu.db", b .. "/pinggu.db")
  T:eq("cells that differ from the file ingest", 0, d.bad, d.first)
  local back = F.compare(L, b .. "/pinggu.db", a .. "/pinggu.db")
  T:eq("cells only in the push-down", 0, back.bad, back.first)
  local cells = F.cells(L, a .. "/pinggu.db")
  for _, m in ipairs({ "ci_eq", "ci_ne", "ci_in", "ci_enum_eq", "ci_enum_in" }) do
    T:ok(cells[m] and next(cells[m]), "metric " .. m .. " has cells")
  end
  -- the file's figures themselves, so that both cannot be wrong alike: 'tc-a' is exactly one
  -- of the six task codes, and the CHENGQU rows are haifeng's
  local n, hits = 0, 0
  for _, c in pairs(cells.ci_eq or {}) do n, hits = n + c.n, hits + c.hits end
  T:eq("ci_eq over every cell: records", 36, n)
  T:eq("ci_eq over every cell: hits ('tc-a' only, not 'TC-A', 'tc-á', 'TC-Á')", 6, hits)
  local units = {}
  for k in pairs(cells.ci_eq or {}) do units[k:match("^(.-)@")] = true end
  T:ok(units.chengqu and units.haifeng, "rows named 'CHENGQU' count for haifeng, 'chengqu' for chengqu")
end)

T:section("an enum value that differs only in case from declared ones is refused, as by the file", function()
  local bad = work .. "/bad-enum.csv"
  L.write(bad, header .. table.concat(rows, "\n"):gsub(",Web,", ",WEB,", 1) .. "\n")
  local _, e, c = load(bad)
  T:eq("load", 0, c, e)
  local _, e1, c1 = ingest(work .. "/bad-enum-file", L.quote(bad))
  T:eq("the file: refused", 1, c1, e1)
  local _, e2, c2 = ingest(work .. "/bad-enum-pd", "--from postgres:")
  T:eq("the push-down: refused", 1, c2, e2)
  T:contains("why", e2, "channel: 1")
end)

T:section("a unit that differs only in case from a unit is refused, as by the file", function()
  local bad = work .. "/bad-unit.csv"
  L.write(bad, header .. table.concat(rows, "\n"):gsub(",chengqu,", ",Chengqu,", 1) .. "\n")
  local _, e, c = load(bad)
  T:eq("load", 0, c, e)
  local _, e1, c1 = ingest(work .. "/bad-unit-file", L.quote(bad))
  T:eq("the file: refused", 1, c1, e1)
  local _, e2, c2 = ingest(work .. "/bad-unit-pd", "--from postgres:")
  T:eq("the push-down: refused", 1, c2, e2)
  T:contains("why", e2, "'Chengqu' is not a unit in units.csv")
end)

pg:stop()
T:done()
