-- e2e.gen_sample — tools/gen-sample is deterministic: two runs with the default seed write
-- byte-identical files, equal to the bundled rules/shanwei-2021/sample; another seed gives
-- other data (so the comparison is not vacuous). tools/gen-raw.c (GEN_RAW, the third argument)
-- likewise: byte-identical for the same seed and scale, different for another seed, and at
-- scale 0.1 a tenth of the 100–150 thousand cases a month, for every month of 2021.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"

local _, root, gen_raw = L.args()
local T = L.tester("e2e.gen_sample")
local tool = root .. "/tools/gen-sample"
local sample = root .. "/rules/shanwei-2021/sample"
-- the interpreter running this script (CTest's LUA_INTERP), else lua5.4 from PATH
local LUA = "lua5.4"
do
  local i = -1
  while arg[i - 1] do i = i - 1 end
  if arg[i] then LUA = arg[i] end
end

local FILES = {}
for m = 1, 12 do FILES[#FILES + 1] = string.format("2021-%02d.csv", m) end
FILES[#FILES + 1] = "2021.csv"

local function gen(extra)
  local dir = L.tmpdir()
  local out, err, code = L.run(L.quote(LUA) .. " " .. L.quote(tool) .. " --out " .. L.quote(dir) .. (extra or ""))
  T:eq("gen-sample " .. (extra or "") .. " exit code", 0, code, err)
  return dir
end

local function listing(dir)
  local p = io.popen("ls -A " .. L.quote(dir))
  local names = {}
  for n in p:lines() do names[#names + 1] = n end
  p:close()
  table.sort(names)
  return table.concat(names, " ")
end

local function first_difference(a, b)
  if a == b then return nil end
  local la, lb, n = {}, {}, 0
  for l in (a or ""):gmatch("[^\n]*") do la[#la + 1] = l end
  for l in (b or ""):gmatch("[^\n]*") do lb[#lb + 1] = l end
  for i = 1, math.max(#la, #lb) do
    if la[i] ~= lb[i] then return string.format("line %d: %q vs %q", i, la[i] or "<eof>", lb[i] or "<eof>") end
    n = n + 1
  end
  return "lengths differ"
end

local a, b = gen(), gen()
local expected = {}
for _, f in ipairs(FILES) do expected[#expected + 1] = f end
table.sort(expected)
T:eq("files written (run 1)", table.concat(expected, " "), listing(a))
T:eq("files written (run 2)", table.concat(expected, " "), listing(b))

for _, f in ipairs(FILES) do
  local x, y, s = L.slurp(a .. "/" .. f), L.slurp(b .. "/" .. f), L.slurp(sample .. "/" .. f)
  T:ok(x ~= nil and #x > 100, f .. " written and not empty")
  T:ok(x == y, f .. ": two runs byte-identical", first_difference(x, y))
  T:ok(x == s, f .. ": equal to the bundled sample", first_difference(x, s))
end

-- another seed changes the data
local c = gen(" --seed 7")
local same = 0
for _, f in ipairs(FILES) do
  if L.slurp(a .. "/" .. f) == L.slurp(c .. "/" .. f) then same = same + 1 end
end
T:ok(same < #FILES, "--seed 7 gives different files", same .. " of " .. #FILES .. " identical")

-- gen-raw
local function raw(extra)
  local dir = L.tmpdir()
  local _, err, code = L.run(L.quote(gen_raw) .. " --units " .. L.quote(root .. "/rules/shanwei-2021/units.csv")
    .. " --out " .. L.quote(dir) .. extra)
  T:eq("gen-raw" .. extra .. " exit code", 0, code, err)
  return dir
end
local r1, r2, r3 = raw(" --scale 0.1"), raw(" --scale 0.1"), raw(" --scale 0.1 --seed 7")
local sources = { "cases", "reviews", "ecert_uses", "eseal_uses", "app_services", "mq_events" }
for m = 1, 12 do
  local month = string.format("2021-%02d", m)
  for _, s in ipairs(sources) do
    local f = "/" .. s .. "/" .. month .. ".csv"
    local x = L.slurp(r1 .. f)
    T:ok(x ~= nil and x == L.slurp(r2 .. f), "gen-raw " .. s .. " " .. month .. ": two runs byte-identical")
    T:ok(x ~= L.slurp(r3 .. f), "gen-raw " .. s .. " " .. month .. ": --seed 7 differs")
  end
  local f = "/sm_requests/" .. month .. ".ndjson"
  T:ok(L.slurp(r1 .. f) == L.slurp(r2 .. f), "gen-raw sm_requests " .. month .. ": two runs byte-identical")
  local cases = -1
  for _ in io.lines(r1 .. "/cases/" .. month .. ".csv") do cases = cases + 1 end
  T:ok(cases >= 10000 and cases <= 15000, "gen-raw --scale 0.1: " .. month .. " has 10–15 thousand cases", tostring(cases))
end
local _, err, code = L.run(L.quote(gen_raw) .. " --scale 0 --out " .. L.quote(L.tmpdir()))
T:eq("gen-raw --scale 0: usage error", 2, code, err)

-- a province's units (tools/bench/province-run: 3,003, the 36 repeated as jiaoyu_7, …): every
-- one gets records, a copy with the profile of the unit it copies (it stopped at 64 before)
do
  local base = {}
  for line in io.lines(root .. "/rules/shanwei-2021/units.csv") do base[#base + 1] = line end
  local rows, codes = { base[1] }, {}
  for k = 0, 83 do
    for r = 2, #base do
      if #rows - 1 >= 3003 then break end
      local id, name, group, code = base[r]:match("^([^,]*),([^,]*),([^,]*),([^,]*)")
      local row = k == 0 and base[r] or table.concat({ id .. "_" .. k, name .. "（" .. k .. "）",
        group, code .. string.format("%03d", k), "nonstandard", "" }, ",")
      rows[#rows + 1] = row
      codes[#codes + 1] = k == 0 and code or code .. string.format("%03d", k)
    end
  end
  T:eq("province units", 3003, #rows - 1)
  local dir = L.tmpdir()
  local f = io.open(dir .. "/units.csv", "w")
  f:write(table.concat(rows, "\n"), "\n")
  f:close()
  local _, err, code = L.run(L.quote(gen_raw) .. " --units " .. L.quote(dir .. "/units.csv")
    .. " --scale 0.003 --out " .. L.quote(dir .. "/raw"))
  T:eq("gen-raw with 3,003 units: exit code", 0, code, err)
  local seen, n = {}, 0
  for m = 1, 12 do
    for line in io.lines(string.format("%s/raw/cases/2021-%02d.csv", dir, m)) do
      local org = line:match("^[^,]*,[^,]*,([^,]*),")
      if org and not seen[org] then seen[org] = true; n = n + 1 end
    end
  end
  T:ok(n > 2000, "gen-raw with 3,003 units: cases name more than 2,000 units", tostring(n))
  -- gongan_5 (the 12th unit of the 6th copy) is as busy as 公安 (a unit without a profile
  -- gets 160 cases a month, 0.5 at this scale)
  local gongan = 0
  for line in io.lines(dir .. "/raw/cases/2021-06.csv") do
    if line:match("^[^,]*,[^,]*,([^,]*),") == codes[5 * 36 + 12] then gongan = gongan + 1 end
  end
  T:ok(gongan > 10, "gen-raw with 3,003 units: a copy of 公安 has its volume", tostring(gongan))
end

T:done()
