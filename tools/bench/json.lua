-- tools/bench/json.lua — fields of a JSON document for the benchmark runners, which never take
-- JSON apart with a regex (issue 13: a sed pattern on rules/status stopped matching when the
-- status gained fields, and serve-run stopped completing).
--
-- Usage: lua5.4 tools/bench/json.lua PATH... < DOCUMENT
--   Each PATH is keys and 1-based array indices joined by dots ("revision", "sets.1.reloading",
--   "." for the document itself). Prints one line per PATH: a string as it is, a whole number
--   without a decimal point, true/false; an empty line for null, a missing field, or an object
--   or array. Exits 1 (saying why on stderr) when the input is not JSON.
-- Needs lua-cjson, which tools/deps installs with the test packages.
local cjson = require("cjson")

local text = io.read("a")
local ok, doc = pcall(cjson.decode, text or "")
if not ok then
  io.stderr:write("json.lua: not JSON: ", tostring(doc), "\n")
  os.exit(1)
end

local function lookup(v, path)
  if path == "." then return v end
  for key in path:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    local n = tonumber(key)
    if n and v[n] ~= nil then v = v[n] else v = v[key] end
  end
  return v
end

local function show(v)
  local t = type(v)
  if t == "string" then return v end
  if t == "boolean" then return tostring(v) end
  if t == "number" then
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return string.format("%d", v) end
    return string.format("%.17g", v)
  end
  return "" -- null (cjson.null is a userdata), missing, object or array
end

local out = {}
for i = 1, #arg do out[#out + 1] = show(lookup(doc, arg[i])) end
io.write(table.concat(out, "\n"), #out > 0 and "\n" or "")
