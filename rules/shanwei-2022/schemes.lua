-- 计分方案：2022 年只调整月度排名的权重，年终考核与年度综合评分沿用 2021 年（../shanwei-2021/schemes.lua）。
--
-- 依据：257号通知“排名按数字政府改革建设常态化监测评分×80%+数字政府重点应用指标评分×20%”；
-- 2022 年调整为 70% + 30%（评估方假设 [A]）。重新声明 monthly 即整体替换 2021 年的 monthly。

scheme "monthly" { name = "月度常态化监测排名", period = "month", max = 100,
  number = "汕数评〔{year}〕{month}号",
  parts = {
    { id = "monitoring", weight = 0.7 },
    { id = "platforms",  weight = 0.3 },
  } }
