-- compare.lua — compares pinggu's JSON output with model.lua's independent figures.
--
-- Tolerances follow the JSON's own rounding (report_json.c prints points and lost to 4
-- decimals, weight and value to 6, totals and parts to the rule set's 2): a figure is accepted
-- when it is within half a unit of its last printed digit, plus a hair for float noise.
local L = require "lib"
local M = require "model"

local C = {}

C.TOL_POINTS = 5.1e-5   -- 4 decimals
C.TOL_WEIGHT = 5.1e-7   -- 6 decimals
C.TOL_TOTAL = 0.0051    -- 2 decimals (the README asks totals to 0.01)

local function num(v)
  if L.isnull(v) then return nil end
  return v
end
C.num = num

-- unit ids of each group, in units.csv order (set by C.setup / C.bind_units)
local group_units = {}
function C.bind_units(units)
  group_units = {}
  for _, u in ipairs(units.list) do
    group_units[u.group] = group_units[u.group] or {}
    table.insert(group_units[u.group], u.id)
  end
end

-- ctx.sample is the data directory pinggu evaluates: the fixture's (setup.lua: the fed CSVs
-- and the ingested raw batches). ctx.data is what the model evaluates: the fed CSVs as they
-- are, plus the computed metrics raw_model.lua worked out from the raw files.
function C.setup(name)
  local bin, root, work = L.args()
  assert(work, "the e2e tests need the fixture directory that setup.lua writes (third argument)")
  local ctx = { bin = bin, root = root, rules = root .. "/rules/shanwei-2021", work = work }
  ctx.sample = work .. "/data"
  ctx.fed = ctx.rules .. "/sample"
  ctx.T = L.tester(name)
  ctx.units = M.load_units(ctx.rules .. "/units.csv")
  ctx.data = M.load_data(ctx.fed, ctx.units)
  M.load_data(work .. "/expected", ctx.units, ctx.data)
  C.bind_units(ctx.units)
  function ctx.eval(scheme, period, extra)
    local o = { rules = ctx.rules, data = ctx.sample, scheme = scheme, period = period }
    for k, v in pairs(extra or {}) do o[k] = v end
    return L.eval_json(ctx.bin, o)
  end
  return ctx
end

function C.units_by_id(doc)
  local t = {}
  for _, u in ipairs(doc.units or {}) do t[u.unit] = u end
  return t
end

function C.indicators_by_id(ju)
  local t = {}
  for _, i in ipairs(ju.indicators or {}) do t[i.id] = i end
  return t
end

-- One leaf or inner node of one unit: status, points, max, weight, value, carried_from, lost.
function C.check_cell(T, label, ji, c, node)
  T:eq(label .. " status", c.status, ji.status)
  T:near(label .. " points", c.points, num(ji.points), C.TOL_POINTS)
  T:near(label .. " max", c.max, num(ji.max), C.TOL_POINTS)
  T:near(label .. " weight", c.weight, num(ji.weight), C.TOL_WEIGHT)
  if M.is_leaf(node) and (c.status == "ok" or c.status == "carried") then
    -- 6 decimals; the relative slack tolerates pg_round's oversized nudge on large numbers,
    -- which e2e.bug_round_large pins separately
    T:near(label .. " value", c.value, num(ji.value), 1e-6 + 2e-9 * math.abs(c.value or 0))
    T:near(label .. " n", c.n, num(ji.n), 1e-6 + 2e-9 * math.abs(c.n or 0))
  end
  T:eq(label .. " carried_from", c.carried_from, num(ji.carried_from))
  -- lost: (max − points) × weight; on a bonus/penalty item only a penalty taken
  local lost = 0
  if c.points ~= nil and not node.adjust then
    if M.in_adjust(node) then
      lost = c.points < 0 and -c.points or 0
    elseif c.max > 0 then
      lost = (c.max - c.points) * c.weight
    end
  end
  T:near(label .. " lost", lost, num(ji.lost), C.TOL_POINTS * 4)
end

