-- 计分方案（scheme）：把各部分（part）组合成总分、排名和等次。
--
-- 依据：257号通知
--   * 月度排名 = 常态化监测评分 × 80% + 数字政府重点应用指标评分 × 20%；
--   * 年终考核 = 数字政府基础能力（80 分）+ 重大应用平台（20 分）+ 加减分；
--   * 年度综合评分 = 第二季度以来平均常态化监测结果 × 40% + 年终考核结果 × 60%。
-- “第二季度以来”取 4 月至 12 月各月月度总分（含重大应用平台部分）的平均值：这是评估方对
-- 原文的理解，为假设 [A]（REFERENCE §7.2 第 2 条）；原文亦可理解为只平均常态化监测部分的得分。
-- 各方案总分限定在 [0, 100]（假设 [A]，REFERENCE §7.2 第 6 条：加减分后总分不超过 100、不低于 0）。
-- 某部分对某单位全部不适用时，其余部分权重按比例放大（假设 [A]，REFERENCE §7.2 第 4 条）。

-- 文号（number）：通报的发文字号模板，{year} 为年份、{month} 为月份；字号“汕数评”为评估方
-- 假设 [A]（通知未规定通报文号），正式使用前按发文机关的发文字号改写。
scheme "monthly" { name = "月度常态化监测排名", period = "month", max = 100,
  number = "汕数评〔{year}〕{month}号",
  parts = {
    { id = "monitoring", weight = 0.8 },
    { id = "platforms",  weight = 0.2 },
  } }

scheme "year_end" { name = "年终考核", period = "year", max = 100,
  number = "汕数评〔{year}〕13号",
  parts = {
    { id = "basic" },          -- 80 分
    { id = "platform_ye" },    -- 20 分
    { id = "bonus" },          -- +5 / −10，含单项否决
  } }

scheme "annual" { name = "年度综合评分", period = "year", max = 100,
  number = "汕数评〔{year}〕14号",
  parts = {
    { id = "monthly_avg", name = "常态化监测（4–12月平均）", scheme = "monthly",
      months = { 4, 12 }, weight = 0.4 },
    { id = "year_end", name = "年终考核", scheme = "year_end", weight = 0.6 },
  } }
