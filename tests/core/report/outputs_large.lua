-- report.outputs_large — the bulletin's outputs for a group of more than 50 units (issue 19 §7):
--   - the XLSX puts that group's lost points and 问题清单 on sheets of their own (失分明细（市直单位）,
--     问题清单（市直单位）), the smaller group's on the shared 失分明细 and 问题清单;
--   - every lost-points figure of the XLSX is the HTML's (its unit section, 2 decimals, rounded as
--     the rule set's rounding_mode rounds) as a number cell showing 2 decimals, and the 问题清单's
--     the CSV's (<basename>-issues.csv): under truncate and half_even, where Excel's own display
--     rounding, or the stored fourth decimal, would show another figure;
--   - `pinggu report --format pdf` prints the group's 附件 (<basename>-units-dept.html) to its own
--     PDF, every font embedded (pdffonts), holding the group's units (pdftotext).
-- 60 department units and one county made from the demo rule set, as report.lua's large group.
--
-- Run as `lua5.4 outputs_large.lua PINGGU SOURCE_ROOT PLUGIN_DIR XLSX_BUILT XLSX2CSV`. Without
-- the xlsx plugin the XLSX sections are skipped (said on stdout); a missing xlsx2csv, pdffonts,
-- pdftotext or Chromium fails.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../../e2e/?.lua;" .. package.path
local L = require "lib"

local bin, root, plugins, built, xlsx2csv = arg[1], arg[2], arg[3], arg[4], arg[5]
if not (bin and root and plugins and built and xlsx2csv) then
  io.stderr:write("usage: lua5.4 outputs_large.lua PINGGU SOURCE_ROOT PLUGIN_DIR XLSX_BUILT XLSX2CSV\n")
  os.exit(2)
end
local T = L.tester("report.outputs_large")
local DEMO = root .. "/tests/cli/fixtures/demo"

