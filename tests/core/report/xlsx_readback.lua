-- report.xlsx_readback — the XLSX workbook read back by an independent reader (Debian's
-- xlsx2csv, which shares no code with libxlsxwriter or pinggu) and compared, cell by cell,
-- with `pinggu report --format json` for the same scheme and period (issue 6, §5).
--
-- Every cell of every ranking sheet and of 失分明细 is compared, headers included, in the
-- JSON's row order: text exactly; numbers as numbers, within half a unit of the last decimal
-- the sheet's number format shows (the scheme's rounding for the ranking's scores, 2 decimals
-- for the lost points as the HTML prints them (outputs_large.lua checks them against the HTML
-- exactly), 0.00## for the factor, the full value for unformatted numbers); a number the JSON
-- has as null is an empty
-- cell. The sheets' count and names are checked too, and the cells beyond the expected ones
-- must be empty.
--
-- Run as `lua5.4 xlsx_readback.lua PINGGU SOURCE_ROOT PLUGIN_DIR XLSX_BUILT XLSX2CSV`, where
-- XLSX_BUILT is 1 when the build made the xlsx plugin. Without the plugin it exits 77 (CTest
-- SKIP_RETURN_CODE) saying so; every other shortfall, xlsx2csv missing included, is a failure.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root, plugins, built, xlsx2csv = arg[1], arg[2], arg[3], arg[4], arg[5]
if not (bin and root and plugins and built and xlsx2csv) then
  io.stderr:write("usage: lua5.4 xlsx_readback.lua PINGGU SOURCE_ROOT PLUGIN_DIR XLSX_BUILT XLSX2CSV\n")
  os.exit(2)
end
if built ~= "1" then
  io.stdout:write("SKIP: the xlsx plugin was not built (libxlsxwriter-dev not installed), "
    .. "so there is no workbook to read back\n")
  os.exit(77)
end

local T = L.tester("report.xlsx_readback")
local RULES = root .. "/rules/shanwei-2021"
local DATA = RULES .. "/sample"
-- the scheme/period pairs read back: a month with up/down/same marks, January (every mark 新,
-- no 环比), the year-end scheme (bonus part, many lost points) and the annual composite
local CASES = {
  { "monthly", "2021-05" }, { "monthly", "2021-01" }, { "year_end", "2021" }, { "annual", "2021" },
}

if not T:ok(L.slurp(plugins .. "/xlsx.so") ~= nil, "the build says the xlsx plugin was built",
  plugins .. "/xlsx.so is missing") then T:done() end
local _, _, vcode = L.run(L.quote(xlsx2csv) .. " --version")
if not T:ok(vcode == 0, "xlsx2csv runs (Debian: apt-get install xlsx2csv; tools/deps test)", xlsx2csv) then
  T:done()
end

