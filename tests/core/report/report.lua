-- report — `pinggu report` on the Shanwei sample and a copy of the demo rule set with hostile
-- unit names. Every figure is checked against `pinggu eval --format json`, the documented
-- interchange shape, so the bulletin cannot drift from the evaluation it lays out.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

local bin, root = arg[1], arg[2]
local plugins, wrongabi = arg[3], arg[4]
if not (bin and root and plugins and wrongabi) then
  io.stderr:write("usage: lua5.4 report.lua PINGGU SOURCE_ROOT PLUGIN_DIR WRONG_ABI_DIR\n")
  os.exit(2)
end
local T = L.tester("report")
local RULES = root .. "/rules/shanwei-2021"
local DATA = RULES .. "/sample"
local BOM = "\239\187\191"

local function report(o, env)
  local cmd = (env or "") .. " " .. L.quote(bin) .. " report --rules " .. L.quote(o.rules or RULES)
    .. " --data " .. L.quote(o.data or DATA) .. " --scheme " .. o.scheme .. " --period " .. o.period
    .. " --format " .. o.format .. " --out " .. L.quote(o.out)
  return L.run(cmd)
end

local function eval(scheme, period)
  local out, err, code = L.run(L.quote(bin) .. " eval --rules " .. L.quote(RULES) .. " --data "
    .. L.quote(DATA) .. " --scheme " .. scheme .. " --period " .. period .. " --format json")
  assert(code == 0, "pinggu eval failed: " .. err)
  return cjson.decode(out)
end

-- the HTML is written as well-formed XML (void elements closed), so a strict parser checks it
local function wellformed(path)
  local _, err, code = L.run("xmllint --noout " .. L.quote(path))
  return code == 0, err
end

