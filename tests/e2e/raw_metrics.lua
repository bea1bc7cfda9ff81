-- e2e.raw_metrics — every metric pinggu computes from the ingested raw batches, for every unit,
-- every sampling month and the year, against raw_model.lua's figures from the same raw files
-- (setup.lua wrote them to WORK/expected). Values are read from the leaves of `pinggu eval`'s
-- JSON (6 decimals); a metric no indicator reads (ecert_calls) is not visible there.
-- Also: the 25th/26th cut-off records, and that both sides see the same set of cells.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"
local M = require "model"
local C = require "compare"
local R = require "raw_model"

local ctx = C.setup("e2e.raw_metrics")
local T = ctx.T
local expected = M.load_data(ctx.work .. "/expected", ctx.units)

local computed = {}
for _, metrics in pairs(expected) do for m in pairs(metrics) do computed[m] = true end end
for _, m in ipairs { "full_online_rate", "ontime_rate", "bad_reviews", "bad_rectify_rate", "eseal_uses",
                     "yue_visits", "mq_response_hours", "sm_satisfaction", "zero_visit_rate" } do
  T:ok(computed[m], "the raw sample yields " .. m)
end

local compared, periods = 0, {}
for mo = 1, 12 do periods[#periods + 1] = { "monthly", string.format("2021-%02d", mo) } end
periods[#periods + 1] = { "year_end", "2021" }
for _, sp in ipairs(periods) do
  local scheme, period = sp[1], sp[2]
  local doc = ctx.eval(scheme, period)
  for _, u in ipairs(doc.units or {}) do
    for _, i in ipairs(u.indicators or {}) do
      if i.leaf and computed[i.metric] then
        local e = ((expected[period] or {})[i.metric] or {})[u.unit]
        local label = string.format("%s %s %s", period, u.unit, i.metric)
        local v, n = C.num(i.value), C.num(i.n)
        if e == nil then
          T:eq(label .. ": no value on either side", nil, v)
        else
          compared = compared + 1
          T:near(label .. " value", e.value, v, 1e-6 + 1e-9 * math.abs(e.value))
          T:near(label .. " n", e.n, n, 1e-6)
        end
      end
    end
  end
end
T:ok(compared > 3000, "a meaningful number of cells compared", tostring(compared))

-- The cut-off: gen-raw writes cases at 23:59:59 on the 25th (local and as 15:59:59Z) and at
-- 00:00:00 on the 26th (local and as 16:00:00Z the day before); check our own reading of them.
T:eq("23:59:59 on 25 May is May", "2021-05", R.sampling_month(R.parse_time("2021-05-25 23:59:59")))
T:eq("15:59:59Z on 25 May is May", "2021-05", R.sampling_month(R.parse_time("2021-05-25T15:59:59Z")))
T:eq("00:00:00 on 26 May is June", "2021-06", R.sampling_month(R.parse_time("2021-05-26 00:00:00")))
T:eq("16:00:00Z on 25 May is June", "2021-06", R.sampling_month(R.parse_time("2021-05-25T16:00:00Z")))
T:eq("26 Dec 2020 is January 2021", "2021-01", R.sampling_month(R.parse_time("2020-12-26T00:00:00+08:00")))
T:eq("workdays over the May Day holiday", 2, R.workdays(R.parse_time("2021-04-30 10:00:00"), R.parse_time("2021-05-07 10:00:00")))
local boundary = 0
for line in io.lines(ctx.work .. "/raw/cases/2021-05.csv") do
  if line:find(",2021-05-25 23:59:59,", 1, true) or line:find(",2021-05-25T15:59:59Z,", 1, true) then
    boundary = boundary + 1
  end
end
T:ok(boundary >= 4, "the May cases file has records at the cut-off", tostring(boundary))
local misplaced = 0
for line in io.lines(ctx.work .. "/raw/cases/2021-06.csv") do
  if line:find(",2021-05-25 23:59:59,", 1, true) then misplaced = misplaced + 1 end
end
T:eq("no 25 May 23:59:59 record in June's file", 0, misplaced)
T:done()
