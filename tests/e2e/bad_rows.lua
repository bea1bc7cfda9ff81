-- e2e.bad_rows — the bad-rows fixture (bad-rows/): an unknown unit, a bad enum value, a time
-- that does not parse, a missing required field (cases.csv) and nested JSON values
-- (sm_requests.ndjson). `pinggu ingest` must reject each batch whole: exit 1, every expected
-- `file:line: field: reason` of bad-rows/expected-errors.txt in order, the total count, and
-- nothing stored — then the good rows of the same files, alone, are taken.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"

local bin, root = L.args()
local T = L.tester("e2e.bad_rows")
local rules = root .. "/rules/shanwei-2021"
local fixture = here .. "/bad-rows"

local expected, order = {}, {}
for line in io.lines(fixture .. "/expected-errors.txt") do
  local file, text = line:match("^([^#\t][^\t]*)\t(.+)$")
  if file then
    if not expected[file] then expected[file] = {}; order[#order + 1] = file end
    table.insert(expected[file], text)
  end
end
T:eq("fixture files listed", 2, #order)

local function list(data)
  return (L.run(("%s ingest --data %s --list"):format(L.quote(bin), L.quote(data))))
end

for _, file in ipairs(order) do
  local data = L.tmpdir()
  local source = file:match("^(.-)%.")
  local out, err, code = L.run(("%s ingest --rules %s --data %s --source %s %s"):format(L.quote(bin),
    L.quote(rules), L.quote(data), source, L.quote(fixture .. "/" .. file)))
  T:eq(file .. ": exit code", 1, code, err)
  local at = 1
  for _, text in ipairs(expected[file]) do
    local s, e = err:find(text, at, true)
    T:ok(s ~= nil, file .. ": stderr says, in order: " .. text, err)
    if e then at = e + 1 end
  end
  local lines = 0
  for _ in err:gmatch("[^\n]*" .. L.pattern(file) .. ":%d+: error: ") do lines = lines + 1 end
  T:eq(file .. ": one file:line error per bad record", #expected[file] - 1, lines, err)
  T:eq(file .. ": nothing on stdout", "", out)
  local after = list(data)
  T:ok(not after:find(file, 1, true), file .. ": the rejected batch is not stored", after)

  -- the same file without its bad records is taken: the errors were about those records only
  local good = L.tmpdir() .. "/" .. file
  local keep, n, bad_lines = {}, 0, {}
  for _, text in ipairs(expected[file]) do
    local ln = text:match(":(%d+): error:")
    if ln then bad_lines[tonumber(ln)] = true end
  end
  for line in io.lines(fixture .. "/" .. file) do
    n = n + 1
    if not bad_lines[n] then keep[#keep + 1] = line end
  end
  L.write(good, table.concat(keep, "\n") .. "\n")
  out, err, code = L.run(("%s ingest --rules %s --data %s --source %s %s"):format(L.quote(bin),
    L.quote(rules), L.quote(data), source, L.quote(good)))
  T:eq(file .. " without its bad records: exit code", 0, code, err)
  T:contains(file .. " without its bad records: stored", list(data), file)
end
T:done()
