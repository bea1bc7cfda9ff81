-- rectify.lua — the 问题清单 and the 整改 loop through the API, on the real host and its SQLite
-- store (issue 18 §2), with the clock injected at 2021-06-20 (Beijing):
--   the list     lufeng's 2021-05 items: lost points on the total's scale that add up to what
--                its total lost on its items, biggest first; each with a rule, a 说明, a value
--                in its unit, what would regain the points, the rule set's 整改要求 (the one an
--                indicator declares, else the set's default) and deadline (25 May + 15 days =
--                2021-06-09, so every item is 逾期 on 2021-06-20); the unit's breakdown carries
--                the same rows; recurring and next are given for a month
--   months       recurring and next agree with the lists of March, April and June
--   roles        a unit sees and marks its own list only; a viewer none; marking an item not
--                on the list is 422; a blank note 422
--   the loop     lufeng marks an item 已整改 with a note and a link → submitted, still overdue;
--                the evaluator rejects it without a reason (422), with one (rejected); lufeng
--                marks it again; the evaluator verifies it → no longer overdue; a verified
--                item cannot be marked again (409) nor reviewed again (409)
--   audit        rectify.mark ×2, rectify.reject, rectify.verify on rectification/ID
--   every unit   staff's list without a unit (put together on the pool from every unit's
--                问题清单) holds each unit's list as GET ?unit= gives it, in the units' order,
--                with its counts the sums of theirs
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("serve.rectify")
local ws = H.workspace(root)
-- an indicator's own 整改要求, and the set's default
do
  local f = ws .. "/rules/ruleset.lua"
  local text = L.slurp(f):gsub('issuer = "', 'rectify = "对照评分标准查明失分原因，限期整改", rectify_days = 15,\n  issuer = "', 1)
  L.write(f, text)
end
local tok, cfg = H.tokens(bin, ws)
local h, why = H.start { bin = bin, rules = ws .. "/rules", data = ws .. "/data", config = cfg,
  tokens = tok, clock = "2021-06-20T10:00:00+08:00" }
if not h then
  print("FAIL the host did not start: " .. why)
  os.exit(1)
end
local function msg(j) return j and j.error and j.error.message or "" end
local list = "/api/v1/issues/monthly/2021-05"

