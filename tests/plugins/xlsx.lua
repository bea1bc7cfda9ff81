-- xlsx.lua PINGGU SOURCE_ROOT GEN_RAW XLSX_MAKE — the xlsx plugin's reader: workbooks as
-- batches of raw records and of values (`pinggu ingest --source cases book.xlsx`,
-- `--values book.xlsx`).
--
-- The strongest checks there are: a generated month of Shanwei cases written as a workbook of
-- typed cells by libxlsxwriter (xlsx_make: shared strings, numbers, booleans, times as date
-- serials of local time) stores partials byte for byte identical to the CSV's, and evaluates
-- the same; the same rows written as text cells (inline strings, libxlsxwriter's
-- constant_memory mode) are the very same batch as the CSV; and a workbook made by another
-- program (openpyxl, committed in fixtures/ with the script that made it: the 1904 date
-- system, inline strings, a sheet of notes first) is the same batch as the CSVs of its rows.
-- Then: every bad cell is reported at its cell and nothing is stored; merged header cells, a
-- missing or unknown column, an unknown or ambiguous sheet and a file that is not a workbook
-- are refused, saying what and where.
package.path = arg[2] .. "/tests/e2e/?.lua;" .. package.path
local L = require "lib"
local bin, root = L.args()
local gen_raw, make = arg[3], arg[4]
local T = L.tester("plugins.xlsx")

local function sh(cmd)
  return L.run(cmd)
end
local plugin_dir = bin:match("^(.*)/[^/]*$") .. "/plugins"
if not io.open(plugin_dir .. "/xlsx.so") then
  print("FAIL: " .. plugin_dir .. "/xlsx.so was not built (libxlsxwriter-dev missing at configure?)")
  os.exit(1)
end

local work = L.tmpdir()
local rules = root .. "/rules/shanwei-2021"
local fixtures = root .. "/tests/plugins/fixtures"
local _, err, code = sh(L.quote(gen_raw) .. " --scale 0.01 --units " .. L.quote(rules .. "/units.csv") ..
  " --out " .. L.quote(work .. "/raw"))
assert(code == 0, "gen-raw: " .. err)
local cases_csv = work .. "/raw/cases/2021-05.csv"

