-- tools.test — `pinggu test`: the Shanwei set's rule tests pass and cover every scored
-- indicator; the demo fixture's tests pass; tests meant to fail fail with expected vs actual at
-- the right file:line; bad test files get a clear error and never crash.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"

local bin, root = L.args()
local T = L.tester("tools.test")
local DEMO = "tests/cli/fixtures/demo"

local function pinggu(args)
  return L.run("cd " .. L.quote(root) .. " && " .. L.quote(bin) .. " " .. args)
end

local function last_line(s)
  return s:match("([^\n]*)\n?$")
end

T:section("the Shanwei set: every test passes, every scored indicator is tested", function()
  local out, err, code = pinggu("test rules/shanwei-2021 --coverage")
  T:eq("exit code", 0, code, out .. err)
  T:matches("summary", last_line(out), "^%d+ passed, 0 failed$")
  local n, of = out:match("coverage: (%d+) of (%d+) scored indicators tested")
  T:ok(n and n == of and tonumber(n) >= 60, "coverage complete", out)
  T:ok(not out:find("untested"), "no untested indicator listed", out)
end)

T:section("the demo fixture, verbose", function()
  local out, err, code = pinggu("test " .. DEMO .. " --verbose --coverage")
  T:eq("exit code", 0, code, err)
  T:eq("summary", "5 passed, 0 failed", last_line(out))
  T:contains("verbose lists each passing test at file:line", out,
    "ok    " .. DEMO .. "/tests/service.lua:22: no cases: online is not applicable")
  T:contains("coverage", out, "coverage: 2 of 2 scored indicators tested")
end)

T:section("a test meant to fail fails at the expectation's file:line", function()
  local out, err, code = pinggu("test " .. DEMO .. " " .. DEMO .. "/failing/wrong.lua")
  T:eq("exit code", 1, code, err)
  T:contains("failure", out, DEMO .. "/failing/wrong.lua:6: FAIL a wrong expectation: "
    .. "jia online points: expected 50, got 48\n")
  T:ok(not out:find("wrong.lua:5"), "the passing expectation on line 5 is not reported", out)
  T:eq("summary", "1 passed, 1 failed", last_line(out))
  -- the same file named relative to the rule set
  local out2, _, code2 = pinggu("test " .. DEMO .. " failing/wrong.lua")
  T:eq("relative name: exit code", 1, code2)
  T:eq("relative name: same report", out, out2)
end)

T:section("bad test files: a clear error at file:line, exit 1", function()
  local cases = {
    { "bad_unit", ":4: FAIL names a unit that does not exist: expect.points: unit 'nobody' is not in units.csv" },
    { "bad_metric", ":1: FAIL feeds a metric that is not declared: test 'feeds a metric that is not "
      .. "declared': values.jia: 'bad_review' is neither a metric nor an indicator that reads one" },
    { "bad_lua", ":4: error: expect.pionts: no such expectation" },
    { "escape", ":2: error: " },
    { "bad_period", ":1: FAIL a year period for a monthly scheme: test 'a year period for a monthly "
      .. "scheme': period must be \"YYYY-MM\" for scheme 'monthly'" },
  }
  for _, c in ipairs(cases) do
    local out, err, code = pinggu("test " .. DEMO .. " " .. DEMO .. "/failing/" .. c[1] .. ".lua")
    T:eq(c[1] .. ": exit code", 1, code, err)
    T:contains(c[1] .. ": message", out, DEMO .. "/failing/" .. c[1] .. ".lua" .. c[2])
    T:eq(c[1] .. ": summary", "0 passed, 1 failed", last_line(out))
  end
  local out = pinggu("test " .. DEMO .. " failing/escape.lua")
  T:contains("escape: the sandbox has no io", out, "io")
end)

T:section("--coverage fails and lists an untested indicator", function()
  local out, err, code = pinggu("test " .. DEMO .. " failing/partial.lua --coverage")
  T:eq("exit code", 1, code, err)
  T:contains("untested listed", out, "  online  全程网办率  (" .. DEMO .. "/ruleset.lua:16)")
  T:contains("coverage line", out, "coverage: 1 of 2 scored indicators tested")
  T:eq("summary", "1 passed, 0 failed", last_line(out))
  local _, _, plain = pinggu("test " .. DEMO .. " failing/partial.lua")
  T:eq("without --coverage it passes", 0, plain)
end)

T:section("no tests, a missing file, a malformed command line", function()
  local dir = L.tmpdir()
  os.execute("cp " .. L.quote(root .. "/" .. DEMO .. "/ruleset.lua") .. " "
    .. L.quote(root .. "/" .. DEMO .. "/units.csv") .. " " .. L.quote(dir))
  local _, err, code = L.run(L.quote(bin) .. " test " .. L.quote(dir))
  T:eq("no tests: exit code", 1, code)
  T:contains("no tests: message", err, "/tests holds no *.lua rule tests")
  local out, _, code2 = pinggu("test " .. DEMO .. " failing/nothing.lua")
  T:eq("missing file: exit code", 1, code2)
  T:contains("missing file: message", out, "failing/nothing.lua: cannot read")
  local _, _, code3 = pinggu("test")
  T:eq("no DIR: exit code", 2, code3)
end)

T:done()
