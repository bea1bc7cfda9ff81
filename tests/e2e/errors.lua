-- e2e.errors — bad input through the CLI (README, "Exit codes" and "Data"):
--   a data directory with one bad row (a copy of the sample with one line corrupted): exit 1,
--   stderr names file:line:column and says why, nothing on stdout;
--   an unknown scheme: exit 1, the schemes are listed; a period outside the rule set's year:
--   exit 1; --data naming a file: exit 1, saying to give it a directory of its own; a malformed
--   period, a missing option, an unknown format: exit 2.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"
local C = require "compare"

local ctx = C.setup("e2e.errors")
local T = ctx.T

local function eval(o)
  local opts = { rules = ctx.rules, data = ctx.sample, format = "json" }
  for k, v in pairs(o) do opts[k] = v end
  if o.format == false then opts.format = nil end
  return L.run(L.eval_cmd(ctx.bin, opts))
end

-- A copy of the sample's 2021-05.csv (and `file`) with line `lineno` of `file` replaced by
-- fn(old line). (One month is enough to evaluate 2021-05, and keeps the ASan run short.)
local function copy_sample(dir, files)
  for _, f in ipairs(files) do os.execute("cp " .. L.quote(ctx.sample .. "/" .. f) .. " " .. L.quote(dir)) end
end
local function corrupt(file, lineno, fn)
  local dir = L.tmpdir()
  copy_sample(dir, { "2021-05.csv", file })
  local path = dir .. "/" .. file
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  lines[lineno] = fn(lines[lineno])
  L.write(path, table.concat(lines, "\n") .. "\n")
  return dir, path
end

local function expect_bad_row(label, dir, path, line, column, why)
  local out, err, code = eval { data = dir, scheme = "monthly", period = "2021-05" }
  T:eq(label .. ": exit code", 1, code)
  T:eq(label .. ": stdout", "", out)
  T:contains(label .. ": stderr names file:line:column", err, string.format("%s:%d:%d:", path, line, column))
  T:contains(label .. ": stderr says why", err, why)
end

T:section("bad rows in a data file", function()
  -- line 5 of the fed 2021-05.csv is "chengqu,2021-05,mq_patrol_rate,0.9346,2080" (header = line 1)
  local dir, path = corrupt("2021-05.csv", 5, function(l)
    T:eq("sample 2021-05.csv line 5", "chengqu,2021-05,mq_patrol_rate,0.9346,2080", l)
    return (l:gsub("^chengqu,", "nowhere,"))
  end)
  expect_bad_row("unknown unit", dir, path, 5, 1, "nowhere")

  dir, path = corrupt("2021-05.csv", 5, function(l) return (l:gsub(",0%.9346,", ",abc,")) end)
  expect_bad_row("non-number value", dir, path, 5, 4, "abc")

  dir, path = corrupt("2021-05.csv", 5, function(l) return (l:gsub(",mq_patrol_rate,", ",no_such_metric,")) end)
  expect_bad_row("unknown metric", dir, path, 5, 3, "no_such_metric")

  dir, path = corrupt("2021-05.csv", 5, function(l) return (l:gsub(",2080$", ",-3")) end)
  expect_bad_row("negative n", dir, path, 5, 5, "-3")

  dir, path = corrupt("2021-05.csv", 5, function(l) return (l:gsub(",2021%-05,", ",2021-5,")) end)
  expect_bad_row("malformed period in a row", dir, path, 5, 2, "2021-5")

  -- a bad row in another month's file still stops the evaluation (a file is taken whole)
  dir, path = corrupt("2021-03.csv", 2, function(l) return (l:gsub("^(%w+,[^,]+,[^,]+,)[^,]+", "%1x")) end)
  expect_bad_row("bad value in another month's file", dir, path, 2, 4, "not a number")
end)

T:section("duplicate rows", function()
  -- line 5 repeated at the end of the file: exit 1, names the file, the line and the earlier line
  local dir = L.tmpdir()
  copy_sample(dir, { "2021-05.csv" })
  local path = dir .. "/2021-05.csv"
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  local dup = #lines + 1
  lines[dup] = lines[5]
  L.write(path, table.concat(lines, "\n") .. "\n")
  local out, err, code = eval { data = dir, scheme = "monthly", period = "2021-05" }
  T:eq("duplicate row: exit code", 1, code)
  T:eq("duplicate row: stdout", "", out)
  T:matches("duplicate row: stderr names file:line:column", err, L.pattern(path) .. ":" .. dup .. ":%d+: ")
  T:contains("duplicate row: stderr says why", err, "duplicate")
  T:contains("duplicate row: stderr names the earlier line", err, "line 5")
  -- the same row in a second file
  local dir2 = L.tmpdir()
  copy_sample(dir2, { "2021-05.csv" })
  L.write(dir2 .. "/2021-05-extra.csv", "unit,period,metric,value,n\n" .. lines[5] .. "\n")
  out, err, code = eval { data = dir2, scheme = "monthly", period = "2021-05" }
  T:eq("duplicate across files: exit code", 1, code)
  T:eq("duplicate across files: stdout", "", out)
  T:matches("duplicate across files: names the second file, line and column", err,
    L.pattern(dir2 .. "/2021-05.csv") .. ":5:%d+: ")
  T:contains("duplicate across files: says why", err, "duplicate")
end)

