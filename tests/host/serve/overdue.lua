-- overdue.lua — the 整改 loop in the bulletin (issue 18 §2): the 整改 items of earlier periods
-- overdue when a bulletin is published, on the real host and its store:
--   setup        lufeng's 2021-05 items (deadline 25 May + 15 days = 2021-06-09): item A marked
--                and verified, item B marked (submitted, never verified), item C never marked
--   published    2021-06 is published: its HTML 通报 has 附件5 with lufeng's B (已报整改，待核实)
--                and C (未报整改) for 2021-05, each with its points lost in May and its days
--                overdue (the publication's Beijing day minus 2021-06-09), and not A; page 1
--                counts them; the API's JSON of the bulletin has the same items, a unit's read
--                its own only, staff's every unit's; the -issues.csv lists them
--   frozen       B verified after the publication: the API's JSON, the HTML and the CSV of the
--                2021-06 bulletin are byte for byte what they were, and its run re-runs to its
--                bytes (pinggu reproduce); 2021-07, published after, no longer lists B
--   year         the annual report (a scheme of schemes) lists the monthly scheme's overdue
--                items of the year: C from May, not B
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local t, h, tok, ws = H.setup("serve.overdue")
local bin = L.args()
local data = ws .. "/data"
local function msg(j) return j and j.error and j.error.message or "" end

-- days since 1970-01-01 of a civil date (the proleptic Gregorian calendar)
local function days(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end
-- the Beijing (UTC+8) day of a recorded time "YYYY-MM-DDTHH:MM:SS.mmmZ"
local function beijing_day(at)
  local y, mo, d, hh = at:match("^(%d+)-(%d+)-(%d+)T(%d+):")
  local day = days(tonumber(y), tonumber(mo), tonumber(d))
  if tonumber(hh) + 8 >= 24 then day = day + 1 end
  return day
end
local function date_of(day)
  -- inverse of days(): walk from an estimate (days are few)
  local y = 1970 + day // 366
  while days(y + 1, 1, 1) <= day do y = y + 1 end
  local m = 1
  while m < 12 and days(y, m + 1, 1) <= day do m = m + 1 end
  return string.format("%04d-%02d-%02d", y, m, day - days(y, m, 1) + 1)
end

-- lufeng's 2021-05 items
local st, text, j = h:get("/api/v1/issues/monthly/2021-05?unit=lufeng", tok.evaluator)
t:eq("lufeng's May list", 200, st, text)
local items = j and j.items or {}
t:ok(#items >= 3, "lufeng lost points on three items or more in May", #items)
local A, B, C = items[1] or {}, items[2] or {}, items[3] or {}
for _, x in ipairs({ A, B, C }) do t:eq((x.indicator or "?") .. " due 2021-06-09", "2021-06-09", x.due) end

local function mark(x)
  local s, tx, r = h:post("/api/v1/issues/monthly/2021-05/" .. x.indicator .. "/rectify", tok.lufeng,
    cjson.encode { note = "已按评分标准整改：" .. x.indicator })
  t:eq("lufeng marks " .. x.indicator, 201, s, tx)
  return r and (r.id or (r.rectification and r.rectification.id))
end
local function verify(id, what)
  local s, tx = h:post("/api/v1/rectifications/" .. string.format("%d", id or 0) .. "/review", tok.evaluator,
    '{"status":"verified"}')
  t:eq("the evaluator verifies " .. what, 200, s, tx)
end
local idA, idB = mark(A), mark(B)
t:ok(idA and idB, "the records have ids", tostring(idA) .. " " .. tostring(idB))
verify(idA, "A")

-- 2021-06 published
st, text, j = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-06"}')
t:eq("June is published", 201, st, text)
local june = j and j.bulletin or {}
local docs = j and j.documents or ""
local as_of = beijing_day(june.published_at or "1970-01-01T00:00:00.000Z")
local want_days = as_of - days(2021, 6, 9)
t:ok(want_days > 0, "2021-06-09 is past on the publication's day", want_days)

-- the API's JSON: a unit reads its own, staff every unit's
local B6 = "/api/v1/bulletins/monthly/2021-06"
local _, lufeng_text, lj = h:get(B6, tok.lufeng)
local ov = lj and lj.overdue or {}
t:eq("as of the publication's Beijing day", date_of(as_of), ov.as_of)
local mine, others = {}, 0
for _, x in ipairs(ov.items or {}) do
  if x.unit ~= "lufeng" then others = others + 1 end
  if x.period == "2021-05" then mine[x.indicator] = x end
end
t:eq("a unit reads its own overdue items only", 0, others)
t:eq("A was verified: not overdue", nil, mine[A.indicator])
local function check(x, item, state, label)
  t:ok(x ~= nil, label .. " is overdue")
  x = x or {}
  t:eq(label .. ": its state", state, x.state)
  t:eq(label .. ": due", "2021-06-09", x.due)
  t:eq(label .. ": days overdue", want_days, x.days)
  t:eq(label .. ": the name", item.name, x.name)
  t:ok(math.abs((x.lost_total or -1) - item.lost_total) < 1e-4, label .. ": May's loss of the total",
    tostring(x.lost_total) .. " vs " .. tostring(item.lost_total))
end
check(mine[B.indicator], B, "submitted", "B (marked, not verified)")
check(mine[C.indicator], C, "none", "C (never marked)")
local _, _, aj = h:get(B6, tok.admin)
local units = {}
for _, x in ipairs(aj and aj.overdue and aj.overdue.items or {}) do units[x.unit] = true end
t:ok(units.lufeng and units.haifeng, "staff read every unit's overdue items")
local _, _, uj = h:get(B6 .. "?unit=lufeng", tok.lufeng)
t:eq("the unit's part carries the same items", cjson.encode(ov), cjson.encode(uj and uj.overdue or {}))
t:eq("not another unit's", 403, (h:get(B6 .. "?unit=haifeng", tok.lufeng)))
local _, _, gj = h:get(B6 .. "?part=summary", tok.viewer)
t:eq("not with the summary", nil, gj and gj.overdue)

-- the HTML 通报 and the CSV
local html_path = docs .. "/monthly-2021-06.html"
local html = L.slurp(html_path) or ""
t:ok(html:find('<section id="overdue"', 1, true), "the HTML has 附件5 整改逾期与连续失分")
t:ok(html:find('<a href="#overdue">', 1, true), "listed among the annexes on page 1")
t:ok(html:find("项问题已过整改期限未经核实", 1, true), "page 1 counts the overdue items")
local function row(x, state_words)
  return string.format('<tr class="late"><td>%s</td><td>2021-05</td><td class="num">%.2f</td>' ..
    '<td>2021-06-09</td><td class="num">%d</td><td>%s</td></tr>', x.name, x.lost_total, want_days, state_words)
end
local lufeng_table = html:match("<caption>陆丰市 整改逾期与连续失分</caption>(.-)</table>")
  or html:match("<caption>[^<]*陆丰[^<]* 整改逾期与连续失分</caption>(.-)</table>") or ""
t:ok(lufeng_table:find(row(B, "已报整改，待核实"), 1, true), "B in lufeng's table, with its days", row(B, "已报整改，待核实"))
t:ok(lufeng_table:find(row(C, "未报整改"), 1, true), "C in lufeng's table, with its days", row(C, "未报整改"))
t:ok(not lufeng_table:find("<td>" .. A.name .. "</td><td>2021-05</td>", 1, true), "A (verified) not in it")
-- only lufeng marked B: its row in that state is lufeng's alone
local _, n_b = html:gsub(L.pattern(row(B, "已报整改，待核实")), "")
t:eq("B's row only in lufeng's table", 1, n_b)
local csv_path = docs .. "/monthly-2021-06-issues.csv"
local csv = L.slurp(csv_path) or ""
t:ok(csv:find(",逾期天数,整改状态\r\n", 1, true), "the -issues.csv has the overdue columns")
t:ok(csv:find(C.indicator .. ",", 1, true) and csv:find(",2021-05," .. want_days .. ",未报整改\r\n", 1, true),
  "the -issues.csv lists C for 2021-05 with its days")

-- frozen: B verified now changes nothing published
verify(idB, "B, after the publication")
local _, after_text = h:get(B6, tok.lufeng)
t:eq("the unit's read of June is byte for byte as before", lufeng_text, after_text)
t:eq("the HTML is byte for byte as before", html, L.slurp(html_path))
t:eq("the CSV is byte for byte as before", csv, L.slurp(csv_path))
local p = io.popen(L.quote(bin) .. " reproduce --data " .. L.quote(data) .. " --bulletin " ..
  string.format("%d", june.id or 0) .. " 2>&1; echo rc=$?")
local out = p:read("a")
p:close()
t:ok(out:find("rc=0", 1, true), "June's run re-runs to its bytes", out:sub(-300))

-- the next bulletin takes the state as it is then
st, text, j = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-07"}')
t:eq("July is published", 201, st, text)
local _, _, jj = h:get("/api/v1/bulletins/monthly/2021-07", tok.lufeng)
local july = {}
for _, x in ipairs(jj and jj.overdue and jj.overdue.items or {}) do
  if x.period == "2021-05" then july[x.indicator] = x.state end
end
t:eq("July: B verified, not overdue", nil, july[B.indicator])
t:eq("July: C still overdue", "none", july[C.indicator])
t:eq("July: A still not", nil, july[A.indicator])

-- stored in what did not change: July's packs share June's pieces (a piece per unit pack and
-- month, no days in them) but the one with lufeng's May items, where B was verified since
local function sql(q) return H.sql(data, q) end
local function pieces_of(b)
  local id = string.format("%d", b.id or 0)
  return "SELECT piece FROM blob_piece WHERE hash IN (SELECT pack FROM bulletin_rectify" ..
    " WHERE bulletin = " .. id .. ") UNION SELECT pack FROM bulletin_rectify WHERE bulletin = " .. id ..
    " AND pack IN (SELECT hash FROM blob WHERE pieces = 0)"
end
local july_b = j and j.bulletin or {}
local june_n = tonumber(sql("SELECT count(*) FROM (" .. pieces_of(june) .. ")")) or 0
t:ok(june_n > 1, "June's overdue items are kept in pieces", june_n)
t:eq("July's pieces are June's but one", "1",
  sql("SELECT count(*) FROM (" .. pieces_of(june) .. " EXCEPT " .. pieces_of(july_b) .. ")"))
t:ok((tonumber(sql("SELECT count(*) FROM (" .. pieces_of(july_b) .. " EXCEPT " .. pieces_of(june) .. ")")) or 0) > 1,
  "and June's items and lufeng's pack's May are new")
t:eq("no piece stores its days", "", sql("SELECT hash FROM blob WHERE hash IN (" .. pieces_of(july_b) ..
  ") AND encoding = 'identity' AND CAST(body AS TEXT) LIKE '%\"days\"%'"))

-- a year report lists the overdue items of the year's months of the monthly scheme it shows
st, text, j = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"annual","period":"2021"}')
t:eq("the annual report is published", 201, st, text)
local _, _, yj = h:get("/api/v1/bulletins/annual/2021", tok.lufeng)
local year = {}
for _, x in ipairs(yj and yj.overdue and yj.overdue.items or {}) do
  if x.period == "2021-05" then year[x.indicator] = x.state end
end
t:eq("the year: C overdue from May", "none", year[C.indicator])
t:eq("the year: B not", nil, year[B.indicator])
local yhtml = L.slurp((j and j.documents or "") .. "/annual-2021.html") or ""
t:ok(yhtml:find(row(C, "未报整改"), 1, true), "the year's HTML lists C for 2021-05")

-- a bulletin stored before: lufeng's June items on one line of a pack, their days with them
local hex = ("lufeng\t" .. cjson.encode(ov.items) .. "\n"):gsub(".", function(c) return string.format("%02x", c:byte()) end)
local f = io.popen("printf '%s' " .. L.quote(hex) .. " | xxd -r -p | sha256sum")
local legacy = f:read("a"):match("^%x+")
f:close()
sql("INSERT INTO blob(hash, body, encoding) VALUES ('" .. legacy .. "', X'" .. hex .. "', 'identity');" ..
  "DROP TRIGGER bulletin_rectify_frozen; UPDATE bulletin_rectify SET pack = '" .. legacy ..
  "' WHERE bulletin = " .. string.format("%d", june.id or 0) .. " AND unit = 'lufeng'")
t:ok(h:stop(), "the host stops")
h = H.start { bin = bin, rules = ws .. "/rules", data = data, config = ws .. "/pinggu.json", tokens = tok }
local _, legacy_text, legacy_j = h:get(B6, tok.lufeng)
t:ok(#(ov.items or {}) > 0 and H.same(ov, legacy_j and legacy_j.overdue),
  "a pack of before reads as it was stored", legacy_text and legacy_text:sub(1, 300))

H.finish(t, h)
