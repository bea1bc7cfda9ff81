-- e2e.gen_sample — tools/gen-sample is deterministic: two runs with the default seed write
-- byte-identical files, equal to the bundled rules/shanwei-2021/sample; another seed gives
-- other data (so the comparison is not vacuous).
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"

local _, root = L.args()
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

T:done()