local function esc(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"):gsub("'", "&#39;"))
end

local function units_of(rules)
  local _, rows = L.read_csv(rules .. "/units.csv")
  return rows
end

T:section("monthly HTML: well-formed, self-contained, every unit, marks, A4", function()
  local out = L.tmpdir()
  local listed, err, code = report { scheme = "monthly", period = "2021-05", format = "html", out = out }
  T:eq("exit code", 0, code, err)
  T:eq("the path printed", out .. "/monthly-2021-05.html\n", listed)
  local path = out .. "/monthly-2021-05.html"
  local html = L.slurp(path) or ""
  local ok, why = wellformed(path)
  T:ok(ok, "xmllint parses the page", why)
  T:contains("A4 page", html, "@page{size:A4")
  T:contains("page breaks between sections", html, "break-before:page")
  T:contains("Noto CJK font", html, "\"Noto Sans CJK SC\"")
  T:ok(not html:find("<script", 1, true), "no script")
  T:ok(not html:find("src=\"http", 1, true) and not html:find("href=\"http", 1, true)
    and not html:find("@import", 1, true), "nothing fetched from elsewhere")
  T:contains("inline SVG charts", html, "<svg class=\"chart\"")
  for _, u in ipairs(units_of(RULES)) do
    T:contains("unit " .. u.id .. " listed", html, ">" .. esc(u.name) .. "<")
    T:contains("unit " .. u.id .. " has a section", html, "id=\"u-" .. u.id .. "\"")
  end
  local ev = eval("monthly", "2021-05")
  local seen = {}
  for _, g in ipairs(ev.groups) do
    T:contains("group " .. g.id .. " ranking", html, "<h3 id=\"g-" .. g.id .. "\">")
    for _, r in ipairs(g.ranking) do
      local rank = math.tointeger(r.rank) -- lua-cjson decodes every number as a float
      local mark = r.movement == "same" and "=" or r.movement == "new" and "新"
        or ((r.movement == "up" and "↑" or "↓") .. math.tointeger(math.abs(r.previous_rank - r.rank)))
      seen[r.movement] = true
      T:matches("row of " .. r.unit, html, "<tr><td class=\"c\">" .. rank .. "</td><td><a href=\"#u%-"
        .. L.pattern(r.unit) .. "\">[^<]*</a></td><td class=\"n\">" .. L.pattern(string.format("%.2f", r.total))
        .. "</td>.-<td class=\"c " .. r.movement .. "\" title=\"[^\"]*\">" .. L.pattern(mark) .. "</td>")
    end
  end
  T:ok(seen.up and seen.down and seen.same, "the sample month has up, down and same movements")
  T:contains("legend without colour", html, "↑n 上升 n 位，↓n 下降 n 位，= 持平，新 上期未排名")
  T:contains("biggest improvements", html, "进步最大：")
  T:contains("no-business units on their own", html, "<p>本期无业务、不计分的指标")
  T:contains("a unit's small trend (earlier months exist)", html, "<svg class=\"chart small\"")
  -- every indicator link resolves in the documentation written next to the page
  local n = 0
  for g, id in html:gmatch('href="doc/([%w_]+)%.html#ind%-([%w_]+)"') do
    local doc = L.slurp(out .. "/doc/" .. g .. ".html") or ""
    n = n + 1
    if not T:ok(doc:find('id="ind-' .. id .. '"', 1, true), "doc/" .. g .. ".html#ind-" .. id .. " resolves") then break end
  end
  T:ok(n > 50, "indicators link to their documentation", n .. " links")
end)

T:section("monthly JSON: rankings as eval's, lost points add up to each part", function()
  local out = L.tmpdir()
  local _, err, code = report { scheme = "monthly", period = "2021-05", format = "json", out = out }
  T:eq("exit code", 0, code, err)
  local b = cjson.decode(L.slurp(out .. "/monthly-2021-05.json") or "{}")
  local ev = eval("monthly", "2021-05")
  for gi, g in ipairs(ev.groups) do
    local bg = b.groups[gi]
    T:eq(g.id .. " rows", #g.ranking, #bg.ranking)
    for i, r in ipairs(g.ranking) do
      T:eq(g.id .. " row " .. i .. " unit", r.unit, bg.ranking[i].unit)
      T:near(r.unit .. " total", r.total, bg.ranking[i].total, 1e-9)
      T:near(r.unit .. " change", r.change, bg.ranking[i].change, 1e-9)
      T:eq(r.unit .. " movement", r.movement, bg.ranking[i].movement)
    end
  end
  local byid = {}
  for _, u in ipairs(b.units) do byid[u.unit] = u end
  local checked = 0
  for _, u in ipairs(ev.units) do
    local expect, got = {}, {}
    for _, ind in ipairs(u.indicators) do
      if ind.depth == 0 and not L.isnull(ind.lost) then expect[ind.part] = ind.lost end
    end
    for _, l in ipairs(byid[u.unit].lost) do got[l.part] = (got[l.part] or 0) + l.lost end
    for part, lost in pairs(expect) do
      T:near(u.unit .. " lost on " .. part .. " adds up", lost, got[part] or 0, 0.002)
      checked = checked + 1
    end
  end
  T:ok(checked > 50, "lost points checked", checked)
end)

T:section("monthly CSV: a BOM, one file per group plus lost points, round trip", function()
  local out = L.tmpdir()
  local listed, err, code = report { scheme = "monthly", period = "2021-05", format = "csv", out = out }
  T:eq("exit code", 0, code, err)
  local ev = eval("monthly", "2021-05")
  for _, g in ipairs(ev.groups) do
    local path = out .. "/monthly-2021-05-" .. g.id .. ".csv"
    T:contains("listed " .. g.id, listed, path .. "\n")
    local text = L.slurp(path) or ""
    T:eq(g.id .. " starts with the BOM", BOM, text:sub(1, 3))
    local header, rows = L.read_csv_text(text:sub(4))
    T:eq(g.id .. " header", "排名,单位,单位代码,总分,常态化监测,重大应用平台（月度）,环比,变动,等次",
      table.concat(header, ","))
    for i, r in ipairs(g.ranking) do
      local row = rows[i] or {}
      T:eq(r.unit .. " rank", r.rank, tonumber(row["排名"]))
      T:eq(r.unit .. " name", r.name, row["单位"])
      T:near(r.unit .. " total", r.total, tonumber(row["总分"]), 1e-9)
      T:near(r.unit .. " change", r.change, tonumber(row["环比"]), 1e-9)
    end
  end
  local text = L.slurp(out .. "/monthly-2021-05-lost.csv") or ""
  T:eq("lost points start with the BOM", BOM, text:sub(1, 3))
  local _, rows = L.read_csv_text(text:sub(4))
  local sum, sum_total = {}, {}
  for _, r in ipairs(rows) do
    sum[r["单位"]] = (sum[r["单位"]] or 0) + tonumber(r["失分"])
    sum_total[r["单位"]] = (sum_total[r["单位"]] or 0) + tonumber(r["总分失分"])
  end
  for _, u in ipairs(ev.units) do
    local expect = 0
    for _, ind in ipairs(u.indicators) do
      if ind.depth == 0 and not L.isnull(ind.lost) then expect = expect + ind.lost end
    end
    T:near(u.unit .. " lost points in the CSV", expect, sum[u.name] or 0, 0.003)
    -- what the total lost: 100 − total in the monthly scheme (no bonus part)
    if not L.isnull(u.total) then
      T:near(u.unit .. " lost of the total in the CSV", 100 - u.total, sum_total[u.name] or 0, 0.011)
    end
  end
end)

-- Page 1 is the 通报 (issue 18 §1): the 总体情况 of each group, computed here again from
-- `pinggu eval --format json` (count, mean, median, their change against the month before from
-- the previous month's eval, bands, first and last three, biggest gains and falls), the
-- rankings with bands coloured by place, the draft marker, the signature date and the
-- annexes; lost points on the total's scale add up to what each unit's total lost.
T:section("page 1: the 通报 itself, its 总体情况 recomputed from eval", function()
  local out = L.tmpdir()
  local _, err, code = report({ scheme = "monthly", period = "2021-05", format = "html", out = out },
    "SOURCE_DATE_EPOCH=1640505600") -- 2021-12-26 08:00 UTC: 2021年12月26日 in Beijing
  T:eq("exit code", 0, code, err)
  local html = L.slurp(out .. "/monthly-2021-05.html") or ""
  local notice = html:match('<section class="notice">(.-)</section>') or ""
  T:contains("a draft says so", notice, "未发布稿，以正式通报为准（生成于2021年12月26日）")
  T:contains("一、总体情况", notice, "<h2>一、总体情况</h2>")
  T:contains("二、排名情况", notice, "<h2>二、排名情况</h2>")
  T:contains("the issuer heads it", notice, '<p class="issuer">汕尾市政务服务数据管理局</p>')
  T:contains("its 文号, from the scheme's template", notice, '<p class="number">汕数评〔2021〕5号</p>')
  T:contains("signed by the issuer with the date", notice,
    '<div class="sign">汕尾市政务服务数据管理局<br/>2021年12月26日</div>')
  for _, a in ipairs { "各单位失分明细", "未排名、无业务与特别计分情况", "得分分布与计分说明" } do
    T:contains("annex listed: " .. a, notice, a .. "</a></li>")
  end
  T:contains("annex 1 follows", html, "<h2>附件1　各单位失分明细</h2>")
  T:contains("page numbers", html, 'counter(page)')
  local ev, prev = eval("monthly", "2021-05"), eval("monthly", "2021-04")
  local band_order, band_at = {}, {}
  for label in (L.slurp(RULES .. "/ruleset.lua") or ""):match("bands = (%b{})"):gmatch('{ *"([^"]+)", *[%d.]+ *}') do
    band_order[#band_order + 1] = label
    band_at[label] = #band_order
  end
  T:ok(#band_order >= 3, "the rule set's bands read", #band_order)
  local function f2(x) return string.format("%.2f", L.round(x, 2)) end
  local function centre(v)
    table.sort(v)
    local sum = 0
    for _, x in ipairs(v) do sum = sum + x end
    local n = #v
    return sum / n, n % 2 == 1 and v[(n + 1) // 2] or (v[n // 2] + v[n // 2 + 1]) / 2
  end
  local function change(now, before)
    local d = L.round(L.round(now, 2) - L.round(before, 2), 2)
    if d == 0 then return "（与上期持平）" end
    return "（比上期" .. (d > 0 and "提高" or "下降") .. " " .. f2(math.abs(d)) .. " 分）"
  end
  for gi, g in ipairs(ev.groups) do
    local para = notice:match("<p>(" .. L.pattern(g.name) .. "共 .-)</p>") or ""
    local totals, before = {}, {}
    for _, r in ipairs(g.ranking) do totals[#totals + 1] = r.total end
    for _, r in ipairs(prev.groups[gi].ranking) do before[#before + 1] = r.total end
    T:contains(g.id .. ": how many", para, g.name .. "共 " .. #g.ranking .. " 个单位参加排名")
    local mean, median = centre(totals)
    local pmean, pmedian = centre(before)
    T:contains(g.id .. ": mean and its change", para, "平均 " .. f2(mean) .. " 分" .. change(mean, pmean))
    T:contains(g.id .. ": median and its change", para, "中位数 " .. f2(median) .. " 分" .. change(median, pmedian))
    T:contains(g.id .. ": first", para, "前三名：" .. g.ranking[1].name .. " " .. f2(g.ranking[1].total) .. " 分")
    local last = g.ranking[#g.ranking]
    T:contains(g.id .. ": last", para, last.name .. " " .. f2(last.total) .. " 分。")
    local bands = {}
    for _, r in ipairs(g.ranking) do bands[r.band] = (bands[r.band] or 0) + 1 end
    for band, n in pairs(bands) do T:contains(g.id .. ": band " .. band, para, band .. " " .. n .. " 个") end
    local best, worst
    for _, r in ipairs(g.ranking) do
      if not L.isnull(r.change) then
        if r.change > 0 and (not best or r.change > best.change) then best = r end
        if r.change < 0 and (not worst or r.change < worst.change) then worst = r end
      end
    end
    if best then T:contains(g.id .. ": biggest gain", para, "进步最大：" .. best.name .. "（+" .. f2(best.change) .. " 分") end
    if worst then T:contains(g.id .. ": biggest fall", para, "退步最大：" .. worst.name .. "（-" .. f2(-worst.change) .. " 分") end
    -- each band cell coloured by the band's place in the rule set (best green, worst red), and named
    for _, r in ipairs(g.ranking) do
      local at = band_at[r.band]
      local class = at == 1 and "band-good" or at == #band_order and "band-bad" or "band-mid"
      T:matches(r.unit .. ": band coloured by place", notice, 'href="#u%-' .. L.pattern(r.unit)
        .. '"[^\n]-<td class="c ' .. L.pattern(class) .. '">' .. L.pattern(r.band) .. "</td>")
    end
  end
  -- lost points of the total add up to what the total lost (no bonus part in monthly)
  local _, jerr, jcode = report({ scheme = "monthly", period = "2021-05", format = "json", out = out },
    "SOURCE_DATE_EPOCH=1640505600")
  T:eq("json exit code", 0, jcode, jerr)
  local b = cjson.decode(L.slurp(out .. "/monthly-2021-05.json") or "{}")
  local checked = 0
  for _, u in ipairs(b.units) do
    if u.rank and not L.isnull(u.rank) and u.rank > 0 then
      local sum = 0
      for _, l in ipairs(u.lost) do sum = sum + l.lost_total end
      T:near(u.unit .. ": lost of the total adds up to 100 − total", 100 - u.total, sum, 0.011)
      checked = checked + 1
    end
  end
  T:ok(checked > 30, "units checked", checked)
  T:eq("json: a draft", 0, b.issue and b.issue.edition)
  T:eq("json: the draft's date", "2021年12月26日", b.issue and b.issue.date)
  T:eq("json: the 文号", "汕数评〔2021〕5号", b.issue and b.issue.number)
  T:ok(b.groups[1].summary and b.groups[1].summary:find("共 ", 1, true), "json: the group's summary")
end)

T:section("January: nothing to compare, so no 环比 or 变动 columns, never 新 on every row", function()
  local out = L.tmpdir()
  local _, err, code = report { scheme = "monthly", period = "2021-01", format = "html", out = out }
  T:eq("exit code", 0, code, err)
  local html = L.slurp(out .. "/monthly-2021-01.html") or ""
  T:ok(not html:find("环比（分）", 1, true), "no 环比 column")
  T:ok(not html:find('title="无上期排名"', 1, true), "no 新 marks")
  T:ok(not html:find("（比上期", 1, true), "no change in the 总体情况")
end)

T:section("January: every mark is 新, no 环比", function()
  local out = L.tmpdir()
  local _, err, code = report { scheme = "monthly", period = "2021-01", format = "csv", out = out }
  T:eq("exit code", 0, code, err)
  local _, rows = L.read_csv_text((L.slurp(out .. "/monthly-2021-01-dept.csv") or ""):sub(4))
  T:ok(#rows > 0, "rows")
  for _, r in ipairs(rows) do
    if r["排名"] ~= "" then
      T:eq(r["单位"] .. " mark", "新", r["变动"])
      T:eq(r["单位"] .. " change", "", r["环比"])
    end
  end
end)

T:section("annual: the composite from the scheme, the monthly trend", function()
  local out = L.tmpdir()
  local _, err, code = report { scheme = "annual", period = "2021", format = "html", out = out }
  T:eq("exit code", 0, code, err)
  local path = out .. "/annual-2021.html"
  local html = L.slurp(path) or ""
  local ok, why = wellformed(path)
  T:ok(ok, "xmllint parses the page", why)
  T:contains("the formula, read from the scheme", html, "常态化监测（4–12月平均） × 0.4 + 年终考核 × 0.6")
  T:contains("a monthly trend per unit", html, "月度得分走势（底色为计入年度平均的 4–12 月）")
  local _, err2, code2 = report { scheme = "annual", period = "2021", format = "json", out = out }
  T:eq("json exit code", 0, code2, err2)
  local b = cjson.decode(L.slurp(out .. "/annual-2021.json") or "{}")
  local ev = eval("annual", "2021")
  T:eq("twelve months in the trend", 12, #b.trend_periods)
  local byid = {}
  for _, u in ipairs(b.units) do byid[u.unit] = u end
  for _, u in ipairs(ev.units) do
    local bu = byid[u.unit]
    if not L.isnull(u.total) then
      local m, y = u.parts.monthly_avg, u.parts.year_end
      T:eq(u.unit .. " composite", string.format("%.2f × 0.4 + %.2f × 0.6 = %.2f", m, y, u.total), bu.composite)
      for p, v in pairs(u.sources.monthly_avg) do
        T:near(u.unit .. " trend " .. p, v, bu.trend[p], 1e-9)
      end
    end
  end
  local _, err3, code3 = report { scheme = "year_end", period = "2021", format = "html", out = out }
  T:eq("year_end exit code", 0, code3, err3)
  ok, why = wellformed(out .. "/year_end-2021.html")
  T:ok(ok, "year_end page parses", why)
end)

T:section("names are escaped in HTML and quoted in CSV", function()
  local rules = L.tmpdir() .. "/demo"
  os.execute("cp -r " .. L.quote(root .. "/tests/cli/fixtures/demo") .. " " .. L.quote(rules))
  local units = L.slurp(rules .. "/units.csv")
  L.write(rules .. "/units.csv", (units:gsub("jia,甲局,", "jia,\"甲局,<b>&'x'\"\"\",")))
  local out = L.tmpdir()
  local o = { rules = rules, data = rules .. "/data", scheme = "monthly", period = "2021-05", out = out }
  o.format = "html"
  local _, err, code = report(o)
  T:eq("exit code", 0, code, err)
  local html = L.slurp(out .. "/monthly-2021-05.html") or ""
  local ok, why = wellformed(out .. "/monthly-2021-05.html")
  T:ok(ok, "xmllint parses the page", why)
  T:contains("escaped name", html, ">甲局,&lt;b&gt;&amp;&#39;x&#39;&quot;<")
  T:ok(not html:find("<b>&", 1, true), "no raw markup from a name")
  o.format = "csv"
  _, err, code = report(o)
  T:eq("csv exit code", 0, code, err)
  local _, rows = L.read_csv_text((L.slurp(out .. "/monthly-2021-05-dept.csv") or ""):sub(4))
  local found = false
  for _, r in ipairs(rows) do found = found or r["单位"] == "甲局,<b>&'x'\"" end
  T:ok(found, "the name round-trips through the CSV")
end)

local xlsx_built = L.slurp(plugins .. "/xlsx.so") ~= nil
T:section("XLSX through the plugin: sheets, numbers as numbers, frozen headers", function()
  if not xlsx_built then
    io.stdout:write("note: " .. plugins .. "/xlsx.so not built (no libxlsxwriter): XLSX checks skipped\n")
    return
  end
  local out = L.tmpdir()
  local listed, err, code = report({ scheme = "monthly", period = "2021-05", format = "xlsx", out = out },
    "PINGGU_PLUGIN_DIR=" .. L.quote(plugins))
  T:eq("exit code", 0, code, err)
  local path = out .. "/monthly-2021-05.xlsx"
  T:eq("the path printed", path .. "\n", listed)
  local function part(name) return (L.run("unzip -p " .. L.quote(path) .. " " .. name)) end
  local wb = part("xl/workbook.xml")
  T:contains("dept sheet", wb, "<sheet name=\"市直单位\"")
  T:contains("lost points sheet", wb, "<sheet name=\"失分明细\"")
  local ev = eval("monthly", "2021-05")
  local sheet = part("xl/worksheets/sheet1.xml")
  T:matches("header row frozen", sheet, "<pane [^>]*ySplit=\"1\"[^>]*state=\"frozen\"")
  T:matches("lost sheet frozen", part("xl/worksheets/sheet3.xml"), "<pane [^>]*ySplit=\"1\"[^>]*state=\"frozen\"")
  local totals = {}
  for row, attrs, v in sheet:gmatch("<c r=\"D(%d+)\"([^>]*)><v>([^<]*)</v></c>") do
    if row == "1" then goto header end
    T:ok(not attrs:find("t=\"s\"", 1, true) and not attrs:find("t=\"str\"", 1, true),
      "D" .. row .. " is a number cell", attrs)
    totals[tonumber(row)] = tonumber(v)
    ::header::
  end
  for i, r in ipairs(ev.groups[1].ranking) do
    T:near(r.unit .. " total in the sheet", r.total, totals[i + 1], 1e-9)
  end
end)

-- 附件4 问题清单 (issue 18 §2): every unit's items with what its total lost (adding up to
-- 100 − total), the rule, the 整改要求 and the deadline (25 May + the default 15 days); listed
-- among the annexes; the same items as a sheet of the workbook.
T:section("问题清单: the HTML annex and the XLSX sheet", function()
  local out = L.tmpdir()
  local _, err, code = report { scheme = "monthly", period = "2021-05", format = "html", out = out }
  T:eq("exit code", 0, code, err)
  local html = L.slurp(out .. "/monthly-2021-05.html") or ""
  T:ok(wellformed(out .. "/monthly-2021-05.html"), "still well-formed")
  T:contains("listed among the annexes", html, "<li><a href=\"#issues\">问题清单</a></li>")
  local annex = html:match('<section id="issues" class="annex">(.-)</section>') or ""
  T:contains("the annex", annex, "<h2>附件4　问题清单（2021-05）</h2>")
  T:contains("the deadline", annex, "整改期限：2021-06-09")
  local ev = eval("monthly", "2021-05")
  for _, u in ipairs(ev.units) do
    local body = annex:match("<caption>" .. L.pattern(esc(u.name)) .. " 问题清单</caption>(.-)</table>")
    if not L.isnull(u.total) and u.total < 99.99 then
      T:ok(body, u.unit .. " has its list")
      local sum = 0
      for v in (body or ""):gmatch('<td class="num">([%d%.]+)</td>') do sum = sum + tonumber(v) end
      T:near(u.unit .. " items add up to what its total lost", 100 - u.total, sum, 0.06)
    end
  end
  if not xlsx_built then return end
  local xout = L.tmpdir()
  _, err, code = report({ scheme = "monthly", period = "2021-05", format = "xlsx", out = xout },
    "PINGGU_PLUGIN_DIR=" .. L.quote(plugins))
  T:eq("xlsx exit code", 0, code, err)
  local wb = L.run("unzip -p " .. L.quote(xout .. "/monthly-2021-05.xlsx") .. " xl/workbook.xml")
  T:contains("the 问题清单 sheet", wb, "<sheet name=\"问题清单\"")
end)

-- issue 18: the JSON and CSV bulletins carry the 问题清单 too — the JSON an `issues` array per
-- unit, the CSV <basename>-issues.csv — with the items the HTML annex lists; and the HTML's
-- tables other than the rankings have captions.
T:section("问题清单 in the JSON and CSV bulletins; captions on the other tables", function()
  local out = L.tmpdir()
  for _, f in ipairs { "html", "json", "csv" } do
    local listed, err, code = report { scheme = "monthly", period = "2021-05", format = f, out = out }
    T:eq(f .. " exit code", 0, code, err)
    if f == "csv" then T:contains("the issues file listed", listed, out .. "/monthly-2021-05-issues.csv\n") end
  end
  local html = L.slurp(out .. "/monthly-2021-05.html") or ""
  local annex = html:match('<section id="issues" class="annex">(.-)</section>') or ""
  local j = cjson.decode(L.slurp(out .. "/monthly-2021-05.json") or "{}")
  local text = L.slurp(out .. "/monthly-2021-05-issues.csv") or ""
  T:eq("the CSV starts with the BOM", BOM, text:sub(1, 3))
  local header, rows = L.read_csv_text(text:sub(4))
  T:eq("the CSV header", "分组,单位,单位代码,指标代码,问题（指标）,总分失分,本部分失分,评分规则,数据,整改要求,可挽回,整改期限,连续失分,评估期,逾期天数,整改状态",
    table.concat(header or {}, ","))
  local csv_n = {}
  for _, r in ipairs(rows or {}) do csv_n[r["单位"]] = (csv_n[r["单位"]] or 0) + 1 end
  local any = false
  for _, u in ipairs(j.units or {}) do
    T:ok(type(u.issues) == "table", u.unit .. " has an issues array")
    local body = annex:match("<caption>" .. L.pattern(esc(u.name)) .. " 问题清单</caption>(.-)</table>") or ""
    local html_n = select(2, body:gsub("<tr>", "")) - 1 -- the header row
    if html_n < 0 then html_n = 0 end
    T:eq(u.unit .. ": JSON items as the HTML annex", html_n, #(u.issues or {}))
    T:eq(u.unit .. ": CSV rows as the JSON", #(u.issues or {}), csv_n[u.name] or 0)
    if not L.isnull(u.total) and u.total < 99.99 then
      local sum = 0
      for _, x in ipairs(u.issues or {}) do
        sum = sum + x.lost_total
        any = any or (x.due == "2021-06-09" and x.rectify ~= nil)
      end
      T:near(u.unit .. ": JSON items add up to what its total lost", 100 - u.total, sum, 0.06)
    end
  end
  T:ok(any, "items carry the 整改要求 and the deadline")
  T:matches("a unit's lost points table has a caption", html, '<table class="lost"><caption class="sr">[^<]+失分明细</caption>')
  if html:find("无业务指标</th>", 1, true) then
    T:matches("the no-business table has a caption", html, '<caption class="sr">[^<]+本期无业务、不计分的指标</caption>')
  end
end)

-- issue 19 §7: a group of more than 50 units keeps its units' detail out of the main document —
-- it goes to <basename>-units-<group>.html, which the ranking links into — and its chart is the
-- distribution with the first and last ten, not a bar per unit. A group of 50 or fewer (the
-- demo's county, Shanwei's groups) stays as it was. 60 units made from the demo rule set.
T:section("a large group: its units' detail in an annex file, a distribution chart", function()
  local DEMO = root .. "/tests/cli/fixtures/demo"
  local rules, data, out = L.tmpdir(), L.tmpdir(), L.tmpdir()
  L.write(rules .. "/ruleset.lua", L.slurp(DEMO .. "/ruleset.lua"))
  local units, rows = { "id,name,group,code,code_kind,aliases" }, { "unit,period,metric,value,n" }
  for i = 1, 60 do
    units[#units + 1] = string.format("d%02d,部门%02d,dept,D%03d,nonstandard,", i, i, i)
    rows[#rows + 1] = string.format("d%02d,2021-05,online_rate,%.4f,100", i, 0.5 + i * 0.0075)
    rows[#rows + 1] = string.format("d%02d,2021-05,bad_reviews,%d,", i, i % 5)
  end
  units[#units + 1] = "xian,一县,county,441501,gbt2260,"
  rows[#rows + 1] = "xian,2021-05,online_rate,0.9,300"
  rows[#rows + 1] = "xian,2021-05,bad_reviews,2,"
  L.write(rules .. "/units.csv", table.concat(units, "\n") .. "\n")
  L.write(data .. "/2021-05.csv", table.concat(rows, "\n") .. "\n")
  local listed, err, code = report { rules = rules, data = data, scheme = "monthly", period = "2021-05",
    format = "html", out = out }
  T:eq("exit code", 0, code, err)
  local annex = out .. "/monthly-2021-05-units-dept.html"
  T:contains("the annex file listed", listed, annex .. "\n")
  T:ok(not listed:find("units-county", 1, true), "no annex file for the small group")
  local main = L.slurp(out .. "/monthly-2021-05.html") or ""
  local doc = L.slurp(annex) or ""
  T:ok(wellformed(out .. "/monthly-2021-05.html"), "main well-formed")
  T:ok(wellformed(annex), "annex well-formed")
  T:ok(not main:find('<section class="unit" id="u-d', 1, true), "no section of a dept unit in the main document")
  T:contains("the small group's unit stays", main, '<section class="unit" id="u-xian">')
  local n = select(2, doc:gsub('<section class="unit" id="u%-d%d%d">', ""))
  T:eq("every dept unit in the annex", 60, n)
  T:contains("the ranking links into the annex", main, 'href="monthly-2021-05-units-dept.html#u-d60"')
  T:contains("the main document points to it", main, "各单位失分明细另见附件文件")
  local method = main:match('<section class="method" id="method">(.-)</section>') or ""
  T:contains("a distribution", method, "总分分布（60 个单位）")
  local bars = select(2, method:match("市直单位总分前 10 名.-</svg>"):gsub('<rect class="bar"', ""))
  T:eq("ten bars for the first ten", 10, bars)
  T:ok(not method:find(">部门30<", 1, true), "a unit in the middle has no bar")
  T:contains("the small group's chart as before", method, ">一县</text>")
end)

T:section("plugin ABI: a wrong version is refused with a message", function()
  local out = L.tmpdir()
  local listed, err, code = report({ scheme = "monthly", period = "2021-05", format = "wrongabi", out = out },
    "PINGGU_PLUGIN_DIR=" .. L.quote(wrongabi))
  T:eq("exit code", 1, code)
  -- the version this pinggu speaks, from the header it was built with
  local abi = tonumber(L.slurp(root .. "/core/plugin/include/plugin.h"):match("#define PG_PLUGIN_ABI (%d+)"))
  T:contains("refused, naming both versions", err, string.format(
    "wrongabi.so: refused: built for plugin ABI version %d, this pinggu speaks version %d", abi + 1, abi))
  T:contains("the format is unavailable", err, "pinggu report: WRONGABI is unavailable: ")
  T:ok(not listed:find("called", 1, true), "its exporter was never called", listed)
end)

T:section("no plugin: XLSX is unavailable, exit 1, HTML still works", function()
  local empty, out = L.tmpdir(), L.tmpdir()
  local env = "PINGGU_PLUGIN_DIR=" .. L.quote(empty)
  local _, err, code = report({ scheme = "monthly", period = "2021-05", format = "xlsx", out = out }, env)
  T:eq("exit code", 1, code)
  T:contains("the message", err, "pinggu report: XLSX is unavailable: no plugin in " .. empty .. " exports 'xlsx'")
  local _, err2, code2 = report({ scheme = "monthly", period = "2021-05", format = "html", out = out }, env)
  T:eq("html exit code", 0, code2, err2)
  T:ok(L.slurp(out .. "/monthly-2021-05.html") ~= nil, "html written")
end)

T:section("bad input: clear errors and exit codes", function()
  local out = L.tmpdir()
  local _, err, code = report { scheme = "nosuch", period = "2021-05", format = "html", out = out }
  T:eq("unknown scheme exit code", 1, code)
  T:contains("unknown scheme message", err, "--scheme nosuch: the rule set has no such scheme")
  _, err, code = report { scheme = "monthly", period = "May", format = "html", out = out }
  T:eq("bad period exit code", 2, code)
  T:contains("bad period message", err, "--period May: use YYYY-MM")
  _, err, code = report { scheme = "monthly", period = "2021-05", format = "docx", out = out }
  T:eq("unknown format exit code", 1, code)
  T:contains("unknown format message", err, "DOCX is unavailable")
end)

T:done()
