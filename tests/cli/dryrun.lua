-- tools.dryrun — `pinggu ingest --dry-run` and the columns a batch file may carry (issue 14 §2),
-- on the demo rule set (source "cases": org, accept_date, fully_online). A dry run shows how
-- the header's columns (or the first NDJSON record's keys) map to the source's fields, the
-- first 20 problems and the total, and what an ingest would do; it stores nothing: the data
-- directory, when there is one, is byte for byte what it was (no batch, no raw copy, the same
-- database), and one that does not exist is not made. A misspelled column is refused by the
-- real ingest too, naming the nearest declared name, with nothing stored.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"

local bin, root = L.args()
local T = L.tester("tools.dryrun")
local DEMO = root .. "/tests/cli/fixtures/demo"

local inbox = L.tmpdir()
local function file(name, text)
  L.write(inbox .. "/" .. name, text)
  return inbox .. "/" .. name
end

local good = file("good.csv", "org,accept_date,fully_online\njia,2021-05-03,true\nyi,2021-05-04,false\n"
  .. "xian,2021-05-05,true\n")
local typo = file("typo.csv", "org,accept_date,fuly_online\njia,2021-05-03,true\n")
local rows = { "fully_online,org,accept_date" }
for i = 1, 25 do rows[#rows + 1] = string.format("maybe,jia,2021-05-%02d", i) end
rows[#rows + 1] = "true,jia,2021-05-01"
local bad = file("bad.csv", table.concat(rows, "\n") .. "\n")
local nd = file("typo.ndjson", '{"org":"jia","accept_date":"2021-05-03","fully_online":true}\n'
  .. '{"org":"yi","accept_date":"2021-05-04","fuly_online":false}\n')

local function ingest(data, ...)
  local parts = { L.quote(bin), "ingest --rules", L.quote(DEMO), "--source cases" }
  if data then parts[#parts + 1] = "--data " .. L.quote(data) end
  for _, a in ipairs { ... } do parts[#parts + 1] = a end
  return L.run(table.concat(parts, " "))
end

-- Every file under dir with its size and SHA-256, one a line: equal text, equal directory.
local function snapshot(dir)
  local out = L.run("cd " .. L.quote(dir) .. " && find . -type f -print0 | sort -z | "
    .. "xargs -0 -r sha256sum")
  return out
end

T:section("a misspelled column: the mapping, the nearest name, nothing stored", function()
  local data = L.tmpdir() .. "/data" -- not there: a dry run must not make it
  local out, err, code = ingest(data, "--dry-run", L.quote(typo))
  T:eq("exit code", 1, code, err)
  T:contains("the header's columns", out, typo .. ": the header's columns of cases")
  T:matches("a declared column maps to its field", out, "\n +1 +org +%-> org %(string%)\n")
  T:matches("the undeclared one says so", out, "\n +3 +fuly_online +%-> %(not declared%)\n")
  T:matches("the field without a column", out, "<%- fully_online %(bool%): no column\n")
  T:contains("why, where and the nearest name", err, typo .. ":1: error: header: column 3 "
    .. "\"fuly_online\" is not a field of source 'cases'; did you mean 'fully_online'?")
  T:contains("and the missing field", err, "missing required column: fully_online")
  T:contains("what an ingest would do", out, typo .. ": dry run: an ingest would refuse this file; "
    .. "nothing stored")
  T:ok(not io.open(data, "r"), "the data directory is not made", data)

  -- the real ingest refuses it the same way, and stores nothing
  local data2 = L.tmpdir()
  out, err, code = ingest(data2, L.quote(typo))
  T:eq("ingest exit code", 1, code, err)
  T:contains("the same error", err, "did you mean 'fully_online'?")
  T:contains("rejected whole", err, "the batch is rejected, nothing stored")
  local list = L.run(L.quote(bin) .. " ingest --data " .. L.quote(data2) .. " --list")
  T:ok(not list:find("typo.csv", 1, true), "no batch of it", list)
  T:eq("no raw copy", "", L.run("ls " .. L.quote(data2 .. "/batches/raw") .. " 2>/dev/null"))
end)

T:section("a store is left exactly as it was", function()
  local data = L.tmpdir()
  local _, err, code = ingest(data, L.quote(good))
  T:eq("a real ingest first", 0, code, err)
  local before = snapshot(data)
  T:ok(before:find("pinggu.db", 1, true) ~= nil, "the store is there", before)
  local list_before = L.run(L.quote(bin) .. " ingest --data " .. L.quote(data) .. " --list")

  -- a good file: how many records, and still nothing stored
  local good2 = file("good2.csv", "accept_date,org,fully_online\n2021-05-06,bing,true\n"
    .. "2021-05-07,甲局,false\n")
  local out
  out, err, code = ingest(data, "--dry-run", L.quote(good2))
  T:eq("a good file: exit code 0", 0, code, err)
  T:eq("a good file: no problems", "", err)
  T:matches("mapped in the file's order", out, "\n +1 +accept_date +%-> accept_date %(time%)\n")
  T:contains("what an ingest would take", out, good2 .. ": dry run: 2 records of cases would be "
    .. "ingested; nothing stored")

  -- a bad file: the first 20 problems and the total, as an ingest reports them
  out, err, code = ingest(data, "--dry-run", L.quote(bad))
  T:eq("a bad file: exit code 1", 1, code, err)
  local n = 0
  for _ in err:gmatch(":%d+: error: fully_online: ") do n = n + 1 end
  T:eq("the first 20 problems", 20, n, err)
  T:contains("the first is at its line", err, bad .. ":2: error: fully_online: ")
  T:contains("the total", err, bad .. ": error: 25 problems: an ingest would reject the batch")

  -- the same bytes as the stored batch: a dry run does not say "already ingested" either
  out, err, code = ingest(data, "--dry-run", L.quote(good))
  T:eq("the stored file again: exit code 0", 0, code, err)
  T:contains("read like any other", out, ": dry run: 3 records of cases would be ingested")

  T:eq("the data directory is unchanged, byte for byte", before, snapshot(data))
  T:eq("the batch list is unchanged", list_before,
    L.run(L.quote(bin) .. " ingest --data " .. L.quote(data) .. " --list"))
end)

T:section("NDJSON: the first record's keys, an undeclared key at its line", function()
  local out, err, code = ingest(nil, "--dry-run", L.quote(nd))
  T:eq("exit code", 1, code, err)
  T:contains("the first record's keys", out, nd .. ": the keys of the first record of cases")
  T:matches("mapped", out, "\n +3 +fully_online +%-> fully_online %(bool%)\n")
  T:contains("the key, its line and the nearest name", err, nd .. ":2: error: key \"fuly_online\" "
    .. "is not a field of source 'cases'; did you mean 'fully_online'?")
end)

T:section("--dry-run takes files of a source only", function()
  local _, err, code = ingest(L.tmpdir(), "--dry-run --values " .. L.quote(good))
  T:eq("with --values: usage", 2, code, err)
  _, err, code = ingest(L.tmpdir(), "--dry-run")
  T:eq("without a file: usage", 2, code, err)
  _, err, code = L.run(L.quote(bin) .. " ingest --rules " .. L.quote(DEMO) .. " --source kases --dry-run "
    .. L.quote(good) .. " " .. L.quote(typo))
  T:eq("an unknown source: exit code", 1, code, err)
  local _, n = err:gsub("declares no such source", "")
  T:eq("said once, not once a file", 1, n, err)
end)

T:done()
