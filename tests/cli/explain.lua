-- tools.explain — `pinggu explain`: the trace of one unit: values with sample sizes, their
-- origin (the CSV row, or the ingested batches), method and parameters, points, caps and
-- policies, the revision; --indicator; unknown unit or indicator.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"

local bin, root = L.args()
local T = L.tester("tools.explain")
local DEMO = root .. "/tests/cli/fixtures/demo"

local function explain(data, unit, extra)
  return L.run(table.concat({ L.quote(bin), "explain --rules", L.quote(DEMO), "--data", L.quote(data),
    "--unit", L.quote(unit), "--scheme monthly --period 2021-05", extra or "" }, " "))
end

T:section("fed values: the CSV row, the method, points, cap", function()
  local out, err, code = explain(DEMO .. "/data", "yi")
  T:eq("exit code", 0, code, err)
  local rev = L.run(L.quote(bin) .. " check " .. L.quote(DEMO)):match("revision (%x+)")
  T:contains("header", out, "乙局（yi，dept 市直单位，代码 D002）— 月度排名 2021-05\n")
  T:matches("full revision", out, "规则版本 " .. rev .. "%x+\n")
  T:contains("total, rank, band", out, "总分 76.00（未取整 76.000000），本组排名 2，等次 合格\n")
  T:contains("leaf line", out, "  全程网办率 online  36 / 60 分  [ok]  失分 24.0000\n")
  T:contains("value with n", out, "数据项  online_rate（全程网办率）= 77%，样本量 n = 120\n")
  T:contains("origin: the CSV row", out, "来源    " .. DEMO .. "/data/2021-05.csv:4\n")
  T:contains("method and parameters", out,
    "方法    linear { lo = 0.5, hi = 0.95 }：线性计分：≥95% 得满分，≤50% 不得分，其间按线性插值计分\n")
  T:contains("policy", out, "（missing = \"not_applicable\"）\n")
  local capped = explain(DEMO .. "/data", "bing")
  T:contains("丙局 reviews", capped, "  差评 reviews  35 / 40 分  [ok]  失分 5.0000\n")
  T:contains("丙局 online below lo", capped, "  全程网办率 online  0 / 60 分  [ok]  失分 60.0000\n")
end)

T:section("computed values: the batches they came from", function()
  local data = L.tmpdir()
  local src = L.read_csv(DEMO .. "/data/2021-05.csv")
  local rows = { "unit,period,metric,value,n" }
  for _, r in ipairs(select(2, L.read_csv(DEMO .. "/data/2021-05.csv"))) do
    if not (r.unit == "jia" and r.metric == "online_rate") then
      rows[#rows + 1] = table.concat({ r.unit, r.period, r.metric, r.value, r.n }, ",")
    end
  end
  assert(src)
  L.write(data .. "/values.csv", table.concat(rows, "\n") .. "\n")
  local inbox = L.tmpdir()
  L.write(inbox .. "/cases-a.csv", "org,accept_date,fully_online\njia,2021-05-03,true\njia,2021-05-04,true\n"
    .. "jia,2021-05-06,false\njia,2021-06-01,true\n")
  local b = { "org,accept_date,fully_online" }
  for d = 1, 20 do b[#b + 1] = string.format("甲局,2021-05-%02d,%s", d, d % 5 == 0 and "false" or "true") end
  L.write(inbox .. "/cases-b.csv", table.concat(b, "\n") .. "\n")
  local _, ierr, icode = L.run(table.concat({ L.quote(bin), "ingest --rules", L.quote(DEMO), "--data", L.quote(data),
    "--source cases", L.quote(inbox .. "/cases-a.csv"), L.quote(inbox .. "/cases-b.csv") }, " "))
  T:eq("ingest", 0, icode, ierr)
  local out, err, code = explain(data, "jia", "--indicator online")
  T:eq("exit code", 0, code, err)
  -- 3 + 20 records of May (the one of June is another month): 2 + 16 fully online
  T:contains("value from the batches", out, "数据项  online_rate（全程网办率）= 78.26087%，样本量 n = 23\n")
  T:matches("first batch", out, "来源    batch %x+（cases，cases%-a%.csv，[^）]+ 入库）：2021%-05 采样月 3 条记录\n")
  T:matches("second batch", out, "\n            batch %x+（cases，cases%-b%.csv，[^）]+ 入库）：2021%-05 采样月 20 条记录\n")
  T:ok(not out:find("差评 reviews", 1, true), "--indicator limits the trace")
  local _, _, wcode = L.run(L.quote(bin) .. " ingest --data " .. L.quote(data) .. " --withdraw "
    .. (out:match("batch (%x+)（cases，cases%-a") or "x"))
  T:eq("withdraw", 0, wcode)
  local out2 = explain(data, "jia", "--indicator online")
  T:contains("after the withdrawal: 20 records", out2, "样本量 n = 20\n")
  T:ok(not out2:find("cases-a.csv", 1, true), "a withdrawn batch is not an origin")
end)

T:section("policies, notes and rescaling", function()
  local data = L.tmpdir()
  L.write(data .. "/v.csv", "unit,period,metric,value,n\njia,2021-05,bad_reviews,12,\n")
  local out, err, code = explain(data, "jia")
  T:eq("exit code", 0, code, err)
  T:contains("na with its note", out, "  全程网办率 online  — / 60 分  [na]\n")
  T:contains("no value", out, "数据项  online_rate（全程网办率）：无数据\n")
  T:contains("the note", out, "说明    不适用，权重按比例分配给同级指标\n")
  T:contains("capped", out, "  差评 reviews  0 / 40 分  [ok]  失分 100.0000  已封顶\n")
  T:contains("cap note", out, "说明    计分达到上限40分\n")
  T:contains("rescaled", out, "折算    × 2.5 计入所在部分\n")
end)

T:section("errors", function()
  local _, err, code = explain(DEMO .. "/data", "nobody")
  T:eq("unknown unit: exit 1", 1, code)
  T:contains("unknown unit: message", err, "--unit nobody: not in")
  local _, err2, code2 = explain(DEMO .. "/data", "yi", "--indicator onlin")
  T:eq("unknown indicator: exit 1", 1, code2)
  T:contains("unknown indicator: message", err2, "--indicator onlin: the rule set declares no such indicator")
  local _, err3, code3 = L.run(L.quote(bin) .. " explain --rules " .. L.quote(DEMO) .. " --data "
    .. L.quote(DEMO .. "/data") .. " --unit yi --scheme monthly --period 2021-13")
  T:eq("bad period: exit 2", 2, code3)
  T:contains("bad period: message", err3, "--period 2021-13")
  local _, _, code4 = L.run(L.quote(bin) .. " explain --rules " .. L.quote(DEMO))
  T:eq("missing options: exit 2", 2, code4)
  local _, err5, code5 = explain(DEMO .. "/data", "yi", "--period 2021-06")
  T:eq("no data for the period: exit 1", 1, code5)
  T:contains("no data: message", err5, "no data for scheme 'monthly' in period 2021-06")
end)

T:done()
