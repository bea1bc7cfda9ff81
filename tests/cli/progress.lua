-- tools.progress — the progress line of `pinggu ingest` and `pinggu eval` (cli/progress.c):
-- drawn on stderr when it is a terminal, here a pseudo-terminal made by util-linux's
-- `script`, with the threshold set to 0 by PINGGU_PROGRESS_AFTER_MS so that even a short run
-- shows it; erased at the end; and nothing of it when stderr is not a terminal. Nothing here
-- depends on how long a run takes.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"

local bin, root = L.args()
local T = L.tester("tools.progress")
local DEMO = root .. "/tests/cli/fixtures/demo"
local ERASE = "\r\27[K"

if not L.run("command -v script") :find("script") then
  io.stdout:write("SKIP: no `script` (util-linux) to make a terminal with\n")
  os.exit(77)
end

local inbox = L.tmpdir()
local rows = { "org,accept_date,fully_online" }
for i = 1, 3000 do
  rows[#rows + 1] = string.format("%s,2021-05-%02d,%s", ({ "jia", "yi", "bing", "xian" })[i % 4 + 1],
    i % 25 + 1, i % 3 == 0 and "false" or "true")
end
L.write(inbox .. "/cases.csv", table.concat(rows, "\n") .. "\n")

local function ingest_cmd(data)
  return table.concat({ L.quote(bin), "ingest --rules", L.quote(DEMO), "--data", L.quote(data),
    "--source cases", L.quote(inbox .. "/cases.csv") }, " ")
end

-- Runs cmd with stdout and stderr on a pseudo-terminal; returns what the terminal showed.
local function on_terminal(cmd, env)
  local out, err, code = L.run("env " .. (env or "") .. " script -qfec " .. L.quote(cmd) .. " /dev/null")
  return out, code, err
end

T:section("ingest on a terminal: a progress line, erased at the end", function()
  local data = L.tmpdir()
  local screen, code, err = on_terminal(ingest_cmd(data), "PINGGU_PROGRESS_AFTER_MS=0")
  T:eq("exit code", 0, code, err)
  T:contains("the line is drawn in place", screen, ERASE .. "pinggu ingest: ")
  T:matches("bytes of the known total", screen, "pinggu ingest: [%d.]+/[%d.]+ MiB %(%d+%%%)")
  local last = 0
  for i in screen:gmatch("()pinggu ingest: ") do last = i end
  T:ok(last > 0 and screen:find(ERASE, last, true) ~= nil, "the last line drawn is erased",
    screen:sub(last))
  T:contains("the command's own output is there", screen, "batch ")
  T:contains("…in full", screen, ": 3000 records of cases")
end)

T:section("stdout redirected, stderr a terminal: the file stays clean", function()
  local data, out = L.tmpdir(), L.tmpdir() .. "/out.txt"
  local screen, code = on_terminal(ingest_cmd(data) .. " >" .. L.quote(out), "PINGGU_PROGRESS_AFTER_MS=0")
  T:eq("exit code", 0, code)
  T:contains("the line goes to the terminal", screen, "pinggu ingest: ")
  local text = L.slurp(out) or ""
  T:contains("stdout has the batch line", text, ": 3000 records of cases\n")
  T:ok(not text:find("\r", 1, true) and not text:find("pinggu ingest:", 1, true),
    "stdout has nothing of the progress line", text)
end)

T:section("not a terminal: nothing", function()
  local data = L.tmpdir()
  local out, err, code = L.run("PINGGU_PROGRESS_AFTER_MS=0 " .. ingest_cmd(data))
  T:eq("exit code", 0, code, err)
  T:eq("stderr is empty", "", err)
  T:ok(not out:find("\r", 1, true) and not out:find("pinggu ingest:", 1, true), "stdout is clean", out)
end)

T:section("a threshold not reached: nothing", function()
  local data = L.tmpdir()
  local screen, code = on_terminal(ingest_cmd(data), "PINGGU_PROGRESS_AFTER_MS=3600000")
  T:eq("exit code", 0, code)
  T:ok(not screen:find("pinggu ingest:", 1, true) and not screen:find(ERASE, 1, true),
    "no line within the hour", screen)
end)

T:section("eval on a terminal: the stage, erased before the result", function()
  local cmd = table.concat({ L.quote(bin), "eval --rules", L.quote(DEMO), "--data", L.quote(DEMO .. "/data"),
    "--scheme monthly --period 2021-05 --format text" }, " ")
  local screen, code = on_terminal(cmd, "PINGGU_PROGRESS_AFTER_MS=0")
  T:eq("exit code", 0, code)
  T:matches("the line names what it does", screen, "pinggu eval: [^\r]*elapsed")
  T:contains("the result follows", screen, "乙局")
  local out, err = L.run("PINGGU_PROGRESS_AFTER_MS=0 " .. cmd)
  T:eq("not a terminal: stderr is empty", "", err)
  T:ok(not out:find("\r", 1, true), "not a terminal: stdout is clean")
end)

T:done()
