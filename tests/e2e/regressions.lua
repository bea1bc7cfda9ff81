-- e2e.regress_* — bugs of the engine / CLI this suite found, fixed since; each case pins one.
--
--   lua5.4 regressions.lua PINGGU SOURCE_ROOT CASE WORK   (WORK: the fixture setup.lua writes)
--
-- round_large      pg_round (core/base/round.c) nudges by 1e-9 × the *scaled* value, so a
--                  large number printed with 6 decimals gains spurious digits: the sample's
--                  n = 3000 is printed 3000.000003, yue_visits 1679031 as 1679031.001679.
-- tie_order        units sharing a rank are listed in units.csv order, not "by code, then id"
--                  (README, Rounding and ties): report_json.c:99-106 sorts by rank only,
--                  report_csv.c:33-36 and report_text.c:129-131 loop rank, then units.csv order.
-- csv_unit_annual  `--format csv --unit X` on the annual (a scheme of schemes) prints the whole
--                  ranking (report_csv.c:86 falls back to ranking() when there are no cells),
--                  while JSON and text show only that unit.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = L.args()
local which, work = arg[3], arg[4]
local RULES = root .. "/rules/shanwei-2021"
local SAMPLE = assert(work, "usage: regressions.lua PINGGU SOURCE_ROOT CASE WORK") .. "/data"
local T = L.tester("e2e.regress_" .. tostring(which))

local function run(o)
  local opts = { rules = RULES, data = SAMPLE }
  for k, v in pairs(o) do opts[k] = v end
  return L.run(L.eval_cmd(bin, opts))
end

local cases = {}

function cases.round_large()
  -- the figures that showed the bug, fed directly (the sample now computes these metrics from
  -- raw records, with other numbers)
  local dir = L.tmpdir()
  L.write(dir .. "/2021-05.csv", "unit,period,metric,value,n\nweijian,2021-05,ontime_rate,0.9907,3000\n")
  L.write(dir .. "/2021.csv", "unit,period,metric,value,n\nrenshe,2021,yue_visits,1679031,\n" ..
    "renshe,2021,eseal_uses,194847,\nrenshe,2021,case_sync_rate,0.99,240073\n")
  local out = run { data = dir, scheme = "monthly", period = "2021-05", format = "json", unit = "weijian" }
  local doc = cjson.decode(out)
  for _, i in ipairs(doc.units[1].indicators) do
    if i.id == "mon_ontime" then T:eq("2021-05 weijian mon_ontime n (exactly the CSV's 3000)", 3000, i.n) end
  end
  out = run { data = dir, scheme = "year_end", period = "2021", format = "json", unit = "renshe" }
  doc = cjson.decode(out)
  for _, i in ipairs(doc.units[1].indicators) do
    if i.id == "bu_visits" then T:eq("2021 renshe bu_visits value", 1679031, i.value) end
    if i.id == "bs_uses" then T:eq("2021 renshe bs_uses value", 194847, i.value) end
    if i.id == "bss_sync" then T:eq("2021 renshe bss_sync n", 240073, i.n) end
  end
  out = run { data = dir, scheme = "year_end", period = "2021", format = "csv", unit = "renshe" }
  local _, rows = L.read_csv_text(out)
  for _, r in ipairs(rows) do
    if r.indicator == "bu_visits" then T:eq("csv renshe bu_visits value", "1679031.000000", r.value) end
    if r.indicator == "bs_uses" then T:eq("csv renshe bs_uses value", "194847.000000", r.value) end
  end
end

function cases.tie_order()
  -- 陆丰市 (441581) comes before 红海湾经济开发区 (441540) in units.csv; give both the same data
  local dir = L.tmpdir()
  L.write(dir .. "/2021.csv", "unit,period,metric,value,n\n" ..
    "lufeng,2021,innovations,1,\nhonghaiwan,2021,innovations,1,\n")
  local out, err, code = run { data = dir, scheme = "year_end", period = "2021", format = "json" }
  T:eq("exit code", 0, code, err)
  local doc = cjson.decode(out)
  local order = {}
  for _, g in ipairs(doc.groups) do
    if g.id == "county" then
      for _, r in ipairs(g.ranking) do
        if r.unit == "lufeng" or r.unit == "honghaiwan" then
          order[#order + 1] = r.unit
          T:eq("json " .. r.unit .. " shares rank 1", 1, r.rank)
        end
      end
    end
  end
  T:eq("json: tied units listed by code (441540 before 441581)", "honghaiwan,lufeng", table.concat(order, ","))
  out = run { data = dir, scheme = "year_end", period = "2021", format = "csv" }
  local _, rows = L.read_csv_text(out)
  order = {}
  for _, r in ipairs(rows) do
    if r.unit == "lufeng" or r.unit == "honghaiwan" then order[#order + 1] = r.unit end
  end
  T:eq("csv: tied units listed by code", "honghaiwan,lufeng", table.concat(order, ","))
  out = run { data = dir, scheme = "year_end", period = "2021", format = "text" }
  local a, b = out:find("红海湾经济开发区", 1, true), out:find("陆丰市", 1, true)
  T:ok(a and b and a < b, "text: 红海湾经济开发区 (441540) listed before 陆丰市 (441581)")
end

function cases.csv_unit_annual()
  local out, err, code = run { scheme = "annual", period = "2021", format = "csv", unit = "renshe" }
  T:eq("exit code", 0, code, err)
  local _, rows = L.read_csv_text(out)
  T:ok(#rows > 0, "some rows")
  local others = 0
  for _, r in ipairs(rows) do
    if r.unit ~= "renshe" then others = others + 1 end
  end
  T:eq("csv --unit renshe (annual): rows about other units", 0, others)
end

if not cases[which] then
  io.stderr:write("bugs.lua: unknown case " .. tostring(which) .. "\n")
  os.exit(2)
end
T:section(which, cases[which])
T:done()
