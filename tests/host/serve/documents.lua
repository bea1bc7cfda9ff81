-- documents.lua — a published bulletin's PDFs over HTTP (host/documents.c), printed on first
-- request by a stand-in for Chromium (PINGGU_CHROMIUM, a shell script written here), so what was
-- printed, and how many times, can be seen:
--   - two first requests at once for the 通报's PDF both get the whole of one print, the same
--     bytes, never half a file or two prints mixed; the document is printed once (the second
--     request waits for the first print's PDF), and no temporary file is left behind;
--   - the PDF is printed from a page whose links to the large group's 附件 name the 附件's PDF
--     (the published HTML keeps its .html links), and each PDF so linked is there: listed, and
--     printed when asked for.
-- The stand-in writes the head of its "PDF", then waits until a second print has started (for at
-- most 5 s), then writes the page it was given and its end. Two prints at once into one file
-- would interleave there; one print at a time simply takes the 5 s. Nothing is timed.
-- The department group is doubled (29 → 58 units) so it gets an 附件 of its own (> 50 units).
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("serve.documents")
local ws = H.workspace(root)

-- the dept units twice over, with the same data
local units = L.slurp(ws .. "/rules/units.csv")
local extra, dept = {}, {}
for line in units:gmatch("[^\n]+") do
  local f = {}
  for x in (line .. ","):gmatch("([^,]*),") do f[#f + 1] = x end
  if f[3] == "dept" then
    dept[f[1]] = true
    extra[#extra + 1] = table.concat({ f[1] .. "_2", f[2] .. "（二）", "dept", (f[4] ~= "" and f[4] or f[1]) .. "-2",
      "nonstandard", "", f[7] and f[7] ~= "" and (f[7] .. "二") or "" }, ",")
  end
end
L.write(ws .. "/rules/units.csv", units:gsub("\n*$", "\n") .. table.concat(extra, "\n") .. "\n")
for _, name in ipairs { "2021-04.csv", "2021-05.csv" } do
  local path = ws .. "/data/" .. name
  local rows = {}
  for line in L.slurp(path):gmatch("[^\n]+") do
    rows[#rows + 1] = line
    local unit, rest = line:match("^([^,]+),(.*)$")
    if dept[unit] then rows[#rows + 1] = unit .. "_2," .. rest end
  end
  L.write(path, table.concat(rows, "\n") .. "\n")
end

-- the stand-in for Chromium
local fake = ws .. "/fake"
os.execute("mkdir -p " .. L.quote(fake .. "/started"))
L.write(fake .. "/chromium", ([[#!/bin/sh
out=; page=
for a in "$@"; do
  case "$a" in
    --print-to-pdf=*) out=${a#--print-to-pdf=} ;;
    file://*) page=${a#file://} ;;
  esac
done
: > %s/started/$$
printf '%%%%PDF-fake %%s\n' $$ > "$out"
i=0
while [ "$(ls %s/started | wc -l)" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
cat "$page" >> "$out"
printf '\n%%%%EOF %%s\n' $$ >> "$out"
]]):format(L.quote(fake), L.quote(fake)))
os.execute("chmod +x " .. L.quote(fake .. "/chromium"))
local function prints()
  return tonumber((L.run("ls " .. L.quote(fake .. "/started") .. " | wc -l")):match("%d+"))
end

local tok, cfg = H.tokens(bin, ws, '"pool": 2, ')
local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg,
  tokens = tok, env = "PINGGU_CHROMIUM=" .. L.quote(fake .. "/chromium") .. " " }
if not h then
  print("FAIL the host did not start: " .. why)
  os.exit(1)
end

local st, body = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-05"}')
t:eq("May is published", 201, st, body)
local docs = "/api/v1/bulletins/monthly/2021-05/1/documents"
local main, annex = "monthly-2021-05.pdf", "monthly-2021-05-units-dept.pdf"
local _, _, list = h:get(docs, tok.evaluator)
local listed = {}
for _, d in ipairs(list and list.documents or {}) do listed[d.name] = d end
t:ok(listed["monthly-2021-05-units-dept.html"], "the department group has its 附件 (58 units)")
t:ok(listed[main] and listed[main].bytes == cjson.null, "the 通报's PDF is listed, not printed yet")

-- two first requests at once
local files = {}
local cmds = {}
for i = 1, 2 do
  files[i] = ws .. "/got" .. i
  cmds[#cmds + 1] = ("curl -s -m 120 -o %s -w '%%{http_code}' -H %s %s > %s.code"):format(L.quote(files[i]),
    L.quote("Authorization: Bearer " .. tok.evaluator), L.quote("http://127.0.0.1:" .. h.port .. docs .. "/" .. main),
    L.quote(files[i]))
end
os.execute(table.concat(cmds, " & ") .. " & wait")
local got = {}
for i = 1, 2 do
  t:eq("request " .. i .. " is answered 200", "200", L.slurp(files[i] .. ".code"))
  got[i] = L.slurp(files[i]) or ""
  local id = got[i]:match("^%%PDF%-fake (%d+)\n")
  t:ok(id and got[i]:find("\n%%EOF " .. id .. "\n$"),
    "request " .. i .. " gets one whole print (its head and its end)", got[i]:sub(1, 40) .. " … " .. got[i]:sub(-40))
  local heads = select(2, got[i]:gsub("%%PDF%-fake", ""))
  local ends = select(2, got[i]:gsub("%%EOF", ""))
  t:eq("… and nothing of another (request " .. i .. ")", "1 1", heads .. " " .. ends)
end
t:ok(got[1] ~= "" and got[1] == got[2], "both get the same bytes")
t:eq("the document is printed once", 1, prints())
local _, _, again = h:get(docs, tok.evaluator)
local kept
for _, d in ipairs(again and again.documents or {}) do if d.name == main then kept = d end end
t:eq("the PDF is kept, listed with its size", #got[1], kept and kept.bytes)
local dir = ws .. "/data/bulletins/monthly-2021-05-r1"
local hidden = L.run("ls -A " .. L.quote(dir) .. " | grep '^\\.' || true")
t:eq("no temporary file is left in the documents' directory", "", hidden)

-- the 附件 links of the PDF, and the file named beside them, are the 附件's PDF; the HTML keeps
-- its own
t:contains("the page printed links the 附件's PDF", got[1], 'href="monthly-2021-05-units-dept.pdf#u-')
t:ok(not got[1]:find("units%-dept%.html"), "… and names nowhere its HTML")
local hst, html = h:get(docs .. "/monthly-2021-05.html", tok.evaluator)
t:eq("the published HTML is served", 200, hst)
t:contains("… and still links the 附件's HTML", html, 'href="monthly-2021-05-units-dept.html#u-')
local linked = {}
for name in got[1]:gmatch('href="([^"#/]+%.pdf)') do linked[name] = true end
t:ok(linked[annex], "the 附件's PDF is linked", next(linked))
for name in pairs(linked) do
  local lst, pdf = h:get(docs .. "/" .. name, tok.evaluator)
  t:eq("the linked " .. name .. " is there", 200, lst)
  t:ok((pdf or ""):find("^%%PDF%-fake %d+\n") and pdf:find("附件1（分册）", 1, true),
    "… a print of the 附件", (pdf or ""):sub(1, 80))
end

H.finish(t, h)