local items
t:section("the list", function()
  local st, _, j = h:get(list .. "?unit=lufeng", tok.evaluator)
  t:eq("GET the list", 200, st)
  items = j and j.items or {}
  t:ok(#items > 0, "lufeng lost points in 2021-05")
  t:eq("today by the injected clock", "2021-06-20", j and j.today)
  local prev, sum = math.huge, 0
  for _, x in ipairs(items) do
    t:eq(x.indicator .. " is lufeng's", "lufeng", x.unit)
    t:ok(x.lost_total and x.lost_total > 0, x.indicator .. " lost points of the total")
    t:ok(x.lost_total <= prev + 1e-9, x.indicator .. " biggest loss first")
    prev, sum = x.lost_total, sum + x.lost_total
    t:ok(x.rule and #x.rule > 0, x.indicator .. " has its rule in words")
    t:ok(x.why and #x.why > 0, x.indicator .. " has a 说明")
    t:ok(x.regain and #x.regain > 0, x.indicator .. " says what would regain the points")
    t:eq(x.indicator .. " 整改要求 from the rule set", "对照评分标准查明失分原因，限期整改", x.rectify)
    t:eq(x.indicator .. " due 15 days after 25 May", "2021-06-09", x.due)
    t:eq(x.indicator .. " is overdue on 20 June", true, x.overdue)
    t:ok(x.recurring ~= nil, x.indicator .. " says whether it recurs")
    t:eq(x.indicator .. " has no record yet", cjson.null, x.rectification)
  end
  t:eq("every item is counted overdue", #items, j and j.overdue)
  -- recurring and next agree with the lists of the months around: lost in March and April too,
  -- and lost again in June or not
  local function lost(period)
    local _, _, l = h:get("/api/v1/issues/monthly/" .. period .. "?unit=lufeng", tok.evaluator)
    local set = {}
    for _, x in ipairs(l and l.items or {}) do set[x.indicator] = true end
    return set
  end
  local mar, apr, jun = lost("2021-03"), lost("2021-04"), lost("2021-06")
  local recurring = 0
  for _, x in ipairs(items) do
    t:eq(x.indicator .. " recurring as March and April say", mar[x.indicator] == true and apr[x.indicator] == true, x.recurring)
    t:eq(x.indicator .. " next as June says", jun[x.indicator] and "not_recovered" or "recovered", x.next)
    if x.recurring then recurring = recurring + 1 end
  end
  t:eq("the recurring count", recurring, j and j.recurring)
  t:ok(recurring > 0, "the sample has an indicator lost three months running")
  -- the breakdown: the same rows, and its total lost what its items lost (no bonus in a month)
  local _, _, b = h:get("/api/v1/results/monthly/2021-05/lufeng", tok.lufeng)
  local u = b and b.units and b.units[1]
  t:ok(u and u.rows and #u.rows > 0, "the breakdown carries its rows")
  t:ok(u and math.abs((100 - u.total) - sum) < 0.02,
    string.format("the items' lost points add up to 100 − total (%.4f vs %.2f)", sum, u and 100 - u.total or -1))
  local share
  for _, r in ipairs(u and u.rows or {}) do
    if r.value_unit == "share" and type(r.value_text) == "string" then share = r.value_text end
  end
  t:ok(share and share:match("%%$"), "a share reads as a percentage: " .. tostring(share))
end)

t:section("roles", function()
  local st, _, j = h:get(list, tok.lufeng)
  t:eq("a unit reads its list", 200, st)
  local mine = true
  for _, x in ipairs(j and j.items or {}) do mine = mine and x.unit == "lufeng" end
  t:ok(mine and #(j.items) == #items, "its own items only")
  st = h:get(list .. "?unit=haifeng", tok.lufeng)
  t:eq("another unit's list", 403, st)
  st = h:get(list, tok.viewer)
  t:eq("a viewer", 403, st)
  st, _, j = h:post(list .. "/" .. items[1].indicator .. "/rectify", tok.lufeng,
    cjson.encode { unit = "haifeng", note = "x" })
  t:eq("marking another unit's item", 403, st)
  st, _, j = h:post(list .. "/no_such_indicator/rectify", tok.lufeng, cjson.encode { note = "x" })
  t:eq("an item not on the list", 422, st)
  st, _, j = h:post(list .. "/" .. items[1].indicator .. "/rectify", tok.lufeng, cjson.encode { note = "  " })
  t:eq("a blank note", 422, st)
  t:contains("saying so", msg(j), "note")
end)

t:section("the loop", function()
  local ind = items[1].indicator
  local mark = list .. "/" .. ind .. "/rectify"
  local st, _, r = h:post(mark, tok.lufeng, cjson.encode { note = "已逐件核查超期办件并整改",
    link = "https://example.cn/zhenggai/1" })
  t:eq("lufeng marks it 已整改", 201, st)
  t:eq("submitted", "submitted", r and r.status)
  local id = r and r.id and string.format("%d", r.id)
  local _, _, j = h:get(list, tok.lufeng)
  local x = j and j.items and j.items[1]
  t:eq("the list shows the record", "submitted", x and x.rectification and x.rectification.status)
  t:eq("still overdue until verified", true, x and x.overdue)
  st = h:post("/api/v1/rectifications/" .. id .. "/review", tok.lufeng, cjson.encode { status = "verified" })
  t:eq("a unit cannot verify", 403, st)
  st, _, j = h:post("/api/v1/rectifications/" .. id .. "/review", tok.evaluator, cjson.encode { status = "rejected" })
  t:eq("a rejection without a reason", 422, st)
  st, _, j = h:post("/api/v1/rectifications/" .. id .. "/review", tok.evaluator,
    cjson.encode { status = "rejected", reason = "佐证材料不足" })
  t:eq("rejected with a reason", 200, st)
  t:eq("status rejected", "rejected", j and j.status)
  st, _, r = h:post(mark, tok.lufeng, cjson.encode { note = "补充佐证：整改台账", link = "https://example.cn/zhenggai/2" })
  t:eq("marked again after the rejection", 201, st)
  t:eq("the same record", id, r and r.id and string.format("%d", r.id))
  t:eq("submitted again", "submitted", r and r.status)
  st, _, j = h:post("/api/v1/rectifications/" .. id .. "/review", tok.evaluator,
    cjson.encode { status = "verified", reason = "已核实" })
  t:eq("verified", 200, st)
  _, _, j = h:get(list, tok.lufeng)
  x = j and j.items and j.items[1]
  t:eq("verified on the list", "verified", x and x.rectification and x.rectification.status)
  t:eq("no longer overdue", false, x and x.overdue)
  t:eq("one item fewer overdue", #items - 1, j and j.overdue)
  st = h:post(mark, tok.lufeng, cjson.encode { note = "again" })
  t:eq("a verified item is final", 409, st)
  st = h:post("/api/v1/rectifications/" .. id .. "/review", tok.evaluator, cjson.encode { status = "verified" })
  t:eq("reviewed once", 409, st)
  _, _, j = h:get("/api/v1/rectifications?period=2021-05", tok.lufeng)
  t:eq("GET /rectifications lists it", 1, j and j.records and #j.records)
  _, _, j = h:get("/api/v1/audit?object=rectification/" .. id, tok.admin)
  local actions = {}
  for _, e in ipairs(j or {}) do actions[#actions + 1] = e.action end
  table.sort(actions)
  t:eq("every step audited", "rectify.mark,rectify.mark,rectify.reject,rectify.verify", table.concat(actions, ","))
end)

t:section("every unit", function()
  local st, _, all = h:get(list, tok.evaluator)
  t:eq("GET the list of every unit", 200, st)
  local _, _, units = h:get("/api/v1/units", tok.evaluator)
  local at, overdue, recurring, listed = 1, 0, 0, 0
  for _, u in ipairs(units and units.units or {}) do
    local _, _, one = h:get(list .. "?unit=" .. u.id, tok.evaluator)
    local n = #(one and one.items or {})
    local same = true
    for k = 1, n do same = same and H.same(one.items[k], all and all.items[at + k - 1]) end
    t:ok(same, u.id .. ": its " .. n .. " items as its own list gives them, in place")
    at, listed = at + n, listed + (n > 0 and 1 or 0)
    overdue, recurring = overdue + (one and one.overdue or 0), recurring + (one and one.recurring or 0)
  end
  t:ok(listed > 1, "more than one unit lost points in 2021-05: " .. listed)
  t:eq("no item besides theirs", at - 1, all and #all.items)
  t:eq("overdue, summed", overdue, all and all.overdue)
  t:eq("recurring, summed", recurring, all and all.recurring)
end)

H.finish(t, h)
