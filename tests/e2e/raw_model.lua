-- raw_model.lua — the computed metrics of rules/shanwei-2021 worked out in plain Lua from the
-- raw batch files that tools/gen-raw.c writes, independently of pinggu.
--
--   R.compute(raw_dir, units) → data[period][metric][unit_id] = { value = v, n = n }
--   R.write(data, dir)        writes them as fed-value CSVs (unit,period,metric,value,n)
--
-- Every definition below is transcribed by hand from metrics.lua (the line is given) and the
-- README (sampling month: 26th of M−1 00:00 ≤ t < 26th of M 00:00, Asia/Shanghai; year: the
-- calendar year, 1 Jan – 31 Dec; year end: 10 Oct – 31 Dec; workdays(a, b): working days after
-- a's date up to b's date; a repeated key counts once, the first one read) and docs/data.md
-- (`cutoff`: the last instant of the window a record is counted in, so an event counts as
-- happened by the cut-off when its time is before the window's end; `due`: a record is placed
-- by its deadline instead of its own time; { months = k }: the k months ending with N;
-- year_to_date: each month N sees the months 1..N as at N's own cut-off). Timestamps, the calendar, the unit lookup, CSV and NDJSON
-- are read here with code of our own; nothing of pinggu's is called.
local cjson = require "cjson"
local L = require "lib"

local R = {}

-- sources.lua: the calendar (days off on weekdays, working weekend days)
local HOLIDAYS, WORKDAYS = {}, {}
for d in ([[2021-01-01 2021-02-11 2021-02-12 2021-02-15 2021-02-16 2021-02-17 2021-04-05
  2021-05-03 2021-05-04 2021-05-05 2021-06-14 2021-09-20 2021-09-21 2021-10-01 2021-10-04
  2021-10-05 2021-10-06 2021-10-07 2022-01-03]]):gmatch("%S+") do HOLIDAYS[d] = true end
for d in ([[2021-02-07 2021-02-20 2021-04-25 2021-05-08 2021-09-18 2021-09-26
  2021-10-09]]):gmatch("%S+") do WORKDAYS[d] = true end

-- days since 1970-01-01 of a civil date (Howard Hinnant's algorithm)
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

-- A timestamp as seconds of Shanghai wall time since 1970 (local form, +08:00 or Z).
local function parse_time(s)
  if s == nil or s == "" then return nil end
  local y, mo, d, rest = s:match("^(%d%d%d%d)-(%d%d)-(%d%d)(.*)$")
  assert(y, "bad time " .. s)
  local hh, mi, ss, zone = 0, 0, 0, ""
  if rest ~= "" then
    local h, m, sec, z = rest:match("^[T ](%d%d):(%d%d):(%d%d)(.*)$")
    assert(h, "bad time " .. s)
    hh, mi, ss, zone = tonumber(h), tonumber(m), tonumber(sec), z
  end
  local t = days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400 + hh * 3600 + mi * 60 + ss
  if zone == "Z" then t = t + 8 * 3600
  elseif zone ~= "" then assert(zone == "+08:00", "unexpected offset " .. zone) end
  return t
end
R.parse_time = parse_time

local function civil(t) -- local seconds → y, m, d
  local z = t // 86400 + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  return yoe + era * 400 + (m <= 2 and 1 or 0), m, d
end

local function sampling_month(t)
  local y, m, d = civil(t)
  if d >= 26 then
    m = m + 1
    if m == 13 then y, m = y + 1, 1 end
  end
  return string.format("%04d-%02d", y, m)
end
R.sampling_month = sampling_month

local function in_year_end(t)
  local y = civil(t)
  return y == 2021 and t >= days_from_civil(2021, 10, 10) * 86400 and t < days_from_civil(2022, 1, 1) * 86400
end

-- the end of sampling month "YYYY-MM" (00:00 on its 26th, local seconds): its cut-off is the
-- instant before, so "by the cut-off" is t < month_end(M)
local function month_end(M)
  local y, m = M:match("^(%d+)-(%d+)$")
  return days_from_civil(tonumber(y), tonumber(m), 26) * 86400
end
-- the calendar year of t (the `year` window) and its end, 1 Jan of the next year 00:00
local function cal_year(t) return tostring((civil(t))) end
local function year_end_of(Y) return days_from_civil(tonumber(Y) + 1, 1, 1) * 86400 end

local function days(a, b)
  if a == nil or b == nil then return nil end
  return (b - a) / 86400
end

-- working days after a's date up to and including b's date (negative when b is earlier)
local wd_cache = {}
local function is_workday(day)
  local w = wd_cache[day]
  if w == nil then
    local y, m, d = civil(day * 86400)
    local key = string.format("%04d-%02d-%02d", y, m, d)
    local dow = (day + 4) % 7 -- 0 = Sunday (1970-01-01 was a Thursday)
    w = WORKDAYS[key] or (dow ~= 0 and dow ~= 6 and not HOLIDAYS[key]) or false
    wd_cache[day] = w
  end
  return w
end
local function workdays(a, b)
  if a == nil or b == nil then return nil end
  local da, db = a // 86400, b // 86400
  local n, sign = 0, 1
  if db < da then da, db, sign = db, da, -1 end
  for day = da + 1, db do if is_workday(day) then n = n + 1 end end
  return sign * n
end
R.workdays = workdays

-- ---- readers ----
local function csv_rows(path, fn)
  local f = assert(io.open(path))
  local header = L.csv_split(f:read("l"))
  for line in f:lines() do
    assert(not line:find('"', 1, true), path .. ": the generator writes no quotes")
    local r, i = {}, 1
    for v in (line .. ","):gmatch("([^,]*),") do r[header[i]] = v; i = i + 1 end
    fn(r)
  end
  f:close()
end
local function ndjson_rows(path, fn)
  for line in io.lines(path) do
    local o = cjson.decode(line)
    local r = {}
    for k, v in pairs(o) do r[k] = v == cjson.null and "" or tostring(v) end
    fn(r)
  end
end
local function each(raw, source, fn)
  local p = io.popen("ls " .. L.quote(raw .. "/" .. source))
  local files = {}
  for name in p:lines() do files[#files + 1] = name end
  p:close()
  table.sort(files)
  for _, name in ipairs(files) do
    local path = raw .. "/" .. source .. "/" .. name
    if name:match("%.ndjson$") then ndjson_rows(path, fn) else csv_rows(path, fn) end
  end
end

local function num(s) if s == nil or s == "" then return nil end return assert(tonumber(s)) end
local function bool(s) if s == nil or s == "" then return nil end return s == "true" or s == "1" end

-- ---- accumulation: acc[metric][unit][period] = { n, hits, sum, den, valued, max } ----
local acc
local function cell(metric, unit, period)
  local m = acc[metric] or {}; acc[metric] = m
  local u = m[unit] or {}; m[unit] = u
  local c = u[period]
  if not c then c = { n = 0, hits = 0, sum = 0, den = 0, valued = 0 }; u[period] = c end
  return c
end
local KIND = {}
-- share: where → population, cond → hits
local function share(metric, unit, period, cond)
  KIND[metric] = "share"
  local c = cell(metric, unit, period)
  c.n = c.n + 1
  if cond then c.hits = c.hits + 1 end
end
local function ratio(metric, unit, period, v, d)
  KIND[metric] = "ratio"
  local c = cell(metric, unit, period)
  c.n = c.n + 1
  if v ~= nil and d ~= nil then c.sum = c.sum + v; c.den = c.den + d end
end
local function valued(kind, metric, unit, period, v)
  KIND[metric] = kind
  local c = cell(metric, unit, period)
  c.n = c.n + 1
  if v ~= nil then
    c.valued = c.valued + 1
    c.sum = c.sum + v
    c.max = math.max(c.max or -math.huge, v)
  end
end
local function count(metric, unit, period)
  KIND[metric] = "count"
  local c = cell(metric, unit, period)
  c.n = c.n + 1
end

function R.compute(raw, units)
  acc = {}
  local function unit_of(ref)
    local u = units.by_key[ref]
    assert(u, "raw data name an unknown unit " .. tostring(ref))
    return u.id
  end
  local function keyed(key)
    local seen = {}
    return function(k)
      if seen[k] then return false end
      seen[k] = true
      return true
    end
  end

  -- cases (metrics.lua: full_online_rate … zero_visit_rate)
  local fresh = keyed()
  each(raw, "cases", function(r)
    if not fresh(r.project_no) then return end
    local u, t = unit_of(r.org_code), parse_time(r.accept_date)
    local M, Y = sampling_month(t), cal_year(t)
    local E = month_end(M)
    -- year_end is keyed by the calendar year of t (26–31 Dec count for that year, not the next)
    local ye = in_year_end(t) and tostring((civil(t)))
    local res = parse_time(r.result_date)
    local anticipate, promise = num(r.anticipate_day), num(r.promise_day)
    local fully, applicable, uses = bool(r.fully_online), bool(r.ecert_applicable), bool(r.uses_ecert)
    share("full_online_rate", u, M, fully)
    if ye then share("full_online_rate", u, ye, fully) end
    share("instant_rate", u, M, r.project_type == "即办件")
    if r.project_type == "承诺件" and anticipate and anticipate > 0 then
      ratio("time_cut_rate", u, M, anticipate - promise, anticipate)
      if ye then ratio("time_cut_rate", u, ye, anticipate - promise, anticipate) end
    end
    if res and res < E then -- completed by the month's cut-off
      share("ontime_rate", u, M, workdays(t, res) - num(r.suspend_days) <= promise)
    end
    if r.handle_level == "镇" or r.handle_level == "村" then
      share("town_online_rate", u, M, r.channel ~= "窗口")
    end
    if applicable then
      share("ecert_use_rate", u, M, uses)
      share("ecert_use_rate", u, Y, uses)
    end
    if (r.result_type == "批准" or r.result_type == "不予批准") and res and res < E then
      share("eseal_rate", u, M, bool(r.result_sealed) == true)
    end
    -- judged once synced or past its 1-working-day limit by 31 December's last instant
    local sync, YE = parse_time(r.sync_date), year_end_of(Y)
    if sync < YE or workdays(t, YE - 1) >= 1 then
      share("case_sync_rate", u, Y, workdays(t, sync) <= 1)
    end
    share("online_apply_rate", u, Y, r.channel == "政务服务网" or r.channel == "粤省事"
      or r.channel == "粤商通" or r.channel == "自助终端")
    if ye then share("zero_visit_rate", u, ye, num(r.visits) == 0) end
  end)

  -- reviews: review_active_rate, bad_reviews, bad_rectify_rate (due in the last three months),
  -- satisfaction_rate
  fresh = keyed()
  each(raw, "reviews", function(r)
    if not fresh(r.review_id) then return end
    local u, t = unit_of(r.org_code), parse_time(r.reviewed_at)
    local M = sampling_month(t)
    local level = num(r.level)
    share("review_active_rate", u, M, not bool(r.is_default))
    if r.ticket_status ~= "申诉成立-剔除" then
      valued("sum", "bad_reviews", u, M, level <= 2 and 1 or 0)
      if r.ticket_id ~= "" then
        -- due = add_workdays(reviewed_at, 15): the 15th working day after the review's date;
        -- over = { months = 3 }: counted in the sampling month of that day and the two after;
        -- on time when rectified by the end of that day (workdays(t, fixed) <= 15)
        local fixed = parse_time(r.rectified_at)
        local day, k = t // 86400, 15
        while k > 0 do day = day + 1; if is_workday(day) then k = k - 1 end end
        local D = sampling_month(day * 86400)
        local ontime = fixed ~= nil and workdays(t, fixed) <= 15
        for _ = 1, 3 do
          share("bad_rectify_rate", u, D, ontime)
          local y, m = D:match("^(%d+)-(%d+)$")
          y, m = tonumber(y), tonumber(m) + 1
          if m == 13 then y, m = y + 1, 1 end
          D = string.format("%04d-%02d", y, m)
        end
      end
    end
    share("satisfaction_rate", u, cal_year(t), level >= 3)
  end)

  -- e-certificate uses: ecert_calls
  fresh = keyed()
  each(raw, "ecert_uses", function(r)
    if not fresh(r.use_id) then return end
    if r.result == "成功" then count("ecert_calls", unit_of(r.using_org_code), sampling_month(parse_time(r.used_at))) end
  end)

  -- e-seal uses: eseal_issued (max of 1), eseal_uses (count), both over the year
  fresh = keyed()
  each(raw, "eseal_uses", function(r)
    if not fresh(r.sign_id) then return end
    local u, Y = unit_of(r.org_code), cal_year(parse_time(r.signed_at))
    valued("max", "eseal_issued", u, Y, 1)
    count("eseal_uses", u, Y)
  end)

  -- 粤省事/粤商通: yue_listing_rate (month), yue_visits (year)
  fresh = keyed()
  each(raw, "app_services", function(r)
    if not fresh(r.record_id) then return end
    local t = parse_time(r.stat_time)
    local u, M = unit_of(r.owner_org_code), sampling_month(t)
    if bool(r.is_high_freq) then share("yue_listing_rate", u, M, r.status == "已上线") end
    valued("sum", "yue_visits", u, cal_year(t), num(r.visits))
  end)

  -- 民情地图: mq_ontime_rate (month and year, by the deadline: due = "deadline"),
  -- mq_close_rate, mq_response_hours, repeat_complaints
  fresh = keyed()
  each(raw, "mq_events", function(r)
    if not fresh(r.event_id) then return end
    local t = parse_time(r.reported_at)
    local u, M = unit_of(r.org_code), sampling_month(t)
    local E = month_end(M)
    local closed, due = parse_time(r.closed_at), parse_time(r.deadline)
    -- placed by the month and the calendar year its deadline falls in; closed by the deadline
    -- is closed by the cut-off, the deadline being inside the window
    local ontime = closed ~= nil and closed <= due
    share("mq_ontime_rate", u, sampling_month(due), ontime)
    share("mq_ontime_rate", u, cal_year(due), ontime)
    share("mq_close_rate", u, M, r.status == "已结案" and closed ~= nil and closed < E)
    local signed = parse_time(r.signed_at)
    if signed and signed < E then
      valued("mean", "mq_response_hours", u, M, days(parse_time(r.assigned_at), signed) * 24)
    end
    valued("sum", "repeat_complaints", u, cal_year(t), num(r.repeat_count))
  end)

  -- 善美店小二: sm_response_rate, sm_close_rate, sm_satisfaction
  fresh = keyed()
  each(raw, "sm_requests", function(r)
    if not fresh(r.request_id) then return end
    local u, t = unit_of(r.org_code), parse_time(r.submitted_at)
    local M = sampling_month(t)
    local E = month_end(M)
    local resp, closed = parse_time(r.responded_at), parse_time(r.closed_at)
    -- due = add_days(submitted_at, …): placed by the month their time limit falls in
    share("sm_response_rate", u, sampling_month(t + 3600),
      resp ~= nil and days(t, resp) * 1440 <= 60)
    share("sm_close_rate", u, sampling_month(t + 7 * 86400), closed ~= nil and days(t, closed) <= 7)
    local rating = num(r.rating)
    if rating and closed ~= nil and closed < E then share("sm_satisfaction", u, M, rating >= 4) end
  end)

  -- values and sample sizes as README "Raw data" defines them
  local data = {}
  for metric, byunit in pairs(acc) do
    for u, byperiod in pairs(byunit) do
      for period, c in pairs(byperiod) do
        local kind, v, n = KIND[metric], nil, c.n
        if kind == "share" then v = c.n > 0 and c.hits / c.n or nil
        elseif kind == "ratio" then v = c.den ~= 0 and c.sum / c.den or nil
        elseif kind == "count" then v = c.n
        elseif kind == "sum" then v, n = c.valued > 0 and c.sum or nil, c.n
        elseif kind == "mean" then v, n = c.valued > 0 and c.sum / c.valued or nil, c.valued
        elseif kind == "max" then v, n = c.max, c.valued end
        if v ~= nil then
          data[period] = data[period] or {}
          data[period][metric] = data[period][metric] or {}
          data[period][metric][u] = { value = v, n = n }
        end
      end
    end
  end
  return data
end

-- Writes data as unit,period,metric,value,n CSVs, one per period (17 significant digits).
function R.write(data, dir)
  os.execute("mkdir -p " .. L.quote(dir))
  for period, metrics in pairs(data) do
    local lines = {}
    for metric, byunit in pairs(metrics) do
      for u, c in pairs(byunit) do
        lines[#lines + 1] = string.format("%s,%s,%s,%.17g,%s", u, period, metric, c.value,
          c.n and string.format("%.17g", c.n) or "")
      end
    end
    table.sort(lines)
    L.write(dir .. "/" .. period .. ".csv", "unit,period,metric,value,n\n" .. table.concat(lines, "\n") .. "\n")
  end
end

return R