T:section("unknown scheme, period outside the year, wrong kind of period, unknown unit", function()
  local may = L.tmpdir()
  copy_sample(may, { "2021-05.csv", "2021.csv" })
  local outer = eval
  local function eval(o)
    o.data = o.data or may
    return outer(o)
  end
  local out, err, code = eval { scheme = "weekly", period = "2021-05" }
  T:eq("unknown scheme: exit code", 1, code)
  T:eq("unknown scheme: stdout", "", out)
  T:contains("unknown scheme: says which", err, "weekly")
  for _, s in ipairs { "monthly", "year_end", "annual" } do T:contains("unknown scheme: lists " .. s, err, s) end

  out, err, code = eval { scheme = "monthly", period = "2022-01" }
  T:eq("period 2022-01: exit code", 1, code)
  T:eq("period 2022-01: stdout", "", out)
  T:contains("period 2022-01: says why", err, "2021")

  out, err, code = eval { scheme = "year_end", period = "2020" }
  T:eq("period 2020: exit code", 1, code)
  T:eq("period 2020: stdout", "", out)

  out, err, code = eval { scheme = "monthly", period = "2021" }
  T:eq("monthly with a year period: exit code", 1, code)
  T:eq("monthly with a year period: stdout", "", out)

  out, err, code = eval { scheme = "monthly", period = "2021-05", unit = "nobody" }
  T:eq("unknown unit: exit code", 1, code)
  T:eq("unknown unit: stdout", "", out)
  T:contains("unknown unit: says which", err, "nobody")

  local empty = L.tmpdir()
  out, err, code = eval { scheme = "monthly", period = "2021-05", data = empty }
  T:eq("empty data dir: exit code", 1, code)
  T:eq("empty data dir: stdout", "", out)

  -- a month the data do not cover
  local few = L.tmpdir()
  os.execute("cp " .. L.quote(ctx.sample) .. "/2021-05.csv " .. L.quote(few))
  out, err, code = eval { scheme = "monthly", period = "2021-06", data = few }
  T:eq("no data for the period: exit code", 1, code)
  T:eq("no data for the period: stdout", "", out)
  T:contains("no data for the period: says why", err, "no data")
end)

T:section("--data naming a file: exit 1, and what to do instead", function()
  local file = ctx.sample .. "/2021-05.csv"
  local out, err, code = eval { data = file, scheme = "monthly", period = "2021-05" }
  T:eq("exit code", 1, code)
  T:eq("stdout", "", out)
  T:contains("names the file and says a directory is expected", err,
    file .. ": error: this is a file, and a data directory is expected")
  T:contains("says how to evaluate one file", err, "put it in a directory of its own")
end)

T:section("malformed command lines: exit 2", function()
  for _, p in ipairs { "2021-13", "21-05", "2021-5", "2021-05-01" } do
    local out, err, code = eval { scheme = "monthly", period = p }
    T:eq("period '" .. p .. "': exit code", 2, code)
    T:eq("period '" .. p .. "': stdout", "", out)
    T:ok(err ~= "", "period '" .. p .. "': says something on stderr")
  end
  local out, err, code = eval { scheme = "monthly", period = "2021-05", format = "xml" }
  T:eq("--format xml: exit code", 2, code)
  T:eq("--format xml: stdout", "", out)
  -- missing options, one at a time
  local full = { rules = ctx.rules, data = ctx.sample, scheme = "monthly", period = "2021-05" }
  for _, drop in ipairs { "rules", "data", "scheme", "period" } do
    local o = {}
    for k, v in pairs(full) do if k ~= drop then o[k] = v end end
    out, err, code = L.run(L.eval_cmd(ctx.bin, o))
    T:eq("without --" .. drop .. ": exit code", 2, code)
    T:eq("without --" .. drop .. ": stdout", "", out)
    T:contains("without --" .. drop .. ": usage on stderr", err, "usage")
  end
  out, err, code = L.run(L.quote(ctx.bin) .. " eval")
  T:eq("bare eval: exit code", 2, code)
  out, err, code = L.run(L.eval_cmd(ctx.bin, full) .. " --bogus")
  T:eq("unknown option: exit code", 2, code)
  out, err, code = L.run(L.eval_cmd(ctx.bin, full) .. " extra-argument")
  T:eq("stray argument: exit code", 2, code)
end)

T:done()