-- the rule set (with `fields` added to its ruleset { }) and a month of data: 60 dept units whose
-- online rates give lost points with third and fourth decimals, and the county
local function rules(fields)
  local dir = L.tmpdir()
  local text, n = L.slurp(DEMO .. "/ruleset.lua"):gsub("ruleset {", "ruleset { " .. fields, 1)
  assert(n == 1, "the demo's ruleset moved")
  L.write(dir .. "/ruleset.lua", text)
  local units = { "id,name,group,code,code_kind,aliases" }
  for i = 1, 60 do units[#units + 1] = string.format("d%02d,部门%02d,dept,D%03d,nonstandard,", i, i, i) end
  units[#units + 1] = "xian,一县,county,441501,gbt2260,"
  L.write(dir .. "/units.csv", table.concat(units, "\n") .. "\n")
  return dir
end
local data = L.tmpdir()
do
  local rows = { "unit,period,metric,value,n" }
  for i = 1, 60 do
    rows[#rows + 1] = string.format("d%02d,2021-05,online_rate,%.4f,100", i, 0.5 + i * 0.0071)
    rows[#rows + 1] = string.format("d%02d,2021-05,bad_reviews,%d,", i, i % 5)
  end
  rows[#rows + 1] = "xian,2021-05,online_rate,0.9137,300"
  rows[#rows + 1] = "xian,2021-05,bad_reviews,2,"
  L.write(data .. "/2021-05.csv", table.concat(rows, "\n") .. "\n")
end

local function report(dir, format, out)
  return L.run(table.concat({ "PINGGU_PLUGIN_DIR=" .. L.quote(plugins), L.quote(bin), "report --rules", L.quote(dir),
    "--data", L.quote(data), "--scheme monthly --period 2021-05 --format", format, "--out", L.quote(out) }, " "))
end

-- RFC 4180 rows of xlsx2csv's output (quoted fields may hold commas and newlines)
local function parse_csv(text)
  local rows, row, field, i, n = {}, {}, {}, 1, #text
  local function endfield() row[#row + 1] = table.concat(field); field = {} end
  local function endrow() endfield(); rows[#rows + 1] = row; row = {} end
  while i <= n do
    local c = text:sub(i, i)
    if c == '"' and #field == 0 then
      local j = i + 1
      while true do
        local q = assert(text:find('"', j, true), "unterminated quote")
        field[#field + 1] = text:sub(j, q - 1)
        if text:sub(q + 1, q + 1) == '"' then field[#field + 1] = '"'; j = q + 2 else i = q + 1; break end
      end
    elseif c == "," then endfield(); i = i + 1
    elseif c == "\r" and text:sub(i + 1, i + 1) == "\n" then endrow(); i = i + 2
    elseif c == "\n" then endrow(); i = i + 1
    else
      local j = text:find("[,\r\n]", i) or (n + 1)
      field[#field + 1] = text:sub(i, j - 1)
      i = j
    end
  end
  if #field > 0 or #row > 0 then endrow() end
  return rows
end

-- The HTML's lost points of each unit, by "unit name|indicator name": {max, got, lost_total, lost}
-- as printed, from the unit sections of the main document and of the annex files.
local function html_lost(files)
  local by = {}
  for _, file in ipairs(files) do
    local html = L.slurp(file) or ""
    for body in html:gmatch('<section class="unit" id="u%-[^"]*">(.-)</section>') do
      local name = body:match("<h4>(.-)</h4>") or ""
      for tr in body:gmatch("<tr><td><a [^>]*>(.-)</tr>") do
        local ind = tr:match("^(.-)</a>")
        local figs = {}
        for v in tr:gmatch('<td class="n">([^<]*)</td>') do figs[#figs + 1] = v end
        if ind and #figs >= 4 then by[name .. "|" .. ind] = figs end
      end
    end
  end
  return by
end

local xlsx_built = built == "1"
if not xlsx_built then io.stdout:write("note: the xlsx plugin was not built: the XLSX sections are skipped\n") end

for _, mode in ipairs { "truncate", "half_even" } do
  T:section("XLSX, rounding_mode = " .. mode .. ": the large group's detail on its own sheets, the HTML's figures", function()
    if not xlsx_built then return end
    local dir, out = rules(string.format('rounding = 2, rounding_mode = "%s", ', mode)), L.tmpdir()
    for _, f in ipairs { "html", "csv", "xlsx" } do
      local _, err, code = report(dir, f, out)
      T:eq(f .. " exit code", 0, code, err)
    end
    local xlsx = out .. "/monthly-2021-05.xlsx"
    local all = "\n" .. (L.run(L.quote(xlsx2csv) .. " -a " .. L.quote(xlsx)))
    local names = {}
    for name in all:gmatch("\n%-%-%-%-%-%-%-%- %d+ %- ([^\n]*)") do names[#names + 1] = name end
    T:eq("the sheets", "市直单位|县(市、区)|失分明细|问题清单|失分明细（市直单位）|问题清单（市直单位）",
      table.concat(names, "|"))
    local function sheet(name)
      local text, err, code = L.run(L.quote(xlsx2csv) .. " -n " .. L.quote(name) .. " " .. L.quote(xlsx))
      T:eq("xlsx2csv -n " .. name, 0, code, err)
      return parse_csv(text)
    end
    -- the shared sheet has the county's rows only, the group's sheet every dept unit's
    local shared, own = sheet("失分明细"), sheet("失分明细（市直单位）")
    T:eq("the shared sheet's header", "分组,单位,部分,指标代码,指标,满分,得分,折算系数,失分,总分失分", table.concat(shared[1] or {}, ",", 1, 10))
    local who = {}
    for r = 2, #shared do who[#who + 1] = shared[r][2] end
    T:ok(#who > 0, "the shared 失分明细 has rows")
    T:eq("the shared 失分明细 holds the county's unit only", "", (table.concat(who, "|"):gsub("一县|?", "")))
    local units = {}
    for r = 2, #own do units[own[r][2]] = true; T:eq("a row of the dept sheet is a dept unit's", "市直单位", own[r][1]) end
    local n = 0
    for _ in pairs(units) do n = n + 1 end
    T:ok(n >= 55, "the dept sheet holds the dept units' lost points", n)
    -- every figure as the HTML prints it, a number showing 2 decimals
    local html = html_lost { out .. "/monthly-2021-05.html", out .. "/monthly-2021-05-units-dept.html" }
    local compared, differs = 0, 0
    for _, rows in ipairs { shared, own } do
      for r = 2, #rows do
        local row = rows[r]
        local want = html[row[2] .. "|" .. row[5]]
        if T:ok(want, "the HTML has " .. row[2] .. " " .. row[5]) then
          -- 满分 得分 总分失分 失分 in the HTML; 满分 得分 失分 总分失分 (F G I J) in the sheet
          local got = { row[6], row[7], row[10], row[9] }
          for k = 1, 4 do
            compared = compared + 1
            T:ok(got[k]:match("^%-?%d+%.%d%d$"), row[2] .. " " .. row[5] .. " col " .. k .. " shows 2 decimals", got[k])
            if not T:eq(row[2] .. " " .. row[5] .. " figure " .. k .. " as the HTML", tonumber(want[k]), tonumber(got[k])) then
              differs = differs + 1
            end
          end
        end
      end
    end
    T:ok(compared > 200, "figures compared", compared)
    T:eq("figures unlike the HTML's", 0, differs)
    -- the stored cell is the rounded figure itself, not one a format rounds for display
    local raw = L.run("unzip -p " .. L.quote(xlsx) .. " xl/worksheets/sheet5.xml")
    local long = 0
    for v in raw:gmatch('<c r="[FGIJ]%d+"[^>]*><v>([^<]*)</v>') do
      if (v:match("%.(%d+)") or ""):len() > 2 and math.abs(tonumber(v) * 100 - math.floor(tonumber(v) * 100 + 0.5)) > 1e-6 then
        long = long + 1
      end
    end
    T:eq("no stored lost-points figure has more than 2 decimals", 0, long)
    -- the 问题清单 sheets: the CSV's figures
    local _, issues = L.read_csv_text((L.slurp(out .. "/monthly-2021-05-issues.csv") or ""):sub(4))
    local csv = {}
    for _, r in ipairs(issues or {}) do
      csv[r["单位"] .. "|" .. r["指标代码"]] = r
    end
    local items = 0
    for _, name in ipairs { "问题清单", "问题清单（市直单位）" } do
      local rows = sheet(name)
      for r = 2, #rows do
        local row, c = rows[r], csv[rows[r][1] .. "|" .. rows[r][2]]
        items = items + 1
        if T:ok(c, name .. ": " .. row[1] .. " " .. row[2] .. " in the CSV") then
          T:eq(name .. ": " .. row[1] .. " " .. row[2] .. " 总分失分 as the CSV", tonumber(c["总分失分"]), tonumber(row[4]))
          T:eq(name .. ": " .. row[1] .. " " .. row[2] .. " 部分失分 as the CSV", tonumber(c["本部分失分"]), tonumber(row[5]))
        end
        if name == "问题清单" then T:eq("the shared 问题清单 is the county's", "一县", row[1]) end
      end
    end
    T:ok(items > 60, "问题清单 items compared", items)
  end)
end

T:section("PDF: the large group's 附件 printed too, fonts embedded", function()
  local dir, out = rules(""), L.tmpdir()
  local listed, err, code = report(dir, "pdf", out)
  T:eq("exit code", 0, code, err)
  local annex = out .. "/monthly-2021-05-units-dept.pdf"
  T:contains("the main PDF listed", listed, out .. "/monthly-2021-05.pdf\n")
  T:contains("the 附件's PDF listed", listed, annex .. "\n")
  T:ok(not listed:find("units-county", 1, true), "no 附件 for the small group")
  local head = (L.slurp(annex) or ""):sub(1, 5)
  T:eq("a PDF", "%PDF-", head)
  local fonts, ferr, fcode = L.run("pdffonts " .. L.quote(annex))
  T:eq("pdffonts runs", 0, fcode, ferr)
  local n, bare = 0, {}
  for line in fonts:gmatch("[^\n]+") do
    if not line:find("^name") and not line:find("^%-%-%-") then
      n = n + 1
      local f = {}
      for w in line:gmatch("%S+") do f[#f + 1] = w end
      -- the columns from the end: object ID, object, uni, sub, emb
      if f[#f - 4] ~= "yes" then bare[#bare + 1] = line end
    end
  end
  T:ok(n > 0, "the 附件's PDF has fonts", fonts)
  T:eq("every font embedded", "", table.concat(bare, "\n"))
  local text = L.run("pdftotext -enc UTF-8 " .. L.quote(annex) .. " -")
  T:contains("the first dept unit", text, "部门01")
  T:contains("the last dept unit", text, "部门60")
  T:ok(not text:find("一县", 1, true), "not the county's unit")
end)

T:done()
