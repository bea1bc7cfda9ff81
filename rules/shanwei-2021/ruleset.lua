-- 汕尾市数字政府改革建设第三方常态化评估 —— 2021 年规则集（参考规则集）
--
-- 依据：汕府办函〔2021〕257号《关于开展汕尾市数字政府改革建设第三方常态化评估工作的通知》
--       及其附件《汕尾市数字政府改革建设第三方常态化评估工作方案》。
-- 通知附件 1–4（年终考核指标表、市直单位名单）未公开，本规则集中的具体指标、分值和阈值
-- 均为评估方按通知所列维度拟定的假设；凡阈值非出自公开文件的，评分标准末尾注明
-- “（阈值为评估方假设 [A]）”。
--
-- 文件一览（本文件最后按顺序 require 其余文件；声明顺序即展示顺序）：
--   units.csv        评估对象（市直单位 dept、县(市、区)/管委会 county）。通知附件 4 的市直单位名单
--                    未公开：市直单位名单是评估方按广东地级市通行机构设置拟定的假设 [A]
--                    （REFERENCE §5，标 (?) 的名称最不确定），正式使用前须以附件 4 核对；县区
--                    及管委会出自通知正文 [F]，三个管委会无 GB/T 2260 代码，所用代码为假设 [A]。
--                    （CSV 文件不能写注释，故在此注明。）
--   calendar.lua     工作日历（法定节假日与调休）
--   sources.lua      原始数据源（办件、好差评、用证、用章、粤系列、民情地图、善美店小二）
--   metrics.lua      指标读取的全部数据项（metric）：系统统计由原始记录计算，其余填报
--   monitoring.lua   月度 常态化监测（100 分）
--   platforms.lua    月度 数字政府重大应用平台（民情地图、善美店小二，100 分）
--   basic.lua        年终 数字政府基础能力（80 分）
--   platform_ye.lua  年终 数字政府重大应用平台（20 分）
--   bonus.lua        年终 加减分（+5 / −10，含单项否决）
--   schemes.lua      计分方案：monthly（月度排名）、year_end（年终考核）、annual（年度综合评分）
--
-- 给规则作者的提示：
--   * 每一条 `indicator "id" { ... }` 是指标树上的一个节点；`parent` 指向上级节点。
--   * 同一节点的下级指标分值之和必须等于该节点分值（按 dept / county 分别核对），
--     `pinggu check rules/shanwei-2021` 会逐组检查。
--   * `points = { dept = 6, county = 4 }` 表示两类单位分值不同；只写一个组
--     （如 `points = { county = 6 }`）表示该指标只考核该组单位。

ruleset {
  id = "shanwei-2021",
  name = "汕尾市数字政府改革建设第三方常态化评估（2021年）",
  year = 2021,
  timezone = "Asia/Shanghai",
  -- 通报的发文机关：通知要求各地各部门把联系人报市政务服务数据管理局，评估工作由其组织；
  -- 以其名义通报为评估方假设 [A]。各计分方案的文号模板见 schemes.lua 的 number。
  issuer = "汕尾市政务服务数据管理局",
  rounding = 2,                -- 总分保留两位小数，排名按保留后的总分（假设 [A]，REFERENCE §7.2 第 3 条）
  ranking = "competition",     -- 并列占位：1、2、2、4（假设 [A]，REFERENCE §7.2 第 3 条）
  -- 总分相同时依次比较下列节点得分（保留两位小数后），高者在前：
  -- 月度排名先比常态化监测得分；年终考核先比数字政府基础能力得分。
  -- 方案中不存在的节点（如月度方案中的 basic）视为相等、跳过。
  -- 通知未规定同分如何排序，此顺序为评估方假设 [A]（按分值最大的部分优先）；
  -- 仍相同的并列同一名次，不按单位名称排序（REFERENCE §7.2 第 3 条）。
  tie_breakers = { "monitoring", "basic", "platforms", "platform_ye" },
  -- 等次：通知未设等次，分数线为评估方假设 [A]，参照地方百分制通行做法（REFERENCE §1.4）
  bands = {
    { "优秀", 90 },
    { "良好", 80 },
    { "合格", 60 },
    { "不合格", 0 },
  },
  missing = "zero",            -- 默认：无数据按 0 分计；个别指标另行规定（假设 [A]）
  carry_limit = 3,             -- 沿用上期数据最多向前追溯 3 期（假设 [A]）
  budget = { instructions = 1e6, memory_mb = 32 },
}

group "dept"   { name = "市直单位" }
group "county" { name = "县(市、区)及管委会" }

require "calendar"
require "sources"
require "metrics"
require "monitoring"
require "platforms"
require "basic"
require "platform_ye"
require "bonus"
require "schemes"
