-- run-case.lua — one sandbox test: a rule set whose custom method (or whose top level)
-- attacks the sandbox, run through the real pinggu binary.
--
--   lua5.4 run-case.lua CASE_DIR PINGGU WORK_DIR COMMON_DIR LUAC
--
-- The rule set is common/rules (ruleset.lua requires "attack" and "budget") plus the case's
-- files; the data is common/data. Everything is copied to WORK_DIR, which is wiped first;
-- pinggu runs there with the relative paths `rules` and `data`, so a file an attack manages
-- to create lands in WORK_DIR, where the test looks for it.
--
-- CASE_DIR/spec.lua returns a table:
--   at      "run": attack.lua returns the method, which attacks when called. `pinggu check`
--                  must pass; `pinggu eval` must exit 0 with every unit's 'attacked' row in
--                  status "error" and a note containing each string of `error`, while the
--                  'normal' (built-in) and 'custom_ok' (custom, evaluated after the attack)
--                  rows score exactly as without the attack.
--           "load": attack.lua attacks at its top level. `pinggu check` and `pinggu eval`
--                  must both exit 1 (not crash, not hang) and print each string of `error`.
--   error   plain substrings of the message (file:line included)
--   budget  { instructions = .., memory_mb = .. } for ruleset.budget, or "default" to leave
--           it out (the default budget)
--   luac    optional { ["evil.lua"] = "evil.luasrc" }: files compiled with luac5.4 into
--           the rule set at test time (binary chunks)
--   padded  optional { ["huge.lua"] = MB }: files of that many megabytes of comment lines,
--           written into the rule set at test time (too big to keep in the repository)
--   absent  optional extra paths, relative to WORK_DIR, that must not exist afterwards
--           ("PWNED" is always checked)
--   twice   optional: run eval twice and require byte-identical output
--   timeout optional seconds for each pinggu run (default 20)
--   deadline_ms optional: the wall-clock deadline of the attacked entry (the load's for "load",
--           a call's for "run"), passed as PINGGU_RULE_LOAD_DEADLINE_MS or
--           PINGGU_RULE_CALL_DEADLINE_MS; the default deadlines otherwise
--   test    optional: run `pinggu test rules` too. "load": it must exit 1 and print each
--           string of `error`; "run": a rule test expecting the attacked row to be "error"
--           and the normal rows to score must pass (exit 0)
-- A case directory holding a file BUG exposes a known core bug; the file says which.
--
-- JSON is read with lua-cjson (Debian package lua-cjson).
local case_dir, pinggu, work, common, luac = ...
assert(case_dir and pinggu and work and common,
       "usage: lua5.4 run-case.lua CASE_DIR PINGGU WORK_DIR COMMON_DIR [LUAC]")
luac = luac or "luac5.4"
local name = case_dir:match("([^/]+)/*$")

local failures = {}
local function fail(fmt, ...) failures[#failures + 1] = fmt:format(...) end

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function sh(cmd)
  local ok, how, code = os.execute(cmd)
  if how == "signal" then return 128 + code end
  return code or (ok and 0 or 1)
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function spit(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

-- The leaf rows of eval's JSON, one line each, for a failure report.
local function summary(json)
  local ok, cjson = pcall(require, "cjson")
  local parsed, res = false, nil
  if ok then parsed, res = pcall(cjson.decode, json) end
  if not parsed or type(res) ~= "table" then return json end
  local lines = {}
  for _, u in ipairs(res.units or {}) do
    for _, row in ipairs(u.indicators or {}) do
      if row.leaf then
        lines[#lines + 1] = ("%s %-10s %-6s %6s  %s"):format(u.unit, row.id, tostring(row.status),
          tostring(row.points), type(row.note) == "string" and row.note or "")
      end
    end
  end
  return "(leaf rows: unit, indicator, status, points, note)\n" .. table.concat(lines, "\n") .. "\n"
end

local function finish()
  if #failures == 0 then
    print("ok sandbox." .. name)
    os.exit(0)
  end
  print(("FAIL sandbox.%s (case %s, work dir %s)"):format(name, case_dir, work))
  local bug = slurp(case_dir .. "/BUG")
  if bug then print("known core bug:\n  " .. bug:gsub("\n$", ""):gsub("\n", "\n  ")) end
  for _, f in ipairs(failures) do print("  " .. f) end
  for _, out in ipairs { "check", "eval", "test" } do
    for _, stream in ipairs { "err", "out" } do
      local s = slurp(("%s/%s.%s"):format(work, out, stream))
      if s and s ~= "" then
        print(("--- pinggu %s, std%s:"):format(out, stream))
        if out == "eval" and stream == "out" then s = summary(s) end
        if #s > 4000 then s = s:sub(1, 4000) .. "\n[... cut ...]" end
        io.write(s, s:sub(-1) == "\n" and "" or "\n")
      end
    end
  end
  os.exit(1)
end

local spec_fn, err = loadfile(case_dir .. "/spec.lua")
if not spec_fn then fail("spec.lua: %s", err) finish() end
local spec = spec_fn()
assert(spec.at == "run" or spec.at == "load", "spec.at must be \"run\" or \"load\"")
local timeout = spec.timeout or 20

-- The work directory: common rules and data, then the case's files over them.
assert(work:match("/work/") or work:match("^/tmp/"), "refusing to wipe " .. work)
assert(sh(("rm -rf %s && mkdir -p %s/rules %s/data"):format(q(work), q(work), q(work))) == 0)
assert(sh(("cp -R %s/rules/. %s/rules/ && cp -R %s/data/. %s/data/ && cp -R %s/. %s/rules/ && rm -f %s/rules/spec.lua %s/rules/BUG")
          :format(q(common), q(work), q(common), q(work), q(case_dir), q(work), q(work), q(work))) == 0)
for target, mb in pairs(spec.padded or {}) do
  local f = assert(io.open(work .. "/rules/" .. target, "wb"))
  local line = "-- " .. ("x"):rep(1020) .. "\n"
  for _ = 1, mb * 1024 do f:write(line) end
  f:write("return true\n")
  f:close()
end
for target, source in pairs(spec.luac or {}) do
  local rc = sh(("%s -s -o %s/rules/%s %s/%s"):format(q(luac), q(work), q(target), q(case_dir), q(source)))
  if rc ~= 0 then fail("%s could not compile %s", luac, source) finish() end
  if slurp(work .. "/rules/" .. target):sub(1, 4) ~= "\27Lua" then
    fail("%s is not a binary chunk", target)
    finish()
  end
end
if spec.budget == "default" then
  spit(work .. "/rules/budget.lua", "return false -- the default budget\n")
else
  local b = assert(spec.budget, "spec.budget is required (a table or \"default\")")
  spit(work .. "/rules/budget.lua", ("return { instructions = %d, memory_mb = %d }\n")
       :format(b.instructions, b.memory_mb))
end

local env = ""
if spec.deadline_ms then
  env = ("PINGGU_RULE_%s_DEADLINE_MS=%d "):format(spec.at == "load" and "LOAD" or "CALL",
                                                   spec.deadline_ms)
end
if spec.test and spec.at == "run" then
  assert(sh(("mkdir -p %s/rules/tests"):format(q(work))) == 0)
  spit(work .. "/rules/tests/attacked.lua", [[
test "the attacked row is an error, the others score" {
  scheme = "monthly", period = "2021-05",
  values = { d1 = { m1 = 0.5, m2 = 1 } },
  expect.status("d1", "attacked", "error"),
  expect.points("d1", "normal", 20),
  expect.points("d1", "custom_ok", 15),
}
]])
end

local function pinggu_run(tag, args)
  local rc = sh(("cd %s && %stimeout %d %s %s >%s.out 2>%s.err")
                :format(q(work), env, timeout, q(pinggu), args, tag, tag))
  local out, errs = slurp(work .. "/" .. tag .. ".out"), slurp(work .. "/" .. tag .. ".err")
  if rc == 124 then fail("pinggu %s did not finish within %d s (a hang)", tag, timeout) end
  if rc > 128 then fail("pinggu %s died of signal %d", tag, rc - 128) end
  if errs:find("Sanitizer", 1, true) or errs:find("runtime error:", 1, true) then
    fail("pinggu %s: a sanitizer reported a problem", tag)
  end
  return rc, out, errs
end

local eval_args = "eval --rules rules --data data --scheme monthly --period 2021-05 --format json"
local check_rc, _, check_err = pinggu_run("check", "check rules")
local eval_rc, eval_out, eval_err = pinggu_run("eval", eval_args)

local function has_all(text, where)
  for _, s in ipairs(spec.error) do
    if not text:find(s, 1, true) then fail("%s lacks %q", where, s) end
  end
end

local test_rc, test_out, test_err
if spec.test then test_rc, test_out, test_err = pinggu_run("test", "test rules") end

if spec.at == "load" then
  if spec.test then
    if test_rc ~= 1 then fail("pinggu test exited %d, expected 1", test_rc) end
    has_all(test_err .. test_out, "pinggu test's output")
  end
  if check_rc ~= 1 then fail("pinggu check exited %d, expected 1", check_rc) end
  if eval_rc ~= 1 then fail("pinggu eval exited %d, expected 1", eval_rc) end
  has_all(check_err, "pinggu check's stderr")
  has_all(eval_err, "pinggu eval's stderr")
else
  if spec.test and test_rc ~= 0 then
    fail("pinggu test exited %d, expected 0 (the attacked row is an error, the rest scores)",
         test_rc)
  end
  if check_rc ~= 0 then fail("pinggu check exited %d, expected 0 (the attack is at run time)", check_rc) end
  if eval_rc ~= 0 then fail("pinggu eval exited %d, expected 0", eval_rc) end
  local ok, cjson = pcall(require, "cjson")
  if not ok then fail("lua-cjson is missing (apt-get install lua-cjson): %s", cjson) finish() end
  local parsed, res = pcall(cjson.decode, eval_out)
  if eval_rc == 0 and not parsed then fail("eval's output is not JSON: %s", res) end
  if parsed and type(res) == "table" then
    local m1 = { d1 = 0.5, d2 = 0.8, d3 = 1 } -- common/data/2021-05.csv
    local seen = {}
    for _, u in ipairs(res.units or {}) do
      seen[u.unit] = true
      local rows = {}
      for _, row in ipairs(u.indicators or {}) do rows[row.id] = row end
      local a, n, c = rows.attacked, rows.normal, rows.custom_ok
      if not a then
        fail("%s: no 'attacked' row", u.unit)
      else
        if a.status ~= "error" then
          fail("%s: attacked row has status %q (points %s), expected \"error\"", u.unit,
               tostring(a.status), tostring(a.points))
        end
        local note = type(a.note) == "string" and a.note or ""
        has_all(note, u.unit .. ": attacked row's note " .. ("%q"):format(note))
      end
      local want = m1[u.unit]
      if not want then fail("unexpected unit %s", tostring(u.unit)) end
      if want and not (n and n.status == "ok" and math.abs(n.points - 40 * want) < 1e-9) then
        fail("%s: normal row should be ok with %g points, got %s %s", u.unit, 40 * want,
             n and tostring(n.status), n and tostring(n.points))
      end
      local note = ("%s:%.2f"):format(u.unit, want or 0)
      if want and not (c and c.status == "ok" and math.abs(c.points - 30 * want) < 1e-9
                       and c.note == note) then
        fail("%s: custom_ok row should be ok with %g points and note %s, got %s %s %s", u.unit,
             30 * want, note, c and tostring(c.status), c and tostring(c.points),
             c and tostring(c.note))
      end
    end
    for unit in pairs(m1) do
      if not seen[unit] then fail("unit %s is missing from the output", unit) end
    end
  end
  if spec.twice then
    local rc2, out2 = pinggu_run("eval2", eval_args)
    if rc2 ~= eval_rc or out2 ~= eval_out then fail("a second eval gave a different result") end
  end
end

local absent = { "PWNED", "rules/PWNED", "data/PWNED" }
for _, p in ipairs(spec.absent or {}) do absent[#absent + 1] = p end
for _, p in ipairs(absent) do
  if slurp(work .. "/" .. p) then fail("%s exists: the attack wrote a file", p) end
end
finish()
