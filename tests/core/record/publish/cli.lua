-- cli.lua — pinggu publish, bulletins and reproduce on a copy of the sample: a published
-- bulletin re-runs byte for byte after the rules and the data change, a correction is a new
-- revision with its differences, and movement (环比) is measured against the previous bulletin.
local H = dofile(arg[0]:gsub("[^/]*$", "") .. "../../../host/serve/host.lua")
local L = H.L
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("publish.cli")
local ws = H.workspace(root)
local rules, data = ws .. "/rules", ws .. "/data"

local function pg(args)
  return L.run(L.quote(bin) .. " " .. args)
end
local function publish(period, extra)
  return pg("publish --rules " .. L.quote(rules) .. " --data " .. L.quote(data) ..
    " --scheme monthly --period " .. period .. " --actor tester " .. (extra or ""))
end
local function show(id)
  local out, err, code = pg("bulletins --data " .. L.quote(data) .. " --show " .. id .. " --format json")
  local ok, j = pcall(cjson.decode, out)
  return ok and j or nil, err, code
end
local function eval(period)
  return L.eval_json(bin, { rules = rules, data = data, scheme = "monthly", period = period })
end
local function by_unit(result)
  local m = {}
  for _, g in ipairs(result.groups) do
    for _, r in ipairs(g.ranking) do m[r.unit] = r end
  end
  return m
end
local function edit(path, from, to)
  local text = L.slurp(path)
  local new, n = text:gsub(L.pattern(from), (to:gsub("%%", "%%%%")), 1)
  assert(n == 1, "no '" .. from .. "' in " .. path)
  L.write(path, new)
end

-- revision 1 of April and of May; May's movement is measured against April's bulletin
local out, err, code = publish("2021-04")
t:eq("publish 2021-04", 0, code, err)
t:contains("names the revision", out, "published monthly 2021-04 revision 1: bulletin 1")
out, err, code = publish("2021-05")
t:eq("publish 2021-05", 0, code, err)
t:contains("May against April's bulletin", out, "movement measured against bulletin 1")
t:ok(L.slurp(data .. "/bulletins/monthly-2021-05-r1/monthly-2021-05.html") ~= nil,
  "the final documents are written", out)

local may1 = show(2)
t:ok(may1 and may1.bulletin and may1.result, "bulletins --show 2 gives the bulletin and its result", err)
t:eq("revision", 1, may1.bulletin.revision)
t:eq("published by", "tester", may1.bulletin.published_by)
t:eq("base", 1, may1.bulletin.base)
local fresh = eval("2021-05")
t:eq("while nothing changed, the bulletin is what eval says", cjson.encode(fresh.groups),
  cjson.encode(may1.result.groups))

-- change the weights of the monthly composite and a fed value of May
edit(rules .. "/schemes.lua", "{ id = \"monitoring\", weight = 0.8 }", "{ id = \"monitoring\", weight = 0.7 }")
edit(rules .. "/schemes.lua", "{ id = \"platforms\",  weight = 0.2 }", "{ id = \"platforms\",  weight = 0.3 }")
local csv = L.slurp(data .. "/2021-05.csv")
local line = csv:match("\n(chengqu,2021%-05,zero_proof_rate,[^\n]*)")
t:ok(line ~= nil, "the sample has chengqu's zero_proof_rate for May")
edit(data .. "/2021-05.csv", line, "chengqu,2021-05,zero_proof_rate,0.1,")

out, err, code = pg("reproduce --data " .. L.quote(data) .. " --bulletin 2")
t:eq("reproduce after the change", 0, code, out .. err)
t:contains("says identical", out, "identical: bulletin 2")
local changed = eval("2021-05")
t:ok(cjson.encode(changed.groups) ~= cjson.encode(may1.result.groups),
  "a fresh eval differs from the bulletin")
local still = show(2)
t:eq("the bulletin's result is unchanged", cjson.encode(may1.result), cjson.encode(still.result))

