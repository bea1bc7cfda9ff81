-- example_source.lua PINGGU SOURCE_ROOT GEN_RAW — plugins/example-source, the minimal source
-- plugin a connector is written from: a tab-separated file read through the plugin ABI.
--
-- A generated year of Shanwei cases as TSV pulled with `--from example:FILE` must store
-- partials byte for byte identical to the CSV ingest of the same rows (the plugin hands over
-- text; pinggu types it as for a CSV file), and evaluate the same; then a bad value refuses
-- the pull whole, at its record; a column the source does not declare and an option the
-- reader does not take are refused, saying what and where.
package.path = arg[2] .. "/tests/e2e/?.lua;" .. package.path
local L = require "lib"
local bin, root = L.args()
local gen_raw = arg[3]
local T = L.tester("plugins.example_source")
local sh = L.run

local plugin_dir = bin:match("^(.*)/[^/]*$") .. "/plugins"
if not io.open(plugin_dir .. "/example-source.so") then
  print("FAIL: " .. plugin_dir .. "/example-source.so was not built")
  os.exit(1)
end

local work = L.tmpdir()
local rules = work .. "/rules"
sh("cp -r " .. L.quote(root .. "/rules/shanwei-2021") .. " " .. L.quote(rules))
local src = L.slurp(rules .. "/sources.lua")
local anchor = 'name = "办件", unit = "org_code", time = "accept_date", key = "project_no",'
assert(src:find(anchor, 1, true), "rules/shanwei-2021/sources.lua no longer declares cases as expected")
local function with_plugin(text)
  return (src:gsub(L.pattern(anchor), function(m) return m .. "\n  " .. text .. "," end, 1))
end
L.write(rules .. "/sources.lua", with_plugin('plugin = "example"'))

local _, err, code = sh(L.quote(gen_raw) .. " --scale 0.02 --units " .. L.quote(rules .. "/units.csv") ..
  " --out " .. L.quote(work .. "/raw"))
assert(code == 0, "gen-raw: " .. err)
-- the year's cases: one CSV, and the same rows as TSV (empty fields as \N)
local header, body = nil, {}
for f in (sh("ls " .. L.quote(work .. "/raw/cases"))):gmatch("[^\n]+") do
  local text = L.slurp(work .. "/raw/cases/" .. f)
  local h, rest = text:match("^([^\n]*\n)(.*)$")
  header = header or h
  body[#body + 1] = rest
end
local csv = work .. "/cases.csv"
L.write(csv, header .. table.concat(body))
local tsv_lines = {}
for line in (header .. table.concat(body)):gmatch("[^\n]+") do
  assert(not line:find('"', 1, true) and not line:find("\t", 1, true), "the generator quoted a field")
  local f = {}
  for v in (line .. ","):gmatch("([^,]*),") do f[#f + 1] = v == "" and "\\N" or v end
  tsv_lines[#tsv_lines + 1] = table.concat(f, "\t")
end
local tsv = work .. "/cases.tsv"
L.write(tsv, table.concat(tsv_lines, "\n") .. "\n")

local function ingest(data, args)
  return sh(L.quote(bin) .. " ingest --rules " .. L.quote(rules) .. " --data " .. L.quote(data) ..
    " --source cases " .. args)
end
local partials = L.partials

T:section("a pull through the example plugin stores the CSV's partials, byte for byte", function()
  local out, e, c = ingest(work .. "/from-csv", L.quote(csv))
  T:eq("CSV exit", 0, c, e)
  local n_csv = tonumber(out:match("(%d+) records of cases"))
  out, e, c = ingest(work .. "/from-tsv", "--from " .. L.quote("example:" .. tsv))
  T:eq("pull exit", 0, c, e)
  T:matches("named example:<file>", out, "^example:cases%.tsv: batch %x+: %d+ records of cases")
  T:eq("records", n_csv, tonumber(out:match("(%d+) records of cases")))
  local a, na = partials(work .. "/from-csv")
  local b = partials(work .. "/from-tsv")
  for m, cells in pairs(a) do T:eq("partials of metric " .. m, cells, b[m]) end
  for m in pairs(b) do T:ok(a[m], "metric " .. m .. " only in the pull") end
  T:ok(na >= 10, "metrics compared", tostring(na))
  local ea = L.run(L.eval_cmd(bin, { rules = rules, data = work .. "/from-csv", scheme = "monthly", period = "2021-06", format = "json" }))
  local eb = L.run(L.eval_cmd(bin, { rules = rules, data = work .. "/from-tsv", scheme = "monthly", period = "2021-06", format = "json" }))
  T:ok(#ea > 1000, "eval gives a result", tostring(#ea))
  T:eq("eval is the same", ea, eb)
  out, e, c = ingest(work .. "/from-tsv", "--from " .. L.quote("example:" .. tsv))
  T:matches("the same file again is the same batch", out, "already ingested as batch %x+; nothing changed")
end)

T:section("refusals: a bad value at its record, an undeclared column, an option", function()
  local lines = {}
  for l in io.lines(tsv) do lines[#lines + 1] = l if #lines == 5 then break end end
  local f = {}
  for v in (lines[4] .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = v end
  f[6] = "传真"
  lines[4] = table.concat(f, "\t")
  local bad = work .. "/bad.tsv"
  L.write(bad, table.concat(lines, "\n") .. "\n")
  local _, e, c = ingest(work .. "/refused", "--from " .. L.quote("example:" .. bad))
  T:eq("bad exit", 1, c)
  T:contains("at its record", e, "example:bad.tsv:4: error: channel: not one of the allowed values: \"传真\"")
  T:contains("nothing stored", e, "the batch is rejected, nothing stored")
  local ren = work .. "/ren.tsv"
  L.write(ren, (table.concat(lines, "\n"):gsub("result_date", "result_dat", 1)) .. "\n")
  _, e, c = ingest(work .. "/refused", "--from " .. L.quote("example:" .. ren))
  T:eq("renamed exit", 1, c)
  T:contains("undeclared column", e, "ren.tsv:1: column 10 \"result_dat\" is not a field of source 'cases'")
  L.write(rules .. "/sources.lua", with_plugin('plugin = "example", options = { table = "x" }'))
  _, e, c = ingest(work .. "/refused", "--from " .. L.quote("example:" .. tsv))
  T:eq("option exit", 1, c)
  T:contains("an option", e, "option 'table' is not one the example reader takes")
end)

T:done()