local function book(out, const, sheets)
  local args = { L.quote(make) }
  if const then args[#args + 1] = "--const" end
  args[#args + 1] = L.quote(out)
  for _, s in ipairs(sheets) do args[#args + 1] = L.quote(s) end
  local _, e, c = sh(table.concat(args, " "))
  assert(c == 0, "xlsx_make: " .. e)
  return out
end

local function ingest(data, args)
  return sh(L.quote(bin) .. " ingest --rules " .. L.quote(rules) .. " --data " .. L.quote(data) ..
    " " .. args)
end
local partials = L.partials
local function list(data)
  return (sh(L.quote(bin) .. " ingest --data " .. L.quote(data) .. " --list"))
end

-- the spec letters of the cases columns (xlsx_make): org_code a number where it is a code,
-- the times date serials, the counts numbers, the flags booleans
local typed = "ttntttdnndtnnbbbbd"

T:section("a workbook of typed cells stores the partials of the same rows as CSV, byte for byte", function()
  local wb = book(work .. "/cases.xlsx", false, { "cases=" .. cases_csv .. "=" .. typed })
  local out, e, c = ingest(work .. "/from-csv", "--source cases " .. L.quote(cases_csv))
  T:eq("the CSV ingest's exit", 0, c, e)
  local n_csv = tonumber(out:match("(%d+) records of cases"))
  T:ok(n_csv and n_csv > 500, "the month has cases", out)
  out, e, c = ingest(work .. "/from-xlsx", "--source cases " .. L.quote(wb))
  T:eq("the workbook's exit", 0, c, e)
  T:matches("named by the workbook", out, "cases%.xlsx: batch %x+: %d+ records of cases")
  T:eq("records", n_csv, tonumber(out:match("(%d+) records of cases")))
  local a, na = partials(work .. "/from-csv")
  local b = partials(work .. "/from-xlsx")
  for m, cells in pairs(a) do T:eq("partials of metric " .. m, cells, b[m]) end
  for m in pairs(b) do T:ok(a[m], "metric " .. m .. " only from the workbook") end
  T:ok(na >= 10, "metrics read from cases compared", tostring(na))
  local ea = L.run(L.eval_cmd(bin, { rules = rules, data = work .. "/from-csv", scheme = "monthly", period = "2021-05", format = "json" }))
  local eb = L.run(L.eval_cmd(bin, { rules = rules, data = work .. "/from-xlsx", scheme = "monthly", period = "2021-05", format = "json" }))
  T:ok(#ea > 1000, "eval gives a result", tostring(#ea))
  T:eq("eval is the same from either", ea, eb)
end)

T:section("the same rows as text cells are the same batch as the CSV", function()
  local wb = book(work .. "/cases-text.xlsx", true, { "cases=" .. cases_csv .. "=" .. ("t"):rep(18) })
  local out, e, c = ingest(work .. "/from-csv", "--source cases " .. L.quote(wb))
  T:eq("exit", 0, c, e)
  T:matches("nothing changed", out, "cases%-text%.xlsx: already ingested as batch %x+; nothing changed")
end)

T:section("values from a workbook: the same batch as the CSV; bad cells located, nothing stored", function()
  local v = work .. "/v.csv"
  L.write(v, "unit,period,metric,value,n\nlufeng,2021-05,zero_proof_rate,0.92,\n陆丰,2021-05,monthly_report,1,\n")
  local wb = book(work .. "/v.xlsx", false, { "values=" .. v .. "=tttnn" })
  local out, e, c = ingest(work .. "/values", "--values " .. L.quote(v))
  T:eq("CSV exit", 0, c, e)
  out, e, c = ingest(work .. "/values", "--values " .. L.quote(wb))
  T:eq("workbook exit", 0, c, e)
  T:matches("the same batch", out, "v%.xlsx: already ingested as batch %x+; nothing changed")
  -- a bad value at D2, a blank row, an unknown unit at A4; and a sheet named on the command line
  local bad = work .. "/bv.csv"
  L.write(bad, "unit,period,metric,value,n\nlufeng,2021-05,zero_proof_rate,high,\n\nnowhere,2021-05,monthly_report,1,\n")
  local two = book(work .. "/bv.xlsx", false, { "values=" .. bad .. "=tttnn", "good=" .. v .. "=tttnn" })
  local before = list(work .. "/values")
  _, e, c = ingest(work .. "/values", "--values " .. L.quote(two))
  T:eq("bad exit", 1, c)
  T:contains("D2", e, "bv.xlsx:values!D2: error: value: 'high' is not a number")
  T:contains("A4, after a blank row", e, "bv.xlsx:values!A4: error: unit: 'nowhere' is not in units.csv")
  T:eq("nothing stored", before, list(work .. "/values"))
  out, e, c = ingest(work .. "/values", "--values " .. L.quote(two .. "#good"))
  T:eq("#good exit", 0, c, e)
  T:contains("the named sheet is read", out, "already ingested as batch")
  _, e, c = ingest(work .. "/values", "--values " .. L.quote(two .. "#nope"))
  T:eq("#nope exit", 1, c)
  T:contains("an unknown sheet", e, "the workbook has no sheet named 'nope' (it has: values, good)")
  -- a template nobody filled in: refused, saying so
  local empty = work .. "/empty.csv"
  L.write(empty, "unit,period,metric,value,n\nlufeng,2021-05,zero_proof_rate,,\n")
  local eb = book(work .. "/empty.xlsx", false, { "values=" .. empty .. "=ttttt" })
  _, e, c = ingest(work .. "/values", "--values " .. L.quote(eb))
  T:eq("empty exit", 1, c)
  T:contains("no value", e, "no row has a value")
end)

T:section("every bad cell of raw records at its cell; nothing stored", function()
  -- row 3: a channel not allowed (F3); row 5: a time as text that is not one (G5); row 6: an
  -- unknown unit (C6); row 7: a number that is not an int (M7)
  local lines = {}
  for l in io.lines(cases_csv) do lines[#lines + 1] = l if #lines == 8 then break end end
  local function set(i, col, v)
    local f = L.csv_split(lines[i])
    f[col] = v
    lines[i] = table.concat(f, ",")
  end
  set(3, 6, "传真")
  set(5, 7, "2021年5月3日")
  set(6, 3, "441599999")
  set(7, 13, "1.5")
  local bad = work .. "/bad.csv"
  L.write(bad, table.concat(lines, "\n") .. "\n")
  local wb = book(work .. "/bad.xlsx", false, { "cases=" .. bad .. "=ttttttdnndtnnbbbbd" })
  local data = work .. "/bad-data"
  local _, e, c = ingest(data, "--source cases " .. L.quote(wb))
  T:eq("exit", 1, c)
  T:contains("F3", e, "bad.xlsx:cases!F3: error: channel: not one of the allowed values: \"传真\"")
  T:contains("G5", e, "bad.xlsx:cases!G5: error: accept_date: not a time")
  T:contains("C6", e, "bad.xlsx:cases!C6: error: org_code: '441599999' is not a unit")
  T:contains("M7", e, "bad.xlsx:cases!M7: error: visits:")
  T:contains("rejected", e, "bad.xlsx: error: 4 bad records: the batch is rejected, nothing stored")
  T:ok(not io.open(data .. "/pinggu.db") or not list(data):find("bad.xlsx", 1, true), "nothing stored")
end)

T:section("refusals: merged header, missing and unknown columns, sheets, not a workbook", function()
  local text = ("t"):rep(18)
  local m = book(work .. "/merged.xlsx", false, { "cases=" .. cases_csv .. "=" .. text, "--merge", "A1:B1=project_no" })
  local _, e, c = ingest(work .. "/refused", "--source cases " .. L.quote(m))
  T:eq("merged exit", 1, c)
  T:contains("merged header", e, "merged.xlsx:cases!A1: error: header: merged header cells A1:B1")
  -- merged data cells would read as nulls
  local md = book(work .. "/merged-data.xlsx", false, { "cases=" .. cases_csv .. "=" .. text, "--merge", "K2:K3=批准" })
  _, e, c = ingest(work .. "/refused", "--source cases " .. L.quote(md))
  T:eq("merged data exit", 1, c)
  T:contains("merged data", e, "merged-data.xlsx:cases!K2: error: merged cells K2:K3")
  local ren = work .. "/ren.csv"
  L.write(ren, (L.slurp(cases_csv):gsub("result_date", "result_dat", 1)))
  local r = book(work .. "/ren.xlsx", false, { "cases=" .. ren .. "=" .. text })
  _, e, c = ingest(work .. "/refused", "--source cases " .. L.quote(r))
  T:eq("renamed exit", 1, c)
  T:contains("unknown column", e, "ren.xlsx:cases!J1: error: header: column \"result_dat\" is not a field of cases")
  T:contains("missing column", e, "ren.xlsx:cases: error: header: missing column: result_date")
  local two = book(work .. "/two.xlsx", false, { "a=" .. cases_csv .. "=" .. text, "b=" .. cases_csv .. "=" .. text })
  _, e, c = ingest(work .. "/refused", "--source cases " .. L.quote(two))
  T:eq("two sheets exit", 1, c)
  T:contains("which sheet", e, "the workbook has 2 sheets (a, b) and none is named 'cases'")
  local out
  out, e, c = ingest(work .. "/refused", "--source cases " .. L.quote(two .. "#b"))
  T:eq("#b exit", 0, c, e)
  T:matches("#b read", out, "batch %x+: %d+ records of cases")
  local out2
  out2, e, c = sh(L.quote(bin) .. " ingest --rules " .. L.quote(rules) .. " --source cases --dry-run " .. L.quote(two .. "#b"))
  T:eq("dry run exit", 1, c)
  T:contains("a dry run says it does not read workbooks", e, "--dry-run does not read workbooks yet")
  T:contains("and does not guess", out2, "an ingest would refuse this file")
  local fake = work .. "/fake.xlsx"
  L.write(fake, L.slurp(cases_csv))
  _, e, c = ingest(work .. "/refused", "--source cases " .. L.quote(fake))
  T:eq("not a workbook exit", 1, c)
  T:contains("not a workbook", e, "not an XLSX workbook (not a ZIP archive)")
end)

T:section("a workbook made by another program (openpyxl) is the same batch as its CSVs", function()
  local wb = fixtures .. "/openpyxl-book.xlsx"
  local data = work .. "/openpyxl"
  local out, e, c = ingest(data, "--source cases " .. L.quote(fixtures .. "/openpyxl-cases.csv"))
  T:eq("cases CSV exit", 0, c, e)
  out, e, c = ingest(data, "--values " .. L.quote(fixtures .. "/openpyxl-values.csv"))
  T:eq("values CSV exit", 0, c, e)
  out, e, c = ingest(data, "--source cases " .. L.quote(wb))
  T:eq("cases sheet exit", 0, c, e)
  T:matches("the same cases batch", out, "already ingested as batch %x+; nothing changed")
  out, e, c = ingest(data, "--values " .. L.quote(wb))
  T:eq("values sheet exit", 0, c, e)
  T:matches("the same values batch", out, "already ingested as batch %x+; nothing changed")
  -- a formula openpyxl saved without its result: unknown, refused at its cell
  _, e, c = ingest(data, "--values " .. L.quote(fixtures .. "/openpyxl-formula.xlsx"))
  T:eq("formula exit", 1, c)
  T:contains("a formula without a result", e, "openpyxl-formula.xlsx:values!D2: error: value: a formula without a saved result")
end)

T:section("pinggu template: the unit's form reads back; filled in, it is the CSV's batch", function()
  local tpl = work .. "/form.xlsx"
  local out, e, c = sh(L.quote(bin) .. " template --rules " .. L.quote(rules) ..
    " --scheme monthly --period 2021-05 --unit lufeng --format xlsx --out " .. L.quote(tpl))
  T:eq("template exit", 0, c, e)
  T:matches("says what it wrote", out, "form%.xlsx: (%d+) values to fill in for 陆丰市 %(lufeng%), monthly 2021%-05")
  -- the rows: the unit's fed and self-reported metrics, with unit, period and metric filled in
  local csv = sh("xlsx2csv -n values " .. L.quote(tpl))
  T:contains("header", csv, "unit,period,metric,value,n,指标,指标名称,计量单位,允许范围,分值,报送方式,数据来源")
  T:contains("a fed share", csv, "lufeng,2021-05,guide_accuracy,,,办事指南准确率,办事指南准确率,share,0–1,7,报送,")
  T:contains("a self-report", csv, "lufeng,2021-05,zero_proof_rate,,,证明事项免提交比例,证明事项免提交比例,share,0–1,5,自报,")
  T:contains("a flag", csv, "lufeng,2021-05,monthly_report,,,月度工作台账报送,月度工作台账报送,flag,0–1（整数）,5,")
  T:ok(not csv:find("ontime_rate", 1, true), "no metric computed from raw records")
  -- ranges as data validation, the standard as a comment
  local sheet = sh("unzip -p " .. L.quote(tpl) .. " xl/worksheets/sheet1.xml")
  T:matches("a share between 0 and 1", sheet, '<dataValidation type="decimal"[^>]-sqref="D2"><formula1>0</formula1><formula2>1</formula2>')
  T:matches("a flag a whole 0 or 1", sheet, '<dataValidation type="whole"[^>]-sqref="D4"><formula1>0</formula1><formula2>1</formula2>')
  local comments = sh("unzip -p " .. L.quote(tpl) .. " xl/comments1.xml")
  T:contains("the standard", comments, "评分标准：")
  -- read back with no edit: every row recognised, nothing to store
  _, e, c = ingest(work .. "/form-data", "--values " .. L.quote(tpl))
  T:eq("unedited exit", 1, c)
  T:contains("read back: nothing filled in", e, "form.xlsx: error: sheet values: no row has a value")
  -- filled in by another program (python3's zipfile rewriting the sheet, as a spreadsheet
  -- program saves it): the same batch as the CSV of the same values
  local filled = work .. "/form-filled.xlsx"
  local py = work .. "/fill.py"
  L.write(py, [[
import re, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
vals = {"D2": "0.93", "D4": "1"}
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            text = data.decode()
            for ref, v in vals.items():
                text, n = re.subn(r'<c r="%s"( s="\d+")?/>' % ref, r'<c r="%s"\1><v>%s</v></c>' % (ref, v), text)
                assert n == 1, ref
            data = text.encode()
        zout.writestr(item, data)
]])
  _, e, c = sh("python3 " .. L.quote(py) .. " " .. L.quote(tpl) .. " " .. L.quote(filled))
  T:eq("filling it in", 0, c, e)
  local vcsv = work .. "/form-values.csv"
  L.write(vcsv, "unit,period,metric,value,n\nlufeng,2021-05,guide_accuracy,0.93,\nlufeng,2021-05,monthly_report,1,\n")
  out, e, c = ingest(work .. "/form-data", "--values " .. L.quote(vcsv))
  T:eq("CSV exit", 0, c, e)
  out, e, c = ingest(work .. "/form-data", "--values " .. L.quote(filled))
  T:eq("filled exit", 0, c, e)
  T:matches("the same batch", out, "form%-filled%.xlsx: already ingested as batch %x+; nothing changed")
  -- refusals
  _, e, c = sh(L.quote(bin) .. " template --rules " .. L.quote(rules) ..
    " --scheme monthly --period 2021 --unit lufeng --format xlsx --out " .. L.quote(tpl))
  T:eq("a year for a monthly scheme", 1, c)
  T:contains("period kind", e, "scheme monthly is monthly; its periods are YYYY-MM")
  _, e, c = sh(L.quote(bin) .. " template --rules " .. L.quote(rules) ..
    " --scheme monthly --period 2021-05 --unit nowhere --format xlsx --out " .. L.quote(tpl))
  T:eq("an unknown unit", 1, c)
  T:contains("unknown unit", e, "--unit nowhere: not in")
  _, e, c = sh(L.quote(bin) .. " template --rules " .. L.quote(rules) ..
    " --scheme monthly --period 2021-05 --unit lufeng --format ods --out " .. L.quote(tpl))
  T:eq("an unknown format", 1, c)
  T:contains("unknown format", e, "writes forms as 'ods'")
end)

T:done()
