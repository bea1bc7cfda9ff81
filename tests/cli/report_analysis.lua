-- tools.report_analysis — the annual report's section 指标分析与排名稳定性 (`pinggu report
-- --format html` for the annual composite): in the contents; for every scheme the composite
-- combines, a table of its leaves per group whose coverage, nominal and effective weights are
-- `pinggu analyze`'s over the year; for the yearly one (year_end) the rank intervals, every row
-- `pinggu sensitivity --draws 1000 --spread 20 --seed 1`'s; a chart for each. A monthly bulletin
-- has no such section.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = L.args()
local T = L.tester("tools.report_analysis")
local RULES = root .. "/rules/shanwei-2021"
local DATA = RULES .. "/sample"

local function run(cmd, scheme, period, rest)
  return L.run(table.concat({ L.quote(bin), cmd, "--rules", L.quote(RULES), "--data", L.quote(DATA),
    "--scheme", scheme, "--period", period, rest }, " "))
end

local function html_escape(s) return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;")) end
local function pct(v) if v == nil or v == cjson.null then return "—" end return string.format("%.1f%%", v * 100) end

T:section("the annual report", function()
  local out = L.tmpdir()
  local _, err, code = run("report", "annual", "2021", "--format html --out " .. L.quote(out))
  if not T:eq("report: exit", 0, code, err) then return end
  local f = assert(io.open(out .. "/annual-2021.html"))
  local html = f:read("a")
  f:close()
  T:contains("the contents link", html, '<a href="#analysis">指标分析与排名稳定性</a>')
  local sec = html:match('<section class="analysis" id="analysis">(.-)</section>')
  if not T:ok(sec ~= nil, "the section is there") then return end
  T:contains("the monthly scheme pooled over the year", sec, "月度常态化监测排名：指标分析（2021-01至2021-12，12期合并）")
  T:contains("the year-end scheme", sec, "年终考核：指标分析（2021）")
  T:contains("its rank stability", sec, "年终考核 2021：排名稳定性")
  local _, nsvg = sec:gsub("<svg class=\"chart\"", "")
  T:ok(nsvg >= 6, "charts: weights per scheme and group, intervals per group", tostring(nsvg))

  -- every leaf row of year_end's analysis: analyze's figures
  local aout, aerr, acode = run("analyze", "year_end", "2021", "--format json")
  T:eq("analyze: exit", 0, acode, aerr)
  local an = cjson.decode(aout)
  local ye = sec:match("年终考核：指标分析（2021）</h3>(.-)<h3>")
  local rows = 0
  for _, g in ipairs(an.groups) do
    local part = ye and ye:match("<h4>" .. html_escape(g.name):gsub("%p", "%%%0") .. "（.-</table>")
    for _, a in ipairs(g.indicators) do
      if a.leaf then
        local want = "<tr><td>" .. html_escape(a.name) .. "</td><td class=\"n\">" .. string.format("%g", a.max) ..
          "</td><td class=\"n\">" .. pct(a.coverage) .. "</td>"
        local tail = "<td class=\"n\">" .. pct(a.nominal_weight) .. "</td><td class=\"n\">" ..
          pct(a.effective_weight) .. "</td></tr>"
        local line = part and part:match("\n(" .. want:gsub("%p", "%%%0") .. "[^\n]*)")
        if T:ok(line ~= nil, g.id .. " " .. a.id .. ": its row", want) then
          rows = rows + 1
          T:ok(line:sub(-#tail) == tail, g.id .. " " .. a.id .. ": nominal and effective weight", line .. " vs " .. tail)
        end
      end
    end
  end
  T:ok(rows > 10, "leaf rows checked", tostring(rows))

  -- every row of year_end's rank stability: sensitivity's
  local sout, serr, scode = run("sensitivity", "year_end", "2021", "--draws 1000 --spread 20 --seed 1 --format json")
  T:eq("sensitivity: exit", 0, scode, serr)
  local sv = cjson.decode(sout)
  local st = sec:match("年终考核 2021：排名稳定性</h3>(.*)$")
  local n = 0
  for _, u in ipairs(sv.units) do
    if u.rank ~= cjson.null then
      local want = string.format('<tr><td class="c">%d</td><td>%s</td><td class="n">%g</td><td class="c">%d–%d</td><td class="n">%s</td>',
        u.rank, html_escape(u.name), u.median_rank, u.rank_p05, u.rank_p95, pct(u.band_keep))
      if T:ok(st and st:find(want, 1, true) ~= nil, u.id .. ": its stability row", want) then n = n + 1 end
    end
  end
  T:ok(n > 10, "stability rows checked", tostring(n))
end)

T:section("a monthly bulletin has no analysis section", function()
  local out = L.tmpdir()
  local _, err, code = run("report", "monthly", "2021-06", "--format html --out " .. L.quote(out))
  T:eq("report: exit", 0, code, err)
  local f = assert(io.open(out .. "/monthly-2021-06.html"))
  local html = f:read("a")
  f:close()
  T:ok(not html:find('id="analysis"', 1, true), "no section")
end)

T:done()