-- RFC 4180, quoted fields may hold newlines and "" escapes; a table of rows of fields
local function parse_csv(text)
  local rows, row, field, i, n = {}, {}, {}, 1, #text
  local function endfield() row[#row + 1] = table.concat(field); field = {} end
  local function endrow() endfield(); rows[#rows + 1] = row; row = {} end
  while i <= n do
    local c = text:sub(i, i)
    if c == '"' and #field == 0 then
      local j = i + 1
      while true do
        local q = text:find('"', j, true)
        assert(q, "unterminated quote in xlsx2csv output")
        field[#field + 1] = text:sub(j, q - 1)
        if text:sub(q + 1, q + 1) == '"' then field[#field + 1] = '"'; j = q + 2
        else i = q + 1; break end
      end
    elseif c == "," then endfield(); i = i + 1
    elseif c == "\r" and text:sub(i + 1, i + 1) == "\n" then endrow(); i = i + 2
    elseif c == "\n" then endrow(); i = i + 1
    else
      local j = text:find('[,\r\n]', i) or (n + 1)
      field[#field + 1] = text:sub(i, j - 1)
      i = j
    end
  end
  if #field > 0 or #row > 0 then endrow() end
  return rows
end

local function run_ok(cmd, what)
  local out, err, code = L.run(cmd)
  assert(code == 0, what .. " failed (" .. tostring(code) .. "): " .. err)
  return out
end

local function report(scheme, period, format, out)
  return run_ok("PINGGU_PLUGIN_DIR=" .. L.quote(plugins) .. " " .. L.quote(bin) .. " report --rules "
    .. L.quote(RULES) .. " --data " .. L.quote(DATA) .. " --scheme " .. scheme .. " --period " .. period
    .. " --format " .. format .. " --out " .. L.quote(out), "pinggu report --format " .. format)
end

local function colname(c) -- 1-based column → A, B, …, Z, AA
  local s = ""
  while c > 0 do local r = (c - 1) % 26; s = string.char(65 + r) .. s; c = (c - 1 - r) // 26 end
  return s
end

-- expected cells: { kind, value, decimals } with kind "text", "int", "fixed" (exactly
-- `decimals` decimals shown), "pts" (0.00##: 2 to 4 shown) or "general" (the full value)
local function text(v) return { "text", L.isnull(v) and "" or v } end
local function int(v) return { "int", v } end
local function fixed(v, d) return { "fixed", v, d } end
local function pts(v) return { "pts", v } end
local function general(v) return { "general", v } end

local cells = 0
local function compare_cell(where, exp, got)
  cells = cells + 1
  local kind, v = exp[1], exp[2]
  if kind == "text" then return T:eq(where, v, got) end
  if L.isnull(v) then return T:eq(where .. " (null in the JSON: an empty cell)", "", got) end
  local x = tonumber(got)
  if not T:ok(x ~= nil and got:match("^%-?%d+%.?%d*$"), where .. " is a number",
    "expected " .. L.fmt(v) .. ", got " .. string.format("%q", got)) then return false end
  local shown = #(got:match("%.(%d*)$") or "")
  if kind == "int" then
    return T:eq(where, math.tointeger(v), math.tointeger(x))
  elseif kind == "fixed" then
    T:eq(where .. " decimals shown", exp[3], shown, got)
    return T:near(where, v, x, 0.5 * 10 ^ -exp[3] + 1e-9)
  elseif kind == "pts" then
    T:ok(shown >= 2 and shown <= 4, where .. " shows 2 to 4 decimals (0.00##)", got)
    return T:near(where, v, x, 0.5 * 10 ^ -math.max(shown, 2) + 1e-9)
  else
    return T:near(where, v, x, 1e-9 * math.max(1, math.abs(v)))
  end
end

-- compares one sheet: rows[r][c] against expected[r][c]; the sheet may not be longer or wider
-- except with empty cells
local function compare_sheet(label, rows, expected)
  T:eq(label .. " rows", #expected, #rows)
  for r = 1, math.max(#rows, #expected) do
    local got, exp = rows[r] or {}, expected[r]
    if not exp then
      T:ok(table.concat(got) == "", label .. " row " .. r .. " is beyond the JSON's rows",
        table.concat(got, ","))
    else
      for c = 1, math.max(#got, #exp) do
        local where = label .. "!" .. colname(c) .. r
        if exp[c] then compare_cell(where, exp[c], got[c] or "")
        else T:eq(where .. " (no such column)", "", got[c] or "") end
      end
    end
  end
end

local function expected_ranking(b, g)
  local parts = b.scheme.parts
  local head = { text("排名"), text("单位"), text("单位代码"), text("总分") }
  for _, p in ipairs(parts) do head[#head + 1] = text(p.name) end
  for _, h in ipairs { "环比", "变动", "等次" } do head[#head + 1] = text(h) end
  local units = {}
  for _, u in ipairs(b.units) do units[u.unit] = u end
  local rows, d = { head }, math.tointeger(b.rounding)
  for _, r in ipairs(g.ranking) do
    local row = { int(r.rank), text(r.name), text(units[r.unit].code), fixed(r.total, d) }
    for _, p in ipairs(parts) do row[#row + 1] = fixed(r.parts[p.id], d) end
    row[#row + 1] = fixed(r.change, d)
    row[#row + 1] = text(r.mark)
    row[#row + 1] = text(r.band)
    rows[#rows + 1] = row
  end
  for _, a in ipairs(g.unranked) do
    local row = { text(""), text(a.name), text(units[a.unit].code), text("") }
    for _ in ipairs(parts) do row[#row + 1] = text("") end
    row[#row + 1] = text("")
    row[#row + 1] = text("未排名")
    row[#row + 1] = text("")
    rows[#rows + 1] = row
  end
  return rows
end

local function expected_lost(b)
  local rows = { {} }
  for _, h in ipairs { "分组", "单位", "部分", "指标代码", "指标", "满分", "得分", "折算系数", "失分",
                       "总分失分", "状态", "原因", "数据项", "数值", "样本量" } do rows[1][#rows[1] + 1] = text(h) end
  local gname, pname = {}, {}
  for _, g in ipairs(b.groups) do gname[g.id] = g.name end
  for _, p in ipairs(b.scheme.parts) do pname[p.id] = p.name end
  for _, u in ipairs(b.units) do
    for _, l in ipairs(u.lost) do
      rows[#rows + 1] = {
        text(gname[u.group]), text(u.name), text(pname[l.part]), text(l.indicator), text(l.name),
        fixed(l.max, 2), fixed(l.got, 2), pts(l.weight), fixed(l.lost, 2), fixed(l.lost_total, 2), text(l.status), text(l.why),
        text(l.metric_name), general(l.value), general(l.n),
      }
    end
  end
  return rows
end

for _, case in ipairs(CASES) do
  local scheme, period = case[1], case[2]
  T:section(scheme .. " " .. period .. ": every cell of the workbook as in the JSON", function()
    local out = L.tmpdir()
    report(scheme, period, "json", out)
    report(scheme, period, "xlsx", out)
    local base = out .. "/" .. scheme .. "-" .. period
    local b = cjson.decode(L.slurp(base .. ".json"))
    local xlsx = base .. ".xlsx"
    -- the sheets, in order: one per group, then the lost points
    local names = {}
    local all = "\n" .. run_ok(L.quote(xlsx2csv) .. " -a " .. L.quote(xlsx), "xlsx2csv -a")
    for id, name in all:gmatch("\n%-%-%-%-%-%-%-%- (%d+) %- ([^\n]*)") do
      names[#names + 1] = { tonumber(id), name }
    end
    -- and the 问题清单 (plugin ABI 5) when some unit lost points: the same items as its lost
    -- points, in the same order (biggest loss of the total first, then the indicator's id)
    local issues = {}
    for _, u in ipairs(b.units) do
      for _, l in ipairs(u.lost or {}) do issues[#issues + 1] = { u.name, l.indicator, l.name, l.lost_total, l.lost } end
    end
    T:eq(scheme .. " " .. period .. " sheets", #b.groups + 1 + (#issues > 0 and 1 or 0), #names)
    local function sheet(i, want)
      T:eq(scheme .. " " .. period .. " sheet " .. i .. " name", want, names[i] and names[i][2])
      local csv = run_ok(L.quote(xlsx2csv) .. " -s " .. i .. " " .. L.quote(xlsx), "xlsx2csv -s " .. i)
      return parse_csv(csv)
    end
    local before = cells
    for gi, g in ipairs(b.groups) do
      compare_sheet(scheme .. "-" .. period .. " " .. g.name, sheet(gi, g.name), expected_ranking(b, g))
    end
    compare_sheet(scheme .. "-" .. period .. " 失分明细", sheet(#b.groups + 1, "失分明细"), expected_lost(b))
    if #issues > 0 then
      local rows = sheet(#b.groups + 2, "问题清单")
      T:eq(scheme .. " " .. period .. " 问题清单 rows", #issues + 1, #rows)
      for i, w in ipairs(issues) do
        local r = rows[i + 1] or {}
        local what = scheme .. " " .. period .. " 问题清单 row " .. (i + 1)
        T:eq(what .. ": unit, indicator, name", table.concat({ w[1], w[2], w[3] }, "|"),
          table.concat({ r[1] or "", r[2] or "", r[3] or "" }, "|"))
        if not L.isnull(w[4]) then T:near(what .. ": lost of the total", w[4], tonumber(r[4]), 0.005 + 1e-9) end
        T:near(what .. ": lost in the part", w[5], tonumber(r[5]), 0.005 + 1e-9)
        T:ok((r[8] or "") ~= "" and (r[9] or "") ~= "", what .. ": 整改要求 and regain words", r[9])
        T:ok((r[10] or ""):match("^%d%d%d%d%-%d%d%-%d%d$"), what .. ": a deadline", r[10])
      end
    end
    io.stdout:write(string.format("%s %s: %d cells compared\n", scheme, period, cells - before))
  end)
end

T:ok(cells > 5000, "cells compared", cells)
io.stdout:write(string.format("%d cells compared in all\n", cells))
T:done()
