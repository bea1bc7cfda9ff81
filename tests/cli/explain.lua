-- tools.explain — `pinggu explain`: the trace of one unit: values with sample sizes, their
-- origin (the CSV row, or the ingested batches), method and parameters, points, caps and
-- policies, the revision; --indicator; unknown unit or indicator. --format json: the same facts,
-- structured, agreeing with the text and with `pinggu eval --format json --unit`.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"
local cjson = require "cjson"

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

-- explain --format json, decoded; raises with stderr when it fails or prints no JSON
local function explain_json(data, unit, extra)
  local out, err, code = explain(data, unit, "--format json " .. (extra or ""))
  T:eq("json: exit code", 0, code, err)
  local ok, doc = pcall(cjson.decode, out)
  T:ok(ok, "json: it parses", tostring(doc))
  return ok and doc or { unit = { indicators = {} }, ruleset = {} }
end

local function g6(v) return L.isnull(v) and "—" or string.format("%.6g", v) end

-- Every figure and every piece of the trace the JSON holds is in the text too.
local function agrees_with_text(who, doc, text)
  local u = doc.unit
  T:contains(who .. ": revision in the text", text, "规则版本 " .. doc.ruleset.revision .. "\n")
  T:contains(who .. ": rule set dir in the text", text, "规则集 " .. doc.ruleset.id .. "（" .. doc.ruleset.dir .. "）")
  if not L.isnull(u.rank) then
    local line = string.format("总分 %.2f（未取整 %.6f），本组排名 %d", u.total, u.unrounded_total, u.rank)
    if not L.isnull(u.band) then line = line .. "，等次 " .. u.band end
    T:contains(who .. ": total, rank, band", text, line)
  end
  for _, p in ipairs(u.composition.parts) do
    T:contains(who .. ": part " .. p.id, text, string.format("%s %s = %s × 权重 %s\n", p.name, p.id, g6(p.value), L.fmt(p.weight)))
  end
  for _, r in ipairs(u.indicators) do
    local line = string.format("%s %s  %s / %s 分  [%s]", r.name, r.id, g6(r.points), g6(r.max), r.status)
    if r.lost > 0 then line = line .. string.format("  失分 %.4f", r.lost) end
    if r.capped then line = line .. "  已封顶" end
    T:contains(who .. ": " .. r.id .. " line", text, line .. "\n")
    if r.leaf then
      T:contains(who .. ": " .. r.id .. " method", text, "方法    " .. r.method_rule .. "：" .. r.method_words .. "\n")
      T:contains(who .. ": " .. r.id .. " policy", text, "缺数    " .. r.policy_words .. "（missing = \"" .. r.policy .. "\"）\n")
      if L.isnull(r.value) then
        T:contains(who .. ": " .. r.id .. " no value", text, "数据项  " .. r.metric .. "（" .. r.metric_name .. "）：无数据\n")
      else
        local v = "数据项  " .. r.metric .. "（" .. r.metric_name .. "）= " .. r.value_text
        if not L.isnull(r.n) then v = v .. "，样本量 n = " .. L.fmt(r.n) end
        T:contains(who .. ": " .. r.id .. " value", text, v)
      end
      for i, p in ipairs(r.provenance) do
        T:contains(who .. ": " .. r.id .. " provenance " .. i, text, (i == 1 and "来源    " or "        ") .. p .. "\n")
      end
    end
    if r.rescaled then T:contains(who .. ": " .. r.id .. " rescaled", text, "折算    × " .. g6(r.weight) .. " 计入所在部分\n") end
    if not L.isnull(r.note) then T:contains(who .. ": " .. r.id .. " note", text, "说明    " .. r.note .. "\n") end
  end
end

-- The fields `pinggu eval --format json --unit` gives are there with the same values.
local function agrees_with_eval(who, doc, data, unit)
  local ev = L.eval_json(bin, { rules = DEMO, data = data, scheme = "monthly", period = "2021-05", unit = unit })
  local eu = ev.units[1]
  T:eq(who .. ": revision as eval", ev.ruleset.revision, doc.ruleset.revision)
  T:eq(who .. ": period as eval", ev.period, doc.period)
  T:eq(who .. ": scheme as eval", ev.scheme.id, doc.scheme.id)
  for _, k in ipairs { "unit", "total", "unrounded_total", "rank", "band", "veto", "clamped", "note" } do
    T:eq(who .. ": unit." .. k .. " as eval", eu[k], doc.unit[k])
  end
  local rows = {}
  for _, r in ipairs(doc.unit.indicators) do rows[r.id] = r end
  for _, er in ipairs(eu.indicators) do
    local r = rows[er.id]
    if T:ok(r ~= nil, who .. ": indicator " .. er.id .. " is in the JSON") then
      for k, v in pairs(er) do T:eq(who .. ": " .. er.id .. "." .. k .. " as eval", v, r[k]) end
    end
  end
end