-- Every node of every unit in the output against the model, and no node missing or extra.
function C.check_all_cells(T, label, doc, mres, only)
  for _, ju in ipairs(doc.units) do
    if not only or only[ju.unit] then
      local cells = mres.units[ju.unit].cells
      local seen = {}
      for _, ji in ipairs(ju.indicators or {}) do
        local node = M.BY_ID[ji.id]
        local c = cells[ji.id]
        seen[ji.id] = true
        if not T:ok(node ~= nil and c ~= nil, string.format("%s %s %s: listed, but the model has no such node for a %s unit",
            label, ju.unit, ji.id, ju.group)) then
          goto next
        end
        C.check_cell(T, string.format("%s %s %s", label, ju.unit, ji.id), ji, c, node)
        ::next::
      end
      for _, n in ipairs(mres.order) do
        if cells[n.id] and not seen[n.id] then
          T:fail(string.format("%s %s: indicator %s", label, ju.unit, n.id), "listed", "absent")
        end
      end
    end
  end
end

-- Rankings of every group: order, rank, total, parts, band, tie_breaker, movement, change.
function C.check_ranking(T, label, doc, mres, opts)
  opts = opts or {}
  for _, jg in ipairs(doc.groups) do
    local mg = mres.groups[jg.id]
    local l = label .. " " .. jg.id
    T:eq(l .. " ranked units", #mg.ranking, #jg.ranking)
    for i, e in ipairs(mg.ranking) do
      local r = jg.ranking[i] or {}
      local mu = mres.units[e.id]
      local ll = string.format("%s #%d", l, i)
      T:eq(ll .. " unit", e.id, r.unit)
      if r.unit == e.id then
        ll = l .. " " .. e.id
        T:eq(ll .. " rank", e.rank, r.rank)
        T:near(ll .. " total", mu.total, num(r.total), C.TOL_TOTAL)
        for pid, v in pairs(mu.parts) do
          T:near(ll .. " part " .. pid, v and L.round(v, 2), num((r.parts or {})[pid]), C.TOL_TOTAL)
        end
        T:eq(ll .. " band", mu.band, num(r.band))
        T:eq(ll .. " tie_breaker", mu.tie_breaker, num(r.tie_breaker))
        T:eq(ll .. " veto", mu.veto, num(r.veto))
        if not opts.no_movement then
          T:eq(ll .. " previous_rank", mu.previous_rank, num(r.previous_rank))
          T:eq(ll .. " movement", mu.movement, r.movement)
          T:near(ll .. " change", mu.change, num(r.change), C.TOL_TOTAL)
        end
      end
    end
    -- unranked: units whose whole scheme was dropped
    local expect_unranked = {}
    for _, u in ipairs(group_units[jg.id] or {}) do
      if not mres.units[u].ranked then expect_unranked[#expect_unranked + 1] = u end
    end
    local got = {}
    for _, x in ipairs(jg.unranked or {}) do got[#got + 1] = x.unit end
    T:eq(l .. " unranked", table.concat(expect_unranked, ","), table.concat(got, ","))
    -- no_business: unit → leaves in pre-order
    if not opts.no_business then
      local gotnb = {}
      for _, x in ipairs(jg.no_business or {}) do gotnb[x.unit] = table.concat(x.indicators, ",") end
      for uid, list in pairs(mg.no_business) do
        T:eq(l .. " no_business " .. uid, table.concat(list, ","), gotnb[uid])
      end
      for uid, s in pairs(gotnb) do
        if not mg.no_business[uid] then T:fail(l .. " no_business " .. uid, "not listed", s) end
      end
    end
  end
end

-- unit totals (units array)
function C.check_unit_totals(T, label, doc, mres)
  for _, ju in ipairs(doc.units) do
    local mu = mres.units[ju.unit]
    local l = label .. " " .. ju.unit
    if mu.ranked then
      T:near(l .. " total", mu.total, num(ju.total), C.TOL_TOTAL)
      T:near(l .. " unrounded_total", mu.raw, num(ju.unrounded_total), 1e-5)
      T:eq(l .. " rank", mu.rank, num(ju.rank))
      T:eq(l .. " band", mu.band, num(ju.band))
      T:eq(l .. " clamped", mu.clamped, ju.clamped)
      T:eq(l .. " veto", mu.veto, num(ju.veto))
    else
      T:eq(l .. " total", nil, num(ju.total))
    end
  end
end

return C
