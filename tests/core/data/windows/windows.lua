-- windows.lua — the cut-off, year_to_date, rolling windows, due and a metric with a month and a
-- year window, through the real binary: `pinggu ingest` of planted records, then `pinggu eval`.
--
--   lua5.4 windows.lua PINGGU FIXTURE_DIR
--
-- Completions are planted one second before and one second after the cut-off of May (24:00 on
-- 25 May, local time and as Z), and of the year (24:00 on 31 December); deadlines inside and
-- outside May. The expected figures are worked out by hand below, record by record
-- (docs/data.md, "Sampling months and windows").
local cjson = require "cjson"
local bin, fixture = arg[1], arg[2]
local failures, checks = 0, 0

local function fail(fmt, ...)
  failures = failures + 1
  io.stderr:write("FAIL " .. fmt:format(...) .. "\n")
end
local tmp = io.popen("mktemp -d"):read("l")
local function run(cmd)
  local f = io.popen(cmd .. " 2>" .. tmp .. "/stderr", "r")
  local out = f:read("a")
  local ok, _, code = f:close()
  local e = io.open(tmp .. "/stderr"):read("a")
  return out, e, ok and 0 or code
end
local data = tmp .. "/data"
os.execute("mkdir -p " .. data)

-- id, unit, opened, done, deadline
local rows = {
  -- April (26 Mar – 25 Apr): done after April's cut-off, due in May and late
  { "e0", "ga", "2021-04-20 09:00:00", "2021-05-20 09:00:00", "2021-05-10 18:00:00" },
  -- May: done one second before / at the cut-off, in local time and as Z
  { "e1", "ga", "2021-05-10 09:00:00", "2021-05-25 23:59:59", "2021-05-26 10:00:00" },
  { "e2", "ga", "2021-05-10 09:00:00", "2021-05-26 00:00:00", "" },
  { "e3", "ga", "2021-05-11 09:00:00", "2021-05-25T15:59:59Z", "2021-06-30 18:00:00" },
  { "e4", "ga", "2021-05-11 09:00:00", "2021-05-25T16:00:00Z", "2021-05-20 18:00:00" },
  -- late December: calendar year 2021 (sampling month 2022-01); done one second before / at the
  -- year's end
  { "e5", "ga", "2021-12-28 10:00:00", "2021-12-31 23:59:59", "" },
  { "e6", "ga", "2021-12-30 10:00:00", "2022-01-01 00:00:00", "" },
  -- late December 2020: sampling month 2021-01, calendar year 2020
  { "e7", "ga", "2020-12-28 10:00:00", "2020-12-29 10:00:00", "" },
  -- the year-end window's first second, and the one before it
  { "e8", "rs", "2021-10-09 23:59:59", "", "" },
  { "e9", "rs", "2021-10-10 00:00:00", "", "" },
}
local f = io.open(tmp .. "/events.csv", "w")
f:write("id,org,opened_at,done_at,deadline\n")
for _, r in ipairs(rows) do f:write(table.concat(r, ",") .. "\n") end
f:close()

local out, err, code = run(("%s ingest --rules %s --data %s --source events %s/events.csv"):format(
  bin, fixture, data, tmp))
if code ~= 0 then fail("ingest exit %s: %s", code, err) end

local function eval_values(scheme, period)
  local o, e, c = run(("%s eval --rules %s --data %s --scheme %s --period %s"):format(bin, fixture,
    data, scheme, period))
  if c ~= 0 then fail("eval %s exit %s: %s", period, c, e); return {} end
  local vals = {}
  for _, u in ipairs(cjson.decode(o).units) do
    for _, ind in ipairs(u.indicators) do
      if ind.leaf and ind.value ~= nil and ind.value ~= cjson.null then
        vals[u.unit .. ":" .. ind.metric] = { ind.value, ind.n }
      end
    end
  end
  return vals
end

