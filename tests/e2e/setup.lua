-- setup.lua — the e2e fixture: the Shanwei sample as the main job sees it, at a small scale.
--
--   lua5.4 setup.lua PINGGU SOURCE_ROOT GEN_RAW WORK
--
-- Writes WORK/raw (tools/gen-raw.c at scale 0.05, the default seed), WORK/data (the fed
-- sample CSVs plus every source's raw files ingested with `pinggu ingest`) and WORK/expected
-- (the computed metrics worked out from WORK/raw by raw_model.lua, without pinggu). The other
-- e2e tests evaluate WORK/data and compare with the fed sample plus WORK/expected.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"
local M = require "model"
local R = require "raw_model"

local bin, root, gen, work = arg[1], arg[2], arg[3], arg[4]
if not (bin and root and gen and work) then
  io.stderr:write("usage: lua5.4 setup.lua PINGGU SOURCE_ROOT GEN_RAW WORK\n")
  os.exit(2)
end
local T = L.tester("e2e.setup")
local rules = root .. "/rules/shanwei-2021"
local SCALE = "0.05"
local SOURCES = { "cases", "reviews", "ecert_uses", "eseal_uses", "app_services", "mq_events", "sm_requests" }

os.execute("rm -rf " .. L.quote(work))
os.execute("mkdir -p " .. L.quote(work .. "/data"))
local _, err, code = L.run(L.quote(gen) .. " --scale " .. SCALE .. " --units " .. L.quote(rules .. "/units.csv")
  .. " --out " .. L.quote(work .. "/raw"))
T:eq("gen-raw exit code", 0, code, err)
os.execute("cp " .. L.quote(rules) .. "/sample/*.csv " .. L.quote(work .. "/data/"))
for _, s in ipairs(SOURCES) do
  local out, e, c = L.run(("%s ingest --rules %s --data %s --source %s %s"):format(L.quote(bin),
    L.quote(rules), L.quote(work .. "/data"), s, L.quote(work .. "/raw/" .. s)))
  T:eq("ingest " .. s .. " exit code", 0, c, e)
  T:ok(out:find("records of " .. s, 1, true), "ingest " .. s .. " reports its batches", out)
end
local units = M.load_units(rules .. "/units.csv")
R.write(R.compute(work .. "/raw", units), work .. "/expected")
T:done()