-- The points lost on the leaves make up what the unit lost: the part's max less its points,
-- and (one part of weight 1) the scheme's max less the unrounded total.
local function lost_adds_up(who, doc)
  local leaves, root = 0, nil
  for _, r in ipairs(doc.unit.indicators) do
    if r.leaf then leaves = leaves + r.lost end
    if L.isnull(r.parent) then root = r end
  end
  T:near(who .. ": lost on the leaves = lost on the part", root.lost, leaves, 1e-3)
  T:near(who .. ": lost on the leaves = max - total", doc.scheme.max - doc.unit.unrounded_total, leaves, 1e-3)
end

T:section("--format json: the text's facts, eval's figures", function()
  for _, unit in ipairs { "jia", "yi", "bing", "xian" } do
    local text = explain(DEMO .. "/data", unit)
    local doc = explain_json(DEMO .. "/data", unit)
    agrees_with_text(unit, doc, text)
    agrees_with_eval(unit, doc, DEMO .. "/data", unit)
    lost_adds_up(unit, doc)
  end
  local doc = explain_json(DEMO .. "/data", "yi")
  T:eq("no --indicator", L.null, doc.indicator)
  T:eq("rounding", 2, doc.rounding)
  local online
  for _, r in ipairs(doc.unit.indicators) do if r.id == "online" then online = r end end
  T:eq("value", 0.77, online.value)
  T:eq("n", 120, online.n)
  T:eq("value's period", "2021-05", online.value_period)
  T:eq("method", "linear", online.method)
  T:eq("method_params.lo", 0.5, online.method_params.lo)
  T:eq("method_params.hi", 0.95, online.method_params.hi)
  T:eq("method_params.better", "higher", online.method_params.better)
  T:eq("min_n", 10, online.min_n)
  T:eq("provenance: the CSV row", DEMO .. "/data/2021-05.csv:4", online.provenance[1])
  T:eq("composition: no composite function", L.null, doc.unit.composition["function"])
  T:eq("composition: the part's value", 76, doc.unit.composition.parts[1].value)
  T:eq("ranking row: movement", "new", doc.unit.movement)
  local text = explain(DEMO .. "/data", "yi")
  T:eq("--format text is the default, byte for byte", text, (explain(DEMO .. "/data", "yi", "--format text")))
end)

T:section("--format json: batches, --indicator, policies and rescaling", function()
  local data = L.tmpdir()
  L.write(data .. "/v.csv", "unit,period,metric,value,n\njia,2021-05,bad_reviews,12,\n")
  local inbox = L.tmpdir()
  local b = { "org,accept_date,fully_online" }
  for d = 1, 5 do b[#b + 1] = string.format("乙局,2021-05-%02d,true", d) end
  L.write(inbox .. "/cases.csv", table.concat(b, "\n") .. "\n")
  local _, ierr, icode = L.run(table.concat({ L.quote(bin), "ingest --rules", L.quote(DEMO), "--data", L.quote(data),
    "--source cases", L.quote(inbox .. "/cases.csv") }, " "))
  T:eq("ingest", 0, icode, ierr)
  local doc = explain_json(data, "jia")
  local text = explain(data, "jia")
  agrees_with_text("jia", doc, text)
  agrees_with_eval("jia", doc, data, "jia")
  lost_adds_up("jia", doc)
  local rows = {}
  for _, r in ipairs(doc.unit.indicators) do rows[r.id] = r end
  T:eq("na status", "na", rows.online.status)
  T:eq("no value", L.null, rows.online.value)
  T:eq("no provenance without a value", 0, #rows.online.provenance)
  T:eq("na note", "不适用，权重按比例分配给同级指标", rows.online.note)
  T:eq("capped", true, rows.reviews.capped)
  T:eq("rescaled", true, rows.reviews.rescaled)
  T:eq("rescaling weight", 2.5, rows.reviews.weight)
  T:eq("lost, rescaled", 100, rows.reviews.lost)
  T:eq("deduct parameters", 5, rows.reviews.method_params.per)
  T:eq("policy", "zero", rows.reviews.policy)
  -- 乙局's five records, from the batch; its n is below min_n
  local one = explain_json(data, "yi", "--indicator online")
  T:eq("--indicator named", "online", one.indicator)
  T:eq("--indicator: one row", 1, #one.unit.indicators)
  local r = one.unit.indicators[1]
  T:eq("computed value", 1, r.value)
  T:eq("its n", 5, r.n)
  T:matches("provenance: the batch", r.provenance[1] or "", "^batch %x+（cases，cases%.csv，[^）]+ 入库）：2021%-05 采样月 5 条记录$")
  agrees_with_text("yi --indicator", one, explain(data, "yi", "--indicator online"))
end)

T:section("errors", function()
  local _, ferr, fcode = explain(DEMO .. "/data", "yi", "--format xml")
  T:eq("bad --format: exit 2", 2, fcode)
  T:contains("bad --format: message", ferr, "pinggu explain: --format xml: use text or json\n")
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