-- want: nil (no value), or { value, n }
local function expect(vals, period, key, want)
  checks = checks + 1
  local got = vals[key]
  if want == nil then
    if got ~= nil then fail("%s %s: expected no value, got %s (n %s)", period, key, tostring(got[1]), tostring(got[2])) end
    return
  end
  if got == nil then fail("%s %s: expected %s (n %s), got no value", period, key, want[1], want[2]); return end
  -- (eval's JSON gives values to 6 decimals)
  if math.abs(got[1] - want[1]) > 1e-6 or (want[2] and got[2] ~= want[2]) then
    fail("%s %s: expected %s (n %s), got %s (n %s)", period, key, want[1], tostring(want[2]),
      tostring(got[1]), tostring(got[2]))
  end
end

local want = {
  ["2021-01"] = { done_by_cutoff = { 1, 1 }, both_done = { 1, 1 }, rolling_n = { 1 } },
  ["2021-04"] = {
    -- e0 was done on 20 May: after April's cut-off, so not done as April saw it
    -- (working days after 20 April up to 25 April, a Sunday here: 21–23 April)
    done_by_cutoff = { 0, 1 }, done_ever = { 1, 1 }, n_done = nil, wd_to_cutoff = { 3 },
    ytd_done = { 0.5, 2 }, -- e7 (January, done) and e0
    rolling_n = { 1 }, due_ontime = nil, both_done = { 0, 1 },
  },
  ["2021-05"] = {
    -- e1 and e3 were done one second before the cut-off, e2 and e4 at it
    done_by_cutoff = { 0.5, 4 }, done_ever = { 1, 4 }, n_done = { 2 }, both_done = { 0.5, 4 },
    -- working days after 10 May up to the cut-off's date, 25 May (not the 26th: 12)
    wd_to_cutoff = { 11 },
    -- Jan..May as at May's cut-off: e7 (January), e0 (done 20 May), e1, e3
    ytd_done = { 4 / 6, 6 },
    rolling_n = { 5 }, -- March, April, May: e0 + e1..e4
    -- due in May: e0 (done 20 May, due 10 May) and e4 (done 26 May, due 20 May), both late;
    -- e1 (due 26 May: June) and e3 (due in July) are not yet due and not counted
    due_ontime = { 0, 2 },
  },
  ["2021-06"] = {
    -- no record of June: year_to_date still has a value, every completion now by the cut-off
    done_by_cutoff = nil, ytd_done = { 1, 6 }, rolling_n = { 5 }, due_ontime = { 1, 1 },
  },
  ["2021-07"] = { ytd_done = { 1, 6 }, rolling_n = { 4 }, due_ontime = { 1, 1 } },
  ["2021-08"] = { ytd_done = { 1, 6 }, rolling_n = nil, due_ontime = nil },
  ["2021-12"] = { ytd_done = { 1, 6 }, rolling_n = nil },
}
for period, metrics in pairs(want) do
  local vals = eval_values("m", period)
  for _, m in ipairs { "done_by_cutoff", "done_ever", "n_done", "wd_to_cutoff", "ytd_done",
                       "rolling_n", "due_ontime", "both_done" } do
    if metrics[m] ~= nil or period == "2021-04" or period == "2021-05" then
      expect(vals, period, "ga:" .. m, metrics[m])
    end
  end
end

-- the year scheme reads both_done's year window: the calendar year 2021, done by 24:00 on 31
-- December: e0..e5 done, e6 done a second after; e7 (28 Dec 2020) is 2020's
local year = eval_values("y", "2021")
expect(year, "2021", "ga:both_done", { 6 / 7, 7 })
expect(year, "2021", "ga:ye_n", { 2 })
expect(year, "2021", "rs:ye_n", { 1 })

-- a bad window is refused at the metric's file:line (line 21: the metric() call of the helper)
local bad = tmp .. "/bad"
os.execute(("cp -r %s %s"):format(fixture, bad))
local text = io.open(bad .. "/ruleset.lua"):read("a")
text = text:gsub('over = { months = 3 }', 'over = { months = 13 }')
  :gsub('due = "deadline"', 'due = "org"')
  :gsub('over = { month = "month", year = "year" }', 'over = { month = "year_end" }')
local out = io.open(bad .. "/ruleset.lua", "w")
out:write(text)
out:close()
local _, e, c = run(("%s check %s"):format(bin, bad))
checks = checks + 1
if c ~= 1 then fail("check of bad windows: exit %s", c) end
checks = checks + 1
if e:find("names no window", 1, true) then fail("a wrong window is reported once:\n%s", e) end
for _, msg in ipairs {
  "ruleset.lua:21: error: metric 'rolling_n': over as a table must be { months = N }",
  "ruleset.lua:21: error: metric 'due_ontime': due = \"org\" must be a time of the record",
  "ruleset.lua:21: error: metric 'both_done': over.month = 'year_end' is a window of year periods; put it under over.year",
} do
  checks = checks + 1
  if not e:find(msg, 1, true) then fail("check should say %q; said:\n%s", msg, e) end
end

-- a monthly scheme reading a metric that has only a year window (ye_n) is warned about: its
-- leaf would never have a value there (a check of the whole tree, run once the fields are sound)
local bad2 = tmp .. "/bad2"
os.execute(("cp -r %s %s"):format(fixture, bad2))
text = io.open(bad2 .. "/ruleset.lua"):read("a")
  :gsub('local monthly = { "done_by_cutoff",', 'local monthly = { "ye_n", "done_by_cutoff",')
out = io.open(bad2 .. "/ruleset.lua", "w")
out:write(text)
out:close()
_, e, c = run(("%s check %s"):format(bin, bad2))
checks = checks + 2
if c ~= 0 then fail("check of a monthly leaf on a year-only metric: exit %s (a warning)", c) end
local msg = "warning: indicator 'i_ye_n' is scored in scheme 'm' (period = \"month\"), but metric " ..
  "'ye_n' has no window for month periods (over: year_end)"
if not e:find(msg, 1, true) then fail("check should say %q; said:\n%s", msg, e) end

os.execute("rm -rf " .. tmp)
print(("windows: %d checks, %d failed"):format(checks, failures))
os.exit(failures == 0 and 0 or 1)
