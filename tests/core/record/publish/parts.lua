-- parts.lua — a bulletin stored cut to its readers, and runs that store what changed (issue 19
-- §3, §4), on the real host:
--   * publishing stores the head, the summary, a part per group and per unit beside the result;
--   * each role's read of the bulletin is what the whole result, filtered, was (a viewer: no
--     breakdown; a unit: its own), and ?part=summary, ?group=G, ?unit=U answer one part each
--     (a unit only its own, a viewer no unit), with 400/403/404 for the rest;
--   * a bulletin without parts (published before them) is read whole, with the same answers;
--   * GET /api/v1/runs pages with ?limit= and ?after= and "next"; GET /runs/N still answers whole;
--   * a run's inputs are kept in pieces: two runs over the same data store them once, and a run
--     after a 1-record batch stores one new piece; both bulletins re-run to the same bytes.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "../../../host/serve/host.lua")
local L = H.L
local t, h, tok, ws = H.setup("publish.parts")
local bin = L.args()
local data = ws .. "/data"

local function text_of(sql) return H.sql(data, sql) end
local function count(sql) return tonumber(text_of(sql):match("%-?%d+")) or -1 end
local same = H.same
local function without(tbl, key)
  local c = {}
  for k, v in pairs(tbl) do if k ~= key then c[k] = v end end
  return c
end

local st, text, j = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-05"}')
t:eq("May is published", 201, st, text)
local b1 = j and j.bulletin or {}
local id = string.format("%d", b1.id or 0)
local B = "/api/v1/bulletins/monthly/2021-05"

-- the parts in the store
t:eq("a part per unit", 36, count("SELECT count(*) FROM bulletin_part WHERE bulletin = " .. id .. " AND kind = 'unit'"))
t:eq("a head", 1, count("SELECT count(*) FROM bulletin_part WHERE bulletin = " .. id .. " AND kind = 'head'"))
t:eq("a summary", 1, count("SELECT count(*) FROM bulletin_part WHERE bulletin = " .. id .. " AND kind = 'summary'"))
t:eq("the units' parts in packs of 16", 3,
  count("SELECT count(DISTINCT body) FROM bulletin_part WHERE bulletin = " .. id .. " AND kind = 'unit'"))

