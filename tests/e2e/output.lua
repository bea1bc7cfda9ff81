-- e2e.output — the CLI's output forms on the bundled sample:
--   --unit (id, code, name or alias) limits `units` to that unit, exit 0
--   --format csv: the header and one row per ranked unit, figures equal to the JSON's
--   --format text: the Chinese names of every ranked unit, exit 0
--   the `lost` of a part's leaves add up to the part's max − the part's score (README, JSON
--   output), for every unit and part of a monthly and the year-end evaluation
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local L = require "lib"
local M = require "model"
local C = require "compare"

local ctx = C.setup("e2e.output")
local T = ctx.T

local function run(o)
  local opts = { rules = ctx.rules, data = ctx.sample }
  for k, v in pairs(o) do opts[k] = v end
  return L.run(L.eval_cmd(ctx.bin, opts))
end

local may = ctx.eval("monthly", "2021-05")
local mres = M.eval(ctx.units, ctx.data, "monthly", "2021-05")

T:section("--unit", function()
  -- renshe by id, code, name and alias (units.csv: renshe,市人力资源和社会保障局,dept,441599009,…,市人社局|…)
  for _, key in ipairs { "renshe", "441599009", "市人力资源和社会保障局", "市人社局" } do
    local out, err, code = run { scheme = "monthly", period = "2021-05", format = "json", unit = key }
    T:eq("--unit " .. key .. " exit code", 0, code, err)
    local ok, doc = pcall(require("cjson").decode, out)
    if T:ok(ok, "--unit " .. key .. " prints JSON") then
      T:eq("--unit " .. key .. " lists one unit", 1, #doc.units)
      T:eq("--unit " .. key .. " the unit", "renshe", doc.units[1] and doc.units[1].unit)
      T:near("--unit " .. key .. " total", mres.units.renshe.total, C.num(doc.units[1] and doc.units[1].total), C.TOL_TOTAL)
      T:eq("--unit " .. key .. " indicators", 28, doc.units[1] and #doc.units[1].indicators)
    end
  end
  -- a county unit through an alias, year_end
  local out, err, code = run { scheme = "year_end", period = "2021", format = "json", unit = "红海湾" }
  T:eq("--unit 红海湾 exit code", 0, code, err)
  local ok, doc = pcall(require("cjson").decode, out)
  if T:ok(ok, "--unit 红海湾 prints JSON") then
    T:eq("--unit 红海湾 lists one unit", 1, #doc.units)
    T:eq("--unit 红海湾 the unit", "honghaiwan", doc.units[1] and doc.units[1].unit)
    T:eq("--unit 红海湾 group", "county", doc.units[1] and doc.units[1].group)
    T:eq("--unit 红海湾 code_standard (nonstandard code)", false, doc.units[1] and doc.units[1].code_standard)
  end
  -- text and csv with --unit: the breakdown of that unit only
  local txt, _, tcode = run { scheme = "monthly", period = "2021-05", format = "text", unit = "chengqu" }
  T:eq("--unit chengqu --format text exit code", 0, tcode)
  T:contains("--unit chengqu text", txt, "城区")
  T:contains("--unit chengqu text", txt, "全程网办办件占比")
  T:ok(not txt:find("海丰县", 1, true), "--unit chengqu text does not list 海丰县")
  local csv, _, ccode = run { scheme = "monthly", period = "2021-05", format = "csv", unit = "chengqu" }
  T:eq("--unit chengqu --format csv exit code", 0, ccode)
  local _, rows = L.read_csv_text(csv)
  local n = 0
  for _, r in ipairs(rows) do
    T:eq("--unit chengqu csv row unit", "chengqu", r.unit)
    n = n + 1
  end
  local expect = 0
  for _ in pairs(mres.units.chengqu.cells) do expect = expect + 1 end
  T:eq("--unit chengqu csv rows (one per node of a county unit)", expect, n)
end)

T:section("--format csv", function()
  for _, spec in ipairs { { "monthly", "2021-05", { "monitoring", "platforms" } },
                          { "year_end", "2021", { "basic", "platform_ye", "bonus" } },
                          { "annual", "2021", { "monthly_avg", "year_end" } } } do
    local scheme, period, parts = spec[1], spec[2], spec[3]
    local out, err, code = run { scheme = scheme, period = period, format = "csv" }
    local label = "csv " .. scheme .. " " .. period
    T:eq(label .. " exit code", 0, code, err)
    local header, rows = L.read_csv_text(out)
    local expect_header = "group,rank,unit,name,total," .. table.concat(parts, ",") ..
      ",previous_rank,movement,change,band"
    T:eq(label .. " header", expect_header, table.concat(header, ","))
    local m = M.eval(ctx.units, ctx.data, scheme, period)
    local ranked = 0
    for _, u in ipairs(ctx.units.list) do if m.units[u.id].ranked then ranked = ranked + 1 end end
    T:eq(label .. " one row per ranked unit", ranked, #rows)
    local seen = {}
    for _, r in ipairs(rows) do
      local mu = m.units[r.unit]
      if T:ok(mu ~= nil, label .. " row unit " .. tostring(r.unit) .. " is a unit") then
        T:ok(not seen[r.unit], label .. " " .. r.unit .. " listed once")
        seen[r.unit] = true
        T:eq(label .. " " .. r.unit .. " group", ctx.units.by_id[r.unit].group, r.group)
        T:eq(label .. " " .. r.unit .. " name", ctx.units.by_id[r.unit].name, r.name)
        T:eq(label .. " " .. r.unit .. " rank", mu.rank, tonumber(r.rank))
        T:near(label .. " " .. r.unit .. " total", mu.total, tonumber(r.total), C.TOL_TOTAL)
        for _, p in ipairs(parts) do
          local v = mu.parts[p]
          T:near(label .. " " .. r.unit .. " " .. p, v and L.round(v, 2), tonumber(r[p]), C.TOL_TOTAL)
        end
        T:eq(label .. " " .. r.unit .. " movement", mu.movement, r.movement)
        T:eq(label .. " " .. r.unit .. " band", mu.band, r.band)
        if mu.previous_rank then
          T:eq(label .. " " .. r.unit .. " previous_rank", mu.previous_rank, tonumber(r.previous_rank))
          T:near(label .. " " .. r.unit .. " change", mu.change, tonumber(r.change), C.TOL_TOTAL)
        else
          T:eq(label .. " " .. r.unit .. " previous_rank", "", r.previous_rank)
        end
      end
    end
    -- groups in rule-set order, ranks ascending within each group
    local last_g, last_rank = nil, 0
    for _, r in ipairs(rows) do
      if r.group ~= last_g then last_g, last_rank = r.group, 0 end
      T:ok(tonumber(r.rank) and tonumber(r.rank) >= last_rank, label .. " ranks ascend within " .. r.group)
      last_rank = tonumber(r.rank) or last_rank
    end
  end
end)

T:section("--format text", function()
  for _, spec in ipairs { { "monthly", "2021-05" }, { "year_end", "2021" }, { "annual", "2021" } } do
    local out, err, code = run { scheme = spec[1], period = spec[2], format = "text" }
    local label = "text " .. spec[1] .. " " .. spec[2]
    T:eq(label .. " exit code", 0, code, err)
    T:eq(label .. " stderr", "", err)
    for _, u in ipairs(ctx.units.list) do T:contains(label .. " names " .. u.id, out, u.name) end
    T:contains(label .. " group name", out, "市直单位")
    T:contains(label .. " group name", out, "县(市、区)及管委会")
  end
  -- the monthly table shows 人社's total and rank from our own figures
  local out = run { scheme = "monthly", period = "2021-05", format = "text" }
  T:contains("text 2021-05 renshe total", out, string.format("%.2f", mres.units.renshe.total))
end)

-- A node that took its group's median for thin evidence (min_applicable, issue 14 §6) lost its
-- points itself: its leaves weigh 0 there, so it counts in their stead.
T:section("lost adds up: Σ leaves' lost of a part = part max − part score", function()
  local function check(doc, label)
    for _, u in ipairs(doc.units) do
      local parts = {}
      for _, i in ipairs(u.indicators) do
        if L.isnull(i.parent) then parts[i.id] = { node = i, sum = 0, leaves = 0 } end
      end
      local part_of = {}
      for _, i in ipairs(u.indicators) do
        part_of[i.id] = L.isnull(i.parent) and i.id or part_of[i.parent]
        local median = not i.leaf and not L.isnull(i.points)
          and tostring(C.num(i.note)):find("按本组中位数", 1, true) ~= nil
        if (i.leaf or median) and part_of[i.id] then
          local p = parts[part_of[i.id]]
          p.sum = p.sum + (C.num(i.lost) or 0)
          p.leaves = p.leaves + 1
        end
      end
      for id, p in pairs(parts) do
        local node = M.BY_ID[id]
        if not node.adjust and not L.isnull(p.node.points) then
          local want = p.node.max - p.node.points
          -- each leaf's lost is printed to 4 decimals
          T:near(string.format("%s %s %s Σ lost", label, u.unit, id), want, p.sum, 1e-4 * (p.leaves + 1))
          T:near(string.format("%s %s %s lost (part row)", label, u.unit, id), want, C.num(p.node.lost), C.TOL_POINTS)
        end
      end
    end
  end
  check(may, "2021-05")
  check(ctx.eval("monthly", "2021-09"), "2021-09")
  check(ctx.eval("year_end", "2021"), "2021 year_end")
end)

T:done()
