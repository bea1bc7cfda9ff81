-- smoke.lua — runs one benchmark in its --smoke mode for tests/bench and passes when it
-- completed and printed its figures: exit status 0, and every PATTERN (a Lua pattern) found in
-- its output. Timings are never judged. The output is echoed, so a failure shows it whole.
--
-- Usage: lua5.4 smoke.lua PATTERN... -- COMMAND ARG...
local patterns, cmd, seen_sep = {}, {}, false
for _, a in ipairs(arg) do
  if not seen_sep and a == "--" then
    seen_sep = true
  elseif seen_sep then
    cmd[#cmd + 1] = a
  else
    patterns[#patterns + 1] = a
  end
end
if #cmd == 0 then
  io.stderr:write("usage: lua5.4 smoke.lua PATTERN... -- COMMAND ARG...\n")
  os.exit(2)
end

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local line = {}
for i, a in ipairs(cmd) do line[i] = quote(a) end
local t0 = os.time()
local p = assert(io.popen(table.concat(line, " ") .. " 2>&1", "r"))
local out = p:read("a")
local ok, how, code = p:close()
io.write(out)
print(string.format("smoke.lua: %s %s after about %d s", how, tostring(code), os.time() - t0))

local failed = false
if not ok then
  print(string.format("FAIL the benchmark did not complete: %s %s", how, tostring(code)))
  failed = true
end
for _, pat in ipairs(patterns) do
  if not out:find(pat) then
    print("FAIL no line of the output matches: " .. pat)
    failed = true
  end
end
if failed then os.exit(1) end
print("ok: completed, every figure printed")
