-- cli.lua — pinggu selfreport|score|appeal on the fixture rule set beside this file, then
-- `pinggu eval` and `pinggu audit` on the same data directory:
--   bad input exits 1 with the reason, a malformed command line 2, and neither writes;
--   a score without a reason is refused;
--   an accepted self-report, an evaluator's score and an upheld appeal change the numbers
--   `pinggu eval` prints, the appeal with its trace line and clamped at the indicator's points;
--   each review, score and decision leaves an audit entry with the record before and after.
package.path = arg[0]:gsub("[^/]*$", "") .. "../../../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"
local bin, root = L.args()
local t = L.tester("review.cli")
local rules = root .. "/tests/core/record/review/fixture"
local dir = L.tmpdir()
local data = dir .. "/data"
os.execute("mkdir -p " .. L.quote(data))
L.write(data .. "/values.csv", "unit,period,metric,value,n\n" ..
  "u1,2021-05,m_rate,0.5,\nu2,2021-05,m_rate,0.5,\nu3,2021-05,m_rate,0.5,\n")

local function pg(args)
  return L.run(L.quote(bin) .. " " .. args)
end
local R = " --rules " .. L.quote(rules) .. " --data " .. L.quote(data)
local function rows(sql)
  return (L.run("sqlite3 " .. L.quote(data .. "/pinggu.db") .. " " .. L.quote(sql)):gsub("%s+$", ""))
end

t:section("usage and refusals", function()
  local _, err, code = pg("selfreport frobnicate")
  t:eq("unknown subcommand exits 2", 2, code)
  t:contains("and names it", err, "unknown subcommand 'frobnicate'")
  _, _, code = pg("score set" .. R .. " --unit u1 --period 2021-05 --score 3")
  t:eq("a missing option exits 2", 2, code)
  _, err, code = pg("score set" .. R .. " --unit u1 --period 2021-05 --indicator quality --score 30")
  t:eq("a score without a reason exits 1", 1, code)
  t:contains("saying a reason is required", err, "a reason for the score")
  _, err, code = pg("score set" .. R .. " --unit u1 --period 2021-05 --indicator quality --score 30 --reason ' '")
  t:eq("a blank reason too", 1, code)
  _, err, code = pg("score set" .. R .. " --unit u1 --period 2021-05 --indicator quality --score 45 --reason r")
  t:eq("a score above the indicator's points exits 1", 1, code)
  t:contains("saying the range", err, "from 0 to 40 points")
  _, err, code = pg("selfreport submit" .. R .. " --unit u1 --period 2021-05 --metric m_share_rep --value 85 --link https://x.cn/a")
  t:eq("a share of 85 exits 1", 1, code)
  t:contains("saying what a share is", err, "a fraction from 0 to 1")
  _, err, code = pg("appeal submit" .. R .. " --unit u9 --period 2021-05 --indicator rate --claim c")
  t:eq("an unknown unit exits 1", 1, code)
  t:contains("naming it", err, "unit 'u9' is not in")
  t:eq("nothing was written", "0|0|0|0", rows(
    "SELECT (SELECT count(*) FROM self_report)||'|'||(SELECT count(*) FROM evaluator_score)||'|'||" ..
    "(SELECT count(*) FROM appeal)||'|'||(SELECT count(*) FROM audit)"))
end)

