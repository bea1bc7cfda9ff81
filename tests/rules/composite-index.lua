-- rules.composite-index — every unit's total of rules/examples/composite-index, recomputed here
-- from the example's data file and compared with `pinggu eval --format json`.
--
-- The recomputation below is written from the indicator descriptions (index.lua, screen.lua),
-- not from pinggu's code: goalposts on ln, the 2:1:1 weighted geometric mean of the three
-- dimensions, the weighted arithmetic and harmonic means inside them, na_when (−1 and 999),
-- missing values dropped (missing = "not_applicable"), the min of the screen with the group's
-- uptime winsorised at k = ⌊0.2·n⌋ from each end before min–max, rounding to 1 digit half to
-- even, no rank for the partner group. Then `pinggu test` runs the set's own rule tests.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = L.args()
local RULES = root .. "/rules/examples/composite-index"
local DATA = RULES .. "/data"
local T = L.tester("rules.composite-index")

-- the data: value[unit][metric]
local value, units, group = {}, {}, {}
for _, r in ipairs(select(2, L.read_csv(DATA .. "/2024.csv"))) do
  value[r.unit] = value[r.unit] or {}
  value[r.unit][r.metric] = tonumber(r.value)
end
for _, r in ipairs(select(2, L.read_csv(RULES .. "/units.csv"))) do
  units[#units + 1] = r.id
  group[r.id] = r.group
end

local function clamp(x, lo, hi) return math.max(lo, math.min(hi, x)) end
local function goalpost(x, lo, hi) return clamp((x - lo) / (hi - lo), 0, 1) end
local function lngoal(x, lo, hi) return goalpost(math.log(clamp(x, lo, hi)), math.log(lo), math.log(hi)) end

-- the weighted arithmetic, geometric and harmonic means of { {share, weight}, ... }; nil when
-- the list is empty (the node does not apply)
local function wmean(t)
  if #t == 0 then return nil end
  local s, w = 0, 0
  for _, x in ipairs(t) do s, w = s + x[1] * x[2], w + x[2] end
  return s / w
end
local function wgeo(t)
  local s, w = 0, 0
  for _, x in ipairs(t) do
    if x[1] == 0 then return 0 end
    s, w = s + x[2] * math.log(x[1]), w + x[2]
  end
  return math.exp(s / w)
end
local function wharm(t)
  if #t == 0 then return nil end
  local s, w = 0, 0
  for _, x in ipairs(t) do
    if x[1] == 0 then return 0 end
    s, w = s + x[2] / x[1], w + x[2]
  end
  return w / s
end

local function index_of(u)
  local v = value[u]
  local access, quality, capacity = {}, {}, {}
  if v.online_share then access[#access + 1] = { clamp(v.online_share, 0, 1), 2 } end
  if v.bandwidth_mbps then access[#access + 1] = { lngoal(v.bandwidth_mbps, 10, 1000), 1 } end
  if v.satisfaction then quality[#quality + 1] = { goalpost(v.satisfaction, 60, 100), 1 } end
  if v.complaints_per_10k and not (v.complaints_per_10k < 0) then
    quality[#quality + 1] = { 1 - lngoal(v.complaints_per_10k, 1, 50), 1 }
  end
  if v.trained_staff_share then capacity[#capacity + 1] = { clamp(v.trained_staff_share, 0, 1), 1 } end
  if v.open_datasets_pct and v.open_datasets_pct ~= 999 then
    capacity[#capacity + 1] = { clamp(v.open_datasets_pct / 100, 0, 1), 1 }
  end
  local dims = {}
  for _, d in ipairs { { wmean(access), 2 }, { wmean(quality), 1 }, { wharm(capacity), 1 } } do
    if d[1] then dims[#dims + 1] = d end
  end
  return 100 * wgeo(dims)
end

local function screen_totals()
  local out = {}
  for _, g in ipairs { "district", "partner" } do
    local vals = {}
    for _, u in ipairs(units) do
      if group[u] == g and value[u].uptime_hours then vals[#vals + 1] = value[u].uptime_hours end
    end
    table.sort(vals)
    local n = #vals
    local k = math.floor(0.2 * n + 1e-9)
    local lo, hi = vals[k + 1], vals[n - k]
    for _, u in ipairs(units) do
      if group[u] == g then
        local w = clamp(value[u].uptime_hours, lo, hi)
        local up = hi == lo and 1 or (w - lo) / (hi - lo)
        local rec = 1 - goalpost(value[u].recovery_hours, 1, 48)
        out[u] = 100 * math.min(up, rec)
      end
    end
  end
  return out
end

-- half to even at `digits`, a value within 1e-9 of the half counting as the half
local function round_half_even(x, digits)
  local m = 10 ^ digits
  local y = x * m
  local f = math.floor(y)
  local d = y - f
  local r
  if math.abs(d - 0.5) < 1e-9 then
    r = (f % 2 == 0) and f or f + 1
  else
    r = math.floor(y + 0.5)
  end
  return r / m
end

local function check_scheme(scheme, expected)
  local doc = L.eval_json(bin, { rules = RULES, data = DATA, scheme = scheme, period = "2024" })
  local seen, ranks = {}, {}
  for _, u in ipairs(doc.units) do
    seen[u.unit] = true
    local want = expected[u.unit]
    T:near(scheme .. " " .. u.unit .. " unrounded total", want, u.unrounded_total, 5e-7)
    T:eq(scheme .. " " .. u.unit .. " total (1 digit, half to even)", round_half_even(want, 1), u.total)
    if group[u.unit] == "partner" then
      T:ok(L.isnull(u.rank), scheme .. " " .. u.unit .. " has no rank (ranked = false)")
    else
      ranks[#ranks + 1] = { u.unit, u.rank, want }
    end
  end
  for _, id in ipairs(units) do T:ok(seen[id], scheme .. " lists unit " .. id) end
  -- competition ranks in the district group, by the recomputed rounded totals
  for _, a in ipairs(ranks) do
    local better = 0
    for _, b in ipairs(ranks) do
      if round_half_even(b[3], 1) > round_half_even(a[3], 1) then better = better + 1 end
    end
    T:eq(scheme .. " " .. a[1] .. " rank", better + 1, a[2])
  end
  -- the partner group: shown with its totals, reason not_ranked
  for _, g in ipairs(doc.groups) do
    if g.id == "partner" then
      T:eq("partner group ranks no one", 0, #g.ranking)
      T:eq("partner group lists both units as not ranked", 2, #g.unranked)
      for _, x in ipairs(g.unranked) do
        T:eq(x.unit .. " reason", "not_ranked", x.reason)
        T:eq(x.unit .. " total in the unranked list", round_half_even(expected[x.unit], 1), x.total)
      end
    end
  end
end

T:section("index: weighted geometric mean of the dimensions", function()
  local expected = {}
  for _, u in ipairs(units) do expected[u] = index_of(u) end
  check_scheme("index", expected)
end)

T:section("screen: min with a winsorised min-max", function()
  check_scheme("screen", screen_totals())
end)

T:section("text output: the partner group with totals and no 排名 0", function()
  local out, err, code = L.run(L.eval_cmd(bin, { rules = RULES, data = DATA, scheme = "index",
                                                 period = "2024", format = "text" }))
  T:eq("eval text exits 0", 0, code, err)
  T:matches("a partner row: — for the rank, its total", out, "—%s+城市大学（合作单位）%s+64%.0")
  T:ok(not out:find("排名 0", 1, true), "never 排名 0")
end)

T:section("the HTML bulletin: the partner units with their totals, not ranked", function()
  local out = L.tmpdir()
  local _, err, code = L.run(L.quote(bin) .. " report --rules " .. L.quote(RULES) .. " --data " ..
    L.quote(DATA) .. " --scheme index --period 2024 --format html --out " .. L.quote(out))
  T:eq("report exits 0", 0, code, err)
  local html = L.slurp(out .. "/index-2024.html") or ""
  T:contains("listed with its total", html, "<li>城市大学（合作单位）：不参与排名（总分 64.0）</li>")
  T:contains("its own section says so", html, "总分 <b>64.0</b>，不参与排名")
  T:ok(not html:find("nan", 1, true), "no 'nan' anywhere")
end)

-- issue 15 §4: a ranked = false group has a table of its own on page 1 (totals, parts, no rank,
-- captioned 不参与排名), highest total first, and the CSV and JSON bulletins say the same.
T:section("the bulletin: the partner group's own 不参与排名 table in HTML, CSV and JSON", function()
  local out = L.tmpdir()
  for _, f in ipairs { "html", "csv", "json" } do
    local _, err, code = L.run(L.quote(bin) .. " report --rules " .. L.quote(RULES) .. " --data " ..
      L.quote(DATA) .. " --scheme index --period 2024 --format " .. f .. " --out " .. L.quote(out))
    T:eq("report --format " .. f .. " exits 0", 0, code, err)
  end
  local html = L.slurp(out .. "/index-2024.html") or ""
  local notice = html:match('<section class="notice">(.-)</section>') or ""
  local own = notice:match('<h3 id="g%-partner">.-(<table.-</table>)') or ""
  T:contains("captioned", own, "<caption>不参与排名")
  T:ok(not own:find(">排名<", 1, true), "no rank column", own)
  T:matches("城市大学 first, its total and part", own,
    "城市大学（合作单位）</a></td><td class=\"n\">64%.0</td><td class=\"n\">64%.0</td>.-港务集团")
  T:contains("the group's summary says it is not ranked", notice,
    "合作与观察单位共 2 个单位参加评估、不参与排名，平均 49.3 分")
  T:ok(not notice:find("合作与观察单位共 0 个单位参加排名", 1, true), "not '0 个单位参加排名'")
  local csv = L.slurp(out .. "/index-2024-partner.csv") or ""
  T:contains("CSV: the total and part, 不参与排名", csv, ",城市大学（合作单位）,,64.0,64.0,,不参与排名,")
  local j = cjson.decode(L.slurp(out .. "/index-2024.json") or "{}")
  local partner
  for _, g in ipairs(j.groups or {}) do if g.id == "partner" then partner = g end end
  T:ok(partner and partner.not_ranked, "JSON: the partner group's not_ranked table")
  if partner and partner.not_ranked then
    T:eq("JSON: two units", 2, #partner.not_ranked)
    T:eq("JSON: highest first", "uni", partner.not_ranked[1].unit)
    T:eq("JSON: its total", 64, partner.not_ranked[1].total)
    T:eq("JSON: no ranking rows", 0, #partner.ranking)
  end
end)

T:section("the set's own rule tests", function()
  local out, err, code = L.run(L.quote(bin) .. " test " .. L.quote(RULES) .. " --coverage")
  T:eq("pinggu test exits 0", 0, code, out .. err)
  T:contains("every scored indicator tested", out, "coverage: 8 of 8 scored indicators tested")
end)

T:done()