-- a correction needs a reason, makes revision 2 and lists the differences
out, err, code = publish("2021-05")
t:eq("publishing again without a reason is refused", 1, code, out)
t:contains("and says why", err, "needs a reason")
out, err, code = publish("2021-05", "--reason " .. L.quote("权重更正"))
t:eq("a correction", 0, code, err)
t:contains("is revision 2", out, "published monthly 2021-05 revision 2: bulletin 3")
t:contains("lists the differences", out, "changes from revision 1")
t:contains("unit by unit", out, "chengqu")
local may2 = show(3)
t:eq("reason", "权重更正", may2.bulletin.reason)
-- its documents say so on page 1, with the reason and the date; revision 1's say nothing of it
local function local_date(iso)
  local y, m, d, H = iso:match("^(%d+)-(%d+)-(%d+)T(%d+)")
  local t = os.time { year = tonumber(y), month = tonumber(m), day = tonumber(d), hour = tonumber(H) + 8 }
  local x = os.date("*t", t)
  return string.format("%d年%d月%d日", x.year, x.month, x.day)
end
local html2 = L.slurp(data .. "/bulletins/monthly-2021-05-r2/monthly-2021-05.html") or ""
local page1 = html2:match('<section class="notice">(.-)</section>') or ""
t:contains("page 1: a correction, its edition and reason", page1,
  "<b>更正版（第 2 版）</b>：权重更正。更正日期：" .. local_date(may2.bulletin.published_at))
t:contains("page 1: signed with the publication's date", page1,
  "<br/>" .. local_date(may2.bulletin.published_at) .. "</div>")
local html1 = L.slurp(data .. "/bulletins/monthly-2021-05-r1/monthly-2021-05.html") or ""
t:ok(not html1:find("更正版", 1, true) and not html1:find("未发布稿", 1, true),
  "revision 1: published, neither a draft nor a correction")
t:eq("from revision", 1, may2.bulletin.changes.from_revision)
t:ok(may2.bulletin.changes.summary.total_changes > 0, "totals changed",
  cjson.encode(may2.bulletin.changes.summary))
t:ok(#may2.bulletin.changes.groups > 0 and #may2.bulletin.changes.groups[1].units > 0,
  "units with their differences")