t:section("decisions into the numbers", function()
  local out, err, code = pg("selfreport submit" .. R .. " --unit u2 --period 2021-05 --metric m_share_rep" ..
    " --value 0.8 --file " .. L.quote(rules .. "/units.csv") .. " --note 台账 --actor unit:u2")
  t:eq("self-report submitted", 0, code, err)
  t:contains("its id", out, "self-report #1")
  out, err, code = pg("selfreport review --data " .. L.quote(data) .. " 1 --accept --reason 佐证一致 --actor evaluator:wang")
  t:eq("self-report accepted", 0, code, err)
  _, err, code = pg("selfreport review --data " .. L.quote(data) .. " 1 --reject --reason again")
  t:eq("a second review exits 1", 1, code)
  t:contains("saying it was reviewed", err, "is accepted by evaluator:wang")
  t:eq("the evidence is kept by its hash", 1,
    tonumber(rows("SELECT count(*) FROM evidence WHERE bytes > 0")))
  _, err, code = pg("score set" .. R .. " --unit u1 --period 2021-05 --indicator quality --score 36 --reason 初评 --actor evaluator:wang")
  t:eq("score set", 0, code, err)
  _, err, code = pg("score set" .. R .. " --unit u1 --period 2021-05 --indicator quality --score 30 --reason 复评：材料不全 --actor evaluator:li")
  t:eq("score replaced", 0, code, err)
  out = pg("score list --data " .. L.quote(data) .. " --all")
  t:matches("both listed with --all, the first replaced by the second", out, "#1  u1  2021%-05  quality  36  evaluator:wang  2")
  _, err, code = pg("appeal submit" .. R .. " --unit u1 --period 2021-05 --indicator rate --claim 漏统计3件 --actor unit:u1")
  t:eq("appeal submitted", 0, code, err)
  _, err, code = pg("appeal decide" .. R .. " 1 --uphold --adjust 1.5 --reason 核实属实 --actor evaluator:wang")
  t:eq("appeal upheld", 0, code, err)
  _, err, code = pg("appeal submit" .. R .. " --unit u2 --period 2021-05 --indicator rate --claim 全部属实")
  _, err, code = pg("appeal decide" .. R .. " 2 --uphold --adjust 50 --reason 属实")
  t:eq("a large appeal upheld", 0, code, err)

  local doc = L.eval_json(bin, { rules = rules, data = data, scheme = "monthly", period = "2021-05" })
  local units = {}
  for _, u in ipairs(doc.units) do
    units[u.unit] = {}
    for _, i in ipairs(u.indicators) do units[u.unit][i.id] = i end
    units[u.unit].total = u.total
    units[u.unit].appeals = u.appeals
  end
  t:near("the evaluator's points", 30, units.u1.quality.points)
  t:contains("with the score's reason in the trace", units.u1.quality.note, "复评：材料不全")
  t:eq("shown as evaluator_score", "evaluator_score", units.u1.quality.method)
  t:near("the appeal moves rate by 1.5", 31.5, units.u1.rate.points)
  t:contains("with its trace line", units.u1.rate.note, "申诉 #1 成立：+1.5分（核实属实）")
  t:near("and its lost points", 28.5, units.u1.rate.lost)
  t:near("an appeal never passes the indicator's points", 60, units.u2.rate.points)
  t:contains("and says so", units.u2.rate.note, "实计+30分")
  t:eq("the unit lists its appeals", 1, units.u1.appeals and units.u1.appeals[1].id)
  t:near("the accepted self-report is the value", 0.8, units.u2.rep.value)
  t:near("u1's total", 61.5, units.u1.total)
end)

t:section("audit entries", function()
  local out, err, code = pg("audit --data " .. L.quote(data) .. " --format json")
  t:eq("pinggu audit", 0, code, err)
  local log = cjson.decode(out)
  local by = {}
  for _, e in ipairs(log) do
    by[e.action] = by[e.action] or {}
    table.insert(by[e.action], e)
  end
  local rev = by["selfreport.review"] and by["selfreport.review"][1]
  t:eq("the review's before is the submitted report", "submitted", rev and rev.before.status)
  t:eq("its after the accepted one", "accepted", rev and rev.after.status)
  t:eq("with the reviewer", "evaluator:wang", rev and rev.after.reviewed_by)
  t:eq("and the actor", "evaluator:wang", rev and rev.actor)
  local sc = by["score.set"] and by["score.set"][2]
  t:eq("the second score's before is the first", 36, sc and sc.before.score)
  t:eq("its after the new one", 30, sc and sc.after.score)
  t:eq("with its reason", "复评：材料不全", sc and sc.after.reason)
  local dec = by["appeal.decide"] and by["appeal.decide"][1]
  t:eq("the decision's before is the open appeal", "open", dec and dec.before.status)
  t:eq("its after the upheld one", "upheld", dec and dec.after.status)
  t:eq("with the adjustment", 1.5, dec and dec.after.adjustment)
  t:eq("on object appeal/1", "appeal/1", dec and dec.object)
end)

t:done()