st, text, j = h:get(B, tok.admin)
t:eq("staff read the whole", 200, st, text)
local whole = j and j.result or { groups = {}, units = {} }
t:eq("every unit", 36, #whole.units)
t:eq("a part per group", #whole.groups,
  count("SELECT count(*) FROM bulletin_part WHERE bulletin = " .. id .. " AND kind = 'group'"))
local lufeng, haifeng
for _, u in ipairs(whole.units) do
  if u.unit == "lufeng" then lufeng = u end
  if u.unit == "haifeng" then haifeng = u end
end
t:ok(lufeng and haifeng, "lufeng and haifeng are in it")

local function reads(label, nrev)
  local s, x, v = h:get(B, tok.viewer)
  t:eq(label .. ": a viewer reads", 200, s, x)
  t:ok(v and same(v.result, without(whole, "units")), label .. ": the rankings, no breakdown")
  t:eq(label .. ": with the bulletin", b1.id, v and v.bulletin.id)
  t:eq(label .. ": and its revisions", nrev, v and #v.revisions)
  s, x, v = h:get(B, tok.lufeng)
  t:eq(label .. ": a unit reads", 200, s, x)
  t:ok(v and same(without(v.result, "units"), without(whole, "units")), label .. ": the rankings")
  t:ok(v and #v.result.units == 1 and same(v.result.units[1], lufeng), label .. ": and its own breakdown")
  s, x, v = h:get(B .. "?unit=lufeng", tok.lufeng)
  t:eq(label .. ": its own part", 200, s, x)
  t:ok(v and same(v.unit, lufeng) and v.result == nil, label .. ": the unit alone", x and x:sub(1, 200))
  t:eq(label .. ": not another unit's", 403, (h:get(B .. "?unit=haifeng", tok.lufeng)))
  t:eq(label .. ": a viewer no unit's", 403, (h:get(B .. "?unit=haifeng", tok.viewer)))
  s, x, v = h:get(B .. "?unit=haifeng", tok.admin)
  t:ok(s == 200 and v and same(v.unit, haifeng), label .. ": staff any unit's", x and x:sub(1, 200))
  t:eq(label .. ": an unknown unit", 404, (h:get(B .. "?unit=nobody", tok.admin)))
  for _, g in ipairs(whole.groups) do
    s, x, v = h:get(B .. "?group=" .. g.id, tok.viewer)
    t:ok(s == 200 and v and same(v.group, g), label .. ": group " .. g.id, x and x:sub(1, 200))
  end
  t:eq(label .. ": an unknown group", 404, (h:get(B .. "?group=nogroup", tok.viewer)))
  t:eq(label .. ": an unknown part", 400, (h:get(B .. "?part=all", tok.viewer)))
  t:eq(label .. ": two parts at once", 400, (h:get(B .. "?group=dept&unit=lufeng", tok.admin)))
  s, x, v = h:get("/api/v1/bulletins/monthly/2021-05/1", tok.lufeng)
  t:ok(s == 200 and v and #v.result.units == 1 and same(v.result.units[1], lufeng),
    label .. ": revision 1 by number", x and x:sub(1, 200))
  s, x, v = h:get(B, tok.admin)
  t:ok(s == 200 and v and same(v.result, whole), label .. ": staff again the whole")
end
reads("in parts", 1)

st, text, j = h:get(B .. "?part=summary", tok.viewer)
t:eq("the summary", 200, st, text)
local sum = j and j.summary or {}
t:eq("of the period", "2021-05", sum.period)
t:ok(sum.units == nil, "no breakdown in it")
t:eq("a line per group", #whole.groups, sum.groups and #sum.groups)
for k, g in ipairs(whole.groups) do
  local x = sum.groups and sum.groups[k] or {}
  t:ok(x.id == g.id and x.ranked == #g.ranking and x.unranked == #g.unranked and
    x.no_business == #g.no_business and x.ranking == nil, "counts for " .. g.id)
end

-- runs, by pages (two evaluations on request add two)
t:eq("April is evaluated", 200, (h:get("/api/v1/rankings/monthly/2021-04", tok.admin)))
t:eq("March is evaluated", 200, (h:get("/api/v1/rankings/monthly/2021-03", tok.admin)))
local _, _, all = h:get("/api/v1/runs?limit=1000", tok.admin)
local ids = {}
for _, r in ipairs(all and all.runs or {}) do ids[#ids + 1] = r.id end
t:ok(#ids >= 3, "several runs", #ids)
t:eq("one page holds them all", L.null, all and all.next)
local paged, after, pages = {}, nil, 0
repeat
  local _, x, p = h:get("/api/v1/runs?limit=1" .. (after and ("&after=" .. string.format("%d", after)) or ""), tok.admin)
  for _, r in ipairs(p and p.runs or {}) do paged[#paged + 1] = r.id end
  after = p and p.next ~= L.null and p.next or nil
  pages = pages + 1
until not after or pages > 100
t:ok(same(paged, ids), "pages of one run are every run, newest first, once each")
t:eq("more than 1,000 a page is refused", 400, (h:get("/api/v1/runs?limit=1001", tok.admin)))
t:eq("a bad cursor is refused", 400, (h:get("/api/v1/runs?after=x", tok.admin)))
st, text, j = h:get("/api/v1/runs/" .. string.format("%d", b1.run or 0), tok.admin)
t:eq("a run, read whole", 200, st, text and text:sub(1, 200))
t:ok(j and same(j.result, whole) and #j.inputs.values > 100, "its result and inputs")
t:eq("a run that is not there", 404, (h:get("/api/v1/runs/999999", tok.admin)))

-- inputs in pieces: June over the same data stores no inputs again
local inputs1 = text_of("SELECT inputs FROM run WHERE id = " .. string.format("%d", b1.run or 0))
local pieces = count("SELECT count(*) FROM blob_piece WHERE hash = '" .. inputs1 .. "'")
t:ok(pieces > 10, "May's inputs are kept in pieces", pieces)
local inputs_pieces = "SELECT count(*) FROM blob_piece WHERE hash IN (SELECT inputs FROM run)"
local rows0 = count(inputs_pieces)
st, text, j = h:post("/api/v1/bulletins", tok.evaluator, '{"scheme":"monthly","period":"2021-06"}')
t:eq("June is published", 201, st, text)
local b2 = j and j.bulletin or {}
t:eq("over the same inputs", inputs1, text_of("SELECT inputs FROM run WHERE id = " .. string.format("%d", b2.run or 0)))
t:eq("which are stored once", rows0, count(inputs_pieces))

-- a 1-record batch, and a correction of May: one new piece
st, text = h:post("/api/v1/batches?source=values&name=one.csv", tok.evaluator,
  "unit,period,metric,value,n\nhaifeng,2021-05,zero_proof_rate,0.123,\n", "text/csv")
t:eq("a 1-record batch", 201, st, text)
st, text, j = h:post("/api/v1/bulletins", tok.evaluator,
  '{"scheme":"monthly","period":"2021-05","reason":"一条数据更正"}')
t:eq("May corrected", 201, st, text)
local b3 = j and j.bulletin or {}
local inputs3 = text_of("SELECT inputs FROM run WHERE id = " .. string.format("%d", b3.run or 0))
t:ok(inputs3 ~= inputs1 and #inputs3 == 64, "on other inputs", inputs3)
t:eq("kept in as many pieces", pieces, count("SELECT count(*) FROM blob_piece WHERE hash = '" .. inputs3 .. "'"))
t:eq("of which one is new", 1, count("SELECT count(*) FROM blob_piece WHERE hash = '" .. inputs3 ..
  "' AND piece NOT IN (SELECT piece FROM blob_piece WHERE hash = '" .. inputs1 .. "')"))

local function reproduce(b)
  local p = io.popen(L.quote(bin) .. " reproduce --data " .. L.quote(data) .. " --bulletin " ..
    string.format("%d", b.id or 0) .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  return ok, out
end
for _, b in ipairs { b1, b2, b3 } do
  local ok, out = reproduce(b)
  t:ok(ok and out:find("identical", 1, true), "bulletin " .. tostring(b.id) .. " re-runs to the same bytes", out)
end

-- a bulletin published before parts existed is read whole, with the same answers
os.execute("sqlite3 " .. L.quote(data .. "/pinggu.db") .. " " ..
  L.quote("DELETE FROM bulletin_part WHERE bulletin = " .. id))
t:eq("its parts gone", 0, count("SELECT count(*) FROM bulletin_part WHERE bulletin = " .. id))
-- such a bulletin is in the store before the host starts (the host keeps the parts it read, and a
-- published bulletin's parts never change under it)
t:ok(h:stop(), "the host stops")
h = H.start { bin = bin, rules = ws .. "/rules", data = data, config = ws .. "/pinggu.json", tokens = tok }
t:ok(h ~= nil, "and starts again on the store without those parts")
B = "/api/v1/bulletins/monthly/2021-05/1"
reads("whole", 2)
t:eq("no summary without parts", 404, (h:get(B .. "?part=summary", tok.viewer)))
H.finish(t, h)
