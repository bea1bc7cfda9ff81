-- tools.doc — `pinggu doc`: Markdown and HTML per group, the tree with each group's points,
-- methods in words with their thresholds, a stable anchor ind-<id> for every indicator, every
-- link resolving, the same bytes on every run.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../e2e/?.lua;" .. package.path
local L = require "lib"

local bin, root = L.args()
local T = L.tester("tools.doc")
local DEMO = root .. "/tests/cli/fixtures/demo"
local SHANWEI = root .. "/rules/shanwei-2021"

local function doc(dir, out)
  return L.run(L.quote(bin) .. " doc " .. L.quote(dir) .. (out and (" --out " .. L.quote(out)) or ""))
end

T:section("the demo set to stdout: both groups, their points, the method in words", function()
  local md, err, code = doc(DEMO)
  T:eq("exit code", 0, code, err)
  T:contains("dept title", md, "# 示例评估 — 指标说明与评分标准（市直单位）\n")
  T:contains("county title", md, "# 示例评估 — 指标说明与评分标准（县(市、区)）\n")
  T:contains("dept tree", md, "- [政务服务](#ind-service) 100 分\n  - [全程网办率](#ind-online) 60 分\n"
    .. "  - [差评](#ind-reviews) 40 分\n")
  T:contains("county tree", md, "  - [全程网办率](#ind-online) 50 分\n  - [差评](#ind-reviews) 50 分\n")
  T:contains("anchor before the heading", md, "<a id=\"ind-online\"></a>\n\n### 全程网办率 `online`\n")
  T:contains("linear in words", md,
    "- **计分方法**：线性计分：≥95% 得满分，≤50% 不得分，其间按线性插值计分\n")
  T:contains("missing policy and min_n", md,
    "- **无数据时**：无数据的不考核此项，分值按比例分配给同级指标；样本量少于 10 的视为无数据\n")
  T:contains("deduct in words", md, "- **计分方法**：扣分：每 1 件扣 5 分，扣完本项分值为止\n")
  T:contains("standard", md, "- **评分标准**：每件差评扣5分，扣完为止\n")
  T:contains("data source", md, "- **数据来源**：好差评系统\n")
  T:contains("metric", md, "- **数据项**：全程网办率（online\\_rate）\n")
  local again = doc(DEMO)
  T:eq("the same bytes on a second run", md, again)
end)

T:section("--out: <group>.md and <group>.html", function()
  local dir = L.tmpdir() .. "/doc"
  local out, err, code = doc(DEMO, dir)
  T:eq("exit code", 0, code, err)
  for _, f in ipairs { "dept.md", "dept.html", "county.md", "county.html" } do
    T:contains("listed " .. f, out, dir .. "/" .. f .. "\n")
    T:ok(L.slurp(dir .. "/" .. f) ~= nil, f .. " written")
  end
  local html = L.slurp(dir .. "/dept.html") or ""
  T:contains("html head", html, "<html lang=\"zh-CN\">")
  T:contains("html anchor", html, "<h3 id=\"ind-online\">全程网办率 <code>online</code></h3>")
  T:contains("html tree link", html, "<li><a href=\"#ind-online\">全程网办率</a> 60 分</li>")
  T:contains("html method", html, "<li><b>计分方法</b>：线性计分：≥95% 得满分，≤50% 不得分，其间按线性插值计分</li>")
  T:eq("markdown file = stdout's dept part", (L.slurp(dir .. "/dept.md") or "x"),
    (doc(DEMO):match("^(.-)# 示例评估 — 指标说明与评分标准（县")))
end)

T:section("the Shanwei set: every indicator has its anchor, every link resolves", function()
  local dir = L.tmpdir() .. "/doc"
  local _, err, code = doc(SHANWEI, dir)
  T:eq("exit code", 0, code, err)
  local check = L.run(L.quote(bin) .. " check " .. L.quote(SHANWEI))
  local nodes = tonumber(check:match("(%d+) indicators"))
  T:ok(nodes and nodes >= 80, "pinggu check counts the indicators", check)
  local anchors = {}
  for _, g in ipairs { "dept", "county" } do
    local html = L.slurp(dir .. "/" .. g .. ".html") or ""
    local ids = {}
    for id in html:gmatch('<h3 id="ind%-([%w_]+)">') do ids[id] = true; anchors[id] = true end
    for id in html:gmatch('href="#ind%-([%w_]+)"') do
      T:ok(ids[id], g .. ".html: link #ind-" .. id .. " resolves")
    end
    local md = L.slurp(dir .. "/" .. g .. ".md") or ""
    for id in md:gmatch("%(#ind%-([%w_]+)%)") do
      T:ok(md:find('<a id="ind-' .. id .. '"></a>', 1, true), g .. ".md: link #ind-" .. id .. " resolves")
    end
    T:ok(not html:find("<script", 1, true), g .. ".html: no script")
  end
  local n = 0
  for _ in pairs(anchors) do n = n + 1 end
  T:eq("every indicator has an anchor in some group", nodes, n)
  local county = L.slurp(dir .. "/county.md") or ""
  T:ok(not county:find("ind-pm_data_timely", 1, true), "a dept-only indicator is not in the county document")
  T:contains("county points", county, "[全程网办办件占比](#ind-mon_full_online) 8 分")
  T:contains("a custom method is named in words", county, "自定义计分，见评分标准")
  T:ok(not county:find("monitoring.lua", 1, true), "… without the server's file path")
  T:contains("steps in words", county, "分档计分：≥98% 得满分；≥95% 得 85%；≥90% 得 70%；≥80% 得 40%；其余不得分")
  T:contains("a penalty in words", county, "减分：每 1 件扣 2.5 分，最多扣 5 分")
  T:contains("the veto in words", county, "单项否决：数据不为 0 时，该方案总分记 0 分")
end)

T:section("errors", function()
  local _, err, code = doc(root .. "/tests/cli/fixtures/nowhere")
  T:eq("missing rule set: exit 1", 1, code)
  T:contains("missing rule set: message", err, "nowhere")
  local _, _, code2 = L.run(L.quote(bin) .. " doc")
  T:eq("no DIR: exit 2", 2, code2)
  local _, err3, code3 = doc(DEMO, "/proc/nope/doc")
  T:eq("unwritable --out: exit 1", 1, code3)
  T:contains("unwritable --out: message", err3, "/proc/nope/doc")
end)

T:done()
