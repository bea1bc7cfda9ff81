-- report.pdf_links — the links of a PDF bulletin stay within the PDF set (issue 19 §7), with
-- Debian's Chromium and poppler's pdfinfo:
--   - the main PDF links the large group's 附件 as its PDF (<basename>-units-dept.pdf, with a
--     unit's #u- anchor or without), never its HTML, and names it so in words;
--   - every link into the report's directory is relative (not file:///the directory it was
--     printed in), so the set works wherever it is copied, and each file so linked is there;
--   - the HTML keeps linking the 附件's HTML; no temporary file is left in the directory, and
--     pdfinfo reads both PDFs without a complaint (the links were edited in place).
-- 60 department units and one county made from the demo rule set, as report.outputs_large.
-- Run as `lua5.4 pdf_links.lua PINGGU SOURCE_ROOT`.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../../e2e/?.lua;" .. package.path
local L = require "lib"

local bin, root = arg[1], arg[2]
if not (bin and root) then
  io.stderr:write("usage: lua5.4 pdf_links.lua PINGGU SOURCE_ROOT\n")
  os.exit(2)
end
local T = L.tester("report.pdf_links")
local DEMO = root .. "/tests/cli/fixtures/demo"

local rules, data, out = L.tmpdir(), L.tmpdir(), L.tmpdir()
L.write(rules .. "/ruleset.lua", L.slurp(DEMO .. "/ruleset.lua"))
local units, rows = { "id,name,group,code,code_kind,aliases" }, { "unit,period,metric,value,n" }
for i = 1, 60 do
  units[#units + 1] = string.format("d%02d,部门%02d,dept,D%03d,nonstandard,", i, i, i)
  rows[#rows + 1] = string.format("d%02d,2021-05,online_rate,%.4f,100", i, 0.5 + i * 0.0071)
  rows[#rows + 1] = string.format("d%02d,2021-05,bad_reviews,%d,", i, i % 5)
end
units[#units + 1] = "xian,一县,county,441501,gbt2260,"
rows[#rows + 1] = "xian,2021-05,online_rate,0.9137,300"
rows[#rows + 1] = "xian,2021-05,bad_reviews,2,"
L.write(rules .. "/units.csv", table.concat(units, "\n") .. "\n")
L.write(data .. "/2021-05.csv", table.concat(rows, "\n") .. "\n")

-- a directory name a URL must percent-encode (a space, CJK), as an office's folder may be
local dir = out .. "/五月 通报"
os.execute("mkdir -p " .. L.quote(dir))
local listed, err, code = L.run(table.concat({ L.quote(bin), "report --rules", L.quote(rules), "--data",
  L.quote(data), "--scheme monthly --period 2021-05 --format pdf --out", L.quote(dir) }, " "))
T:eq("pinggu report --format pdf exits 0", 0, code, err)
local main, annex = dir .. "/monthly-2021-05.pdf", dir .. "/monthly-2021-05-units-dept.pdf"
T:contains("the main PDF is written", listed, main .. "\n")
T:contains("the 附件's PDF is written", listed, annex .. "\n")

-- pdfinfo -url: "Page  Type  URL" rows
local function urls(pdf)
  local text, e, c = L.run("pdfinfo -url " .. L.quote(pdf))
  T:eq("pdfinfo -url reads " .. pdf:match("[^/]*$"), 0, c, e)
  T:eq("… without a complaint", "", e)
  local list = {}
  for line in text:gmatch("[^\n]+") do
    local u = line:match("^%s*%d+%s+%S+%s+(%S+)%s*$")
    if u then list[#list + 1] = u end
  end
  return list
end

local links = urls(main)
local to_annex, absolute, to_html = 0, {}, {}
for _, u in ipairs(links) do
  if u:find("^monthly%-2021%-05%-units%-dept%.pdf") then to_annex = to_annex + 1 end
  if u:find("^file:") then absolute[#absolute + 1] = u end
  if u:find("units%-[%w_-]+%.html") then to_html[#to_html + 1] = u end
  local file = u:match("^([^#:]+)")
  if file and not u:find("^%a+:") then
    T:ok(io.open(dir .. "/" .. file, "rb") ~= nil, "the linked file is there: " .. file)
  end
end
T:ok(to_annex > 60, "the main PDF links the 附件's PDF (the group's paragraph and each unit's row)",
  tostring(to_annex) .. " of " .. #links)
T:eq("no link names the 附件's HTML", "", table.concat(to_html, " "))
T:eq("no link is absolute (file:///…)", "", table.concat(absolute, " "))
T:eq("a unit's row links its section in the 附件's PDF", 1,
  #(function()
    local x = {}
    for _, u in ipairs(links) do if u == "monthly-2021-05-units-dept.pdf#u-d37" then x[#x + 1] = u end end
    return x
  end)())

local annex_links = urls(annex)
local abs2 = {}
for _, u in ipairs(annex_links) do if u:find("^file:") then abs2[#abs2 + 1] = u end end
T:eq("the 附件's own links are relative too", "", table.concat(abs2, " "))

-- (pdftotext joins a name broken over two lines without its hyphen: compared without hyphens)
local text = L.run("pdftotext -enc UTF-8 " .. L.quote(main) .. " - | tr -d '\\n -'")
T:contains("the main PDF names the 附件's PDF in words", text, "monthly202105unitsdept.pdf")
T:ok(not text:find("unitsdept.html", 1, true), "… not its HTML")
local html = L.slurp(dir .. "/monthly-2021-05.html") or ""
T:contains("the HTML still links the 附件's HTML", html, 'href="monthly-2021-05-units-dept.html#u-d37"')
T:eq("no temporary file is left", "", (L.run("ls -A " .. L.quote(dir) .. " | grep '^\\.' || true")))

L.cleanup()
T:done()
