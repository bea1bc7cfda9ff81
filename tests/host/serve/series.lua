-- series.lua — GET /api/v1/units/{unit}/series: one unit's total, rank and band over a year in
-- one answer, the same figures as the per-period breakdowns, and the breakdown's access rules.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local t, h, tok = H.setup("serve.series")

local function series(unit, who, query)
  return h:get("/api/v1/units/" .. unit .. "/series?" .. (query or "scheme=monthly&year=2021"), tok[who])
end

-- a monthly scheme: twelve periods, each the breakdown's total, rank and band
local st, text, j = series("lufeng", "evaluator")
t:eq("a series as evaluator", 200, st, text and text:sub(1, 200))
t:eq("the unit", "lufeng", j and j.unit)
t:eq("its group", "county", j and j.group)
t:eq("the scheme and year", "monthly 2021", j and (j.scheme .. " " .. math.tointeger(j.year)))
t:eq("twelve sampling months", 12, j and #j.periods)
local evaluated = 0
for m, p in ipairs(j and j.periods or {}) do
  local period = string.format("2021-%02d", m)
  t:eq("period " .. m, period, p.period)
  local s2, _, r = h:get("/api/v1/results/monthly/" .. period .. "/lufeng", tok.evaluator)
  if s2 == 200 then
    evaluated = evaluated + 1
    local u = r.units[1]
    t:eq(period .. " total as the breakdown's", u.total, p.total)
    t:eq(period .. " rank as the breakdown's", u.rank, p.rank)
    t:eq(period .. " band as the breakdown's", u.band, p.band)
    t:eq(period .. " names the revision", r.ruleset.revision, p.revision)
  else
    t:eq(period .. " without a result has a null total", L.null, p.total)
    t:eq(period .. " without a result has a null rank", L.null, p.rank)
    t:ok(type(p.error) == "string" and #p.error > 0, period .. " says why it has no figures")
  end
end
t:eq("the sample has every month", 12, evaluated)

-- a yearly scheme: the year itself
st, _, j = series("lufeng", "admin", "scheme=year_end&year=2021")
t:eq("a yearly scheme's series", 200, st)
t:eq("one period, the year", "2021", j and j.periods[1] and j.periods[1].period)
local _, _, r = h:get("/api/v1/results/year_end/2021/lufeng", tok.admin)
t:eq("the year's total as the breakdown's", r and r.units[1].total, j and j.periods[1].total)

-- access: a unit token reads its own unit only; a viewer none
st = series("lufeng", "lufeng")
t:eq("a unit token reads its own series", 200, st)
st, _, j = series("haifeng", "lufeng")
t:eq("a unit token may not read another unit's series", 403, st)
t:eq("the refusal names its own unit", "this token is bound to unit 'lufeng'", j and j.error and j.error.message)
st, _, j = series("海丰县", "lufeng")
t:eq("nor by the other unit's name", 403, st)
t:eq("a viewer reads no series", 403, (series("lufeng", "viewer")))
t:eq("no token, no series", 401, (h:get("/api/v1/units/lufeng/series?scheme=monthly&year=2021")))

-- bad requests say what is wrong
t:eq("no year", 400, (series("lufeng", "admin", "scheme=monthly")))
t:eq("a year that is not one", 400, (series("lufeng", "admin", "scheme=monthly&year=20x1")))
t:eq("a year no rule set serves", 404, (series("lufeng", "admin", "scheme=monthly&year=1999")))
t:eq("an unknown scheme", 404, (series("lufeng", "admin", "scheme=nosuch&year=2021")))
t:eq("an unknown unit", 404, (series("nosuch", "admin")))

H.finish(t, h)