t:ok(#may2.bulletin.changes.groups[1].units < 36, "only the units that changed")
t:eq("revisions listed", 2, #may2.revisions)
t:eq("revision 1 is untouched", cjson.encode(may1.result), cjson.encode(show(2).result))
t:eq("revision 1 still re-runs", 0, select(3, pg("reproduce --data " .. L.quote(data) .. " --bulletin 2")))
t:eq("revision 2 re-runs", 0, select(3, pg("reproduce --data " .. L.quote(data) .. " --bulletin 3")))
out, err, code = publish("2021-05", "--reason again")
t:eq("the same numbers again are not a correction", 1, code, out)
t:contains("nothing to correct", err, "nothing to correct")

-- 环比: June's movement is against May's latest bulletin (revision 2), not against May as the
-- data now say
edit(data .. "/2021-05.csv", "chengqu,2021-05,zero_proof_rate,0.1,", "chengqu,2021-05,zero_proof_rate,1,")
out, err, code = publish("2021-06")
t:eq("publish 2021-06", 0, code, err)
t:contains("against May's revision 2", out, "movement measured against bulletin 3")
local june = show(4)
local prev, mine = by_unit(may2.result), by_unit(june.result)
local checked = 0
for unit, r in pairs(mine) do
  local p = prev[unit]
  if p then
    checked = checked + 1
    t:eq(unit .. " previous rank is the bulletin's", p.rank, r.previous_rank)
    t:near(unit .. " change against the bulletin", L.round(r.total - p.total, 2), r.change, 1e-9)
  end
end
t:ok(checked > 30, "every ranked unit compared", tostring(checked))
local juneval = by_unit(eval("2021-06"))
t:ok(juneval.chengqu.change ~= mine.chengqu.change,
  "eval's own movement follows the edited May; the bulletin's does not",
  L.fmt(juneval.chengqu.change) .. " vs " .. L.fmt(mine.chengqu.change))
out, err, code = pg("reproduce --data " .. L.quote(data) .. " --bulletin 4")
t:eq("June re-runs against the same frozen May", 0, code, out .. err)

out, err, code = pg("bulletins --data " .. L.quote(data) .. " --format json")
local list = cjson.decode(out).bulletins
t:eq("four bulletins", 4, #list)
t:eq("listed in order", "2021-05", list[3].period)
t:eq("with their revisions", 2, list[3].revision)
out = pg("bulletins --data " .. L.quote(data) .. " --period 2021-05")
t:ok(select(2, out:gsub("\n", "")) == 2, "--period filters", out)

-- the audit log has one entry a publish, a correction with its before
out, err, code = pg("audit --data " .. L.quote(data) .. " --action bulletin.publish --format json")
local audit = cjson.decode(out)
t:eq("four publish entries", 4, #audit)
t:eq("by", "tester", audit[3].actor)
t:eq("object", "bulletin/monthly/2021-05", audit[3].object)
t:eq("before is revision 1", 1, audit[3].before and audit[3].before.revision)
t:eq("after is revision 2", 2, audit[3].after and audit[3].after.revision)
t:ok(audit[1].before == nil or audit[1].before == L.null, "revision 1 has no before")

-- the store refuses to change a published bulletin; a tampered result is caught
local db = L.quote(data .. "/pinggu.db")
out, err, code = L.run("sqlite3 " .. db .. " \"UPDATE bulletin SET reason = 'x' WHERE id = 2\"")
t:ok(code ~= 0, "UPDATE of a bulletin is refused", out)
t:contains("by the frozen trigger", err, "a published bulletin is frozen")
out, err, code = L.run("sqlite3 " .. db .. " \"DELETE FROM bulletin WHERE id = 1\"")
t:ok(code ~= 0, "DELETE of a bulletin is refused", out)
-- a stored result that was altered is refused as damaged (its bytes no longer have its hash,
-- whether stored compressed or plain), never re-run against
local sql = ws .. "/tamper.sql"
L.write(sql, "UPDATE blob SET body = CAST('{}' AS BLOB), encoding = 'identity'" ..
  " WHERE hash = (SELECT r.result FROM run r JOIN bulletin b ON b.run = r.id WHERE b.id = 2);\n")
L.run("sqlite3 " .. db .. " <" .. L.quote(sql))
out, err, code = pg("reproduce --data " .. L.quote(data) .. " --bulletin 2")
t:eq("a tampered result does not reproduce", 1, code, out .. err)
t:contains("… it is damaged", err, "is damaged: its bytes do not have its hash")
-- altered rules in the snapshot re-run to other bytes, and the first difference is shown
local snap = data .. "/rules/" .. may1.bulletin.rules_revision .. "/ruleset.lua"
edit(snap, "rounding = 2", "rounding = 3")
out, err, code = pg("reproduce --data " .. L.quote(data) .. " --bulletin 1")
t:eq("tampered rules do not reproduce", 1, code, out .. err)
t:contains("says different", out, "different: bulletin 1")
t:matches("and shows the first difference", out, "line %d+: recorded[^\n]*revision")

-- errors a user can act on
out, err, code = pg("reproduce --data " .. L.quote(data) .. " --bulletin 99")
t:eq("an unknown bulletin", 1, code)
t:contains("says so", err, "no bulletin 99")
out, err, code = pg("reproduce --data " .. L.quote(data))
t:eq("usage", 2, code)

L.cleanup()
print(string.format("%s: %d checks, %d failed", t.name, t.checks, t.failures))
os.exit(t.failures == 0 and 0 or 1)
