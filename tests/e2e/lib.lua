-- lib.lua — helpers shared by the e2e and rule tests: running the real binary, a small CSV
-- reader, temporary directories, and expectations that print expected vs actual.
--
-- Every script is started as `lua5.4 <script> <pinggu binary> <source root>`.
local cjson = require "cjson"

local L = {}

L.null = cjson.null

-- PINGGU SOURCE_ROOT [WORK]: WORK is the fixture setup.lua built (ingested data, expected values)
function L.args()
  local bin, root = arg[1], arg[2]
  if not bin or not root then
    io.stderr:write("usage: lua5.4 " .. (arg[0] or "test.lua") .. " PINGGU SOURCE_ROOT [WORK]\n")
    os.exit(2)
  end
  return bin, root, arg[3]
end

-- a Lua pattern matching s literally
function L.pattern(s)
  return (tostring(s):gsub("%p", "%%%0"))
end

function L.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
L.slurp = slurp

function L.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- Temporary directories, removed at exit by L.cleanup() (called from T:done()).
local tmpdirs = {}
function L.tmpdir()
  local p = io.popen("mktemp -d \"${TMPDIR:-/tmp}/pinggu-e2e.XXXXXX\"")
  local dir = p:read("l")
  p:close()
  assert(dir and dir ~= "", "mktemp -d failed")
  tmpdirs[#tmpdirs + 1] = dir
  return dir
end
function L.cleanup()
  for _, d in ipairs(tmpdirs) do os.execute("rm -rf " .. L.quote(d)) end
  tmpdirs = {}
end

-- Runs a shell command; returns stdout, stderr, exit code.
function L.run(cmd)
  local errf = os.tmpname()
  local p = io.popen(cmd .. " 2>" .. L.quote(errf), "r")
  local out = p:read("a")
  local _, how, code = p:close()
  local err = slurp(errf) or ""
  os.remove(errf)
  if how == "signal" then code = 128 + code end
  return out, err, code
end

-- The stored partials of a data directory, for comparing two ingests of the same rows byte for
-- byte: { metric = "definition HEX-CELLS" } and how many metrics (every batch, in metric order).
function L.partials(data)
  local out = L.run("sqlite3 " .. L.quote(data .. "/pinggu.db") ..
    " \"SELECT metric || ' ' || definition || ' ' || hex(cells) FROM partial ORDER BY metric\"")
  local t, n = {}, 0
  for line in out:gmatch("[^\n]+") do
    local m, rest = line:match("^(%S+) (.*)$")
    t[m] = rest
    n = n + 1
  end
  return t, n
end

-- `pinggu eval` with the given options table, e.g. { rules=, data=, scheme=, period=, format=, unit= }.
function L.eval_cmd(bin, o)
  local parts = { L.quote(bin), "eval" }
  for _, k in ipairs { "rules", "data", "scheme", "period", "format", "unit" } do
    if o[k] then parts[#parts + 1] = "--" .. k .. " " .. L.quote(o[k]) end
  end
  return table.concat(parts, " ")
end

-- Runs `pinggu eval --format json` and decodes the result; raises with stderr on failure.
function L.eval_json(bin, o)
  local opts = {}
  for k, v in pairs(o) do opts[k] = v end
  opts.format = "json"
  local out, err, code = L.run(L.eval_cmd(bin, opts))
  if code ~= 0 then
    error(string.format("pinggu eval %s %s failed (exit %d):\n%s", o.scheme, o.period, code, err), 2)
  end
  local ok, doc = pcall(cjson.decode, out)
  if not ok then error("pinggu eval printed invalid JSON: " .. tostring(doc), 2) end
  return doc
end

---------------------------------------------------------------------------
-- CSV (RFC 4180 subset: quoted fields with "" escapes, no newlines inside fields)
---------------------------------------------------------------------------
function L.csv_split(line)
  local fields, i, n = {}, 1, #line
  if line:sub(-1) == "\r" then line = line:sub(1, -2); n = n - 1 end
  while true do
    if line:sub(i, i) == '"' then
      local buf, j = {}, i + 1
      while true do
        local q = line:find('"', j, true)
        if not q then error("unterminated quote in CSV line: " .. line) end
        buf[#buf + 1] = line:sub(j, q - 1)
        if line:sub(q + 1, q + 1) == '"' then
          buf[#buf + 1] = '"'
          j = q + 2
        else
          i = q + 1
          break
        end
      end
      fields[#fields + 1] = table.concat(buf)
    else
      local c = line:find(",", i, true) or (n + 1)
      fields[#fields + 1] = line:sub(i, c - 1)
      i = c
    end
    if i > n then break end
    assert(line:sub(i, i) == ",", "bad CSV near column " .. i .. ": " .. line)
    i = i + 1
    if i > n then fields[#fields + 1] = ""; break end
  end
  return fields
end

-- Returns header (list) and rows (list of tables keyed by header name, plus .line).
function L.read_csv_text(text)
  local header, rows, lineno = nil, {}, 0
  for line in (text .. "\n"):gmatch("(.-)\n") do
    lineno = lineno + 1
    if line ~= "" and line ~= "\r" then
      local f = L.csv_split(line)
      if not header then
        header = f
      else
        local r = { line = lineno }
        for k, name in ipairs(header) do r[name] = f[k] end
        r._fields = f
        rows[#rows + 1] = r
      end
    end
  end
  return header or {}, rows
end

function L.read_csv(path)
  local text = slurp(path)
  if not text then error("cannot read " .. path) end
  return L.read_csv_text(text)
end

---------------------------------------------------------------------------
-- numbers
---------------------------------------------------------------------------
-- Half away from zero, as the README's "Rounding and ties" says. The nudge of a few units in
-- the last place absorbs the binary error of the scaling (2.675 × 100 is 267.49999999999997)
-- and nothing more: 77.79499994 (a part of the raw sample's 2021-06 ranking) is below the half
-- and rounds to 77.79. A nudge of 1e-9 × the scaled value moved it to 77.80.
function L.round(x, digits)
  if x ~= x or x == math.huge or x == -math.huge then return x end
  local p = 10 ^ (digits or 2)
  local y = math.abs(x) * p
  local r = math.floor(y + 0.5 + 16 * 2^-52 * math.max(1, y))
  return (x < 0 and -r or r) / p
end

function L.isnull(v) return v == nil or v == cjson.null end

function L.fmt(v)
  if v == nil then return "nil" end
  if v == cjson.null then return "null" end
  if type(v) == "number" then
    if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 1e15 then
      return string.format("%d", v)
    end
    local short = string.format("%.6g", v)
    if tonumber(short) == v then return short end
    return string.format("%.15g", v)
  end
  if type(v) == "table" then
    local ok, s = pcall(cjson.encode, v)
    return ok and s or tostring(v)
  end
  return tostring(v)
end

---------------------------------------------------------------------------
-- expectations
---------------------------------------------------------------------------
local T = {}
T.__index = T

function L.tester(name)
  return setmetatable({ name = name, failures = 0, checks = 0 }, T)
end

function T:fail(what, expected, actual, extra)
  self.failures = self.failures + 1
  io.stdout:write(string.format("FAIL %s: expected %s, got %s%s\n", what, L.fmt(expected),
    L.fmt(actual), extra and ("  (" .. extra .. ")") or ""))
end

function T:ok(cond, what, extra)
  self.checks = self.checks + 1
  if not cond then
    self.failures = self.failures + 1
    io.stdout:write("FAIL " .. what .. (extra and ("  (" .. extra .. ")") or "") .. "\n")
  end
  return cond
end

local function norm(v)
  if v == cjson.null then return nil end
  if type(v) == "number" and math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 2^53 then
    return math.tointeger(v)
  end
  return v
end

function T:eq(what, expected, actual, extra)
  self.checks = self.checks + 1
  if norm(expected) ~= norm(actual) then
    self:fail(what, expected, actual, extra)
    return false
  end
  return true
end

-- Numbers equal within tol (absolute). nil / null on both sides counts as equal.
function T:near(what, expected, actual, tol, extra)
  self.checks = self.checks + 1
  tol = tol or 1e-9
  local e, a = norm(expected), norm(actual)
  if e == nil and a == nil then return true end
  if type(e) ~= "number" or type(a) ~= "number" or math.abs(e - a) > tol then
    self:fail(what, expected, actual, (extra and extra .. ", " or "") .. "tolerance " .. tol)
    return false
  end
  return true
end

function T:contains(what, haystack, needle)
  self.checks = self.checks + 1
  if type(haystack) ~= "string" or not haystack:find(needle, 1, true) then
    self:fail(what, "text containing " .. string.format("%q", needle), haystack)
    return false
  end
  return true
end

function T:matches(what, haystack, pattern)
  self.checks = self.checks + 1
  if type(haystack) ~= "string" or not haystack:find(pattern) then
    self:fail(what, "text matching " .. string.format("%q", pattern), haystack)
    return false
  end
  return true
end

-- Runs fn, turning a Lua error into a failure so the remaining sections still run.
function T:section(title, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if not ok then
    self.failures = self.failures + 1
    io.stdout:write("FAIL [" .. title .. "] raised: " .. tostring(err) .. "\n")
  end
end

function T:done()
  L.cleanup()
  io.stdout:write(string.format("%s: %d checks, %d failed\n", self.name, self.checks, self.failures))
  os.exit(self.failures == 0 and 0 or 1)
end

return L
