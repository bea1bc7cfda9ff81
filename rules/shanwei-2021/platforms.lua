-- 月度 数字政府重大应用平台（100 分）—— 方案 monthly 中占 20%。
--
-- 依据：257号通知在常态化监测通报基础上“增加对各地各单位数字政府重大应用平台指标
-- （民情地图、善美店小二等）的常态化通报”。平台月度指标原文未公开，以下按参与深度、
-- 质量、成效拟定（REFERENCE §4.3），分值与阈值均为评估方假设 [A]。
--
-- 县区拥有网格和联勤指挥中心，民情地图分值更高（60 分）并考核网格巡查；
-- 市直单位主要向民情地图共享数据、处置流转事件，民情地图 50 分、善美店小二 50 分。
--
--                          dept  county
--   民情地图                50     60
--     事件按期处置率        20     20
--     事件结案率            10     10
--     平均响应时长          10     10
--     网格巡查走访完成率     —     20
--     共享数据更新及时率    10      —
--   善美店小二              50     40
--     诉求 60 分钟响应率    15     15
--     诉求 7 日办结率       20     15
--     企业满意率            15     10

-- 证据过少（min_applicable，评估方假设 [A]）：无业务、不适用的指标不计分后，其余指标按比例
-- 放大；若只剩少数指标，一项指标就会撑起整个平台得分（如无民情地图事件、无店小二诉求的市直
-- 单位，只凭“共享数据更新及时率”10 分放大 10 倍得 100 分或 0 分，issue 14 §6）。故规定：
--   * 民情地图、善美店小二各自有本单位数据的分值不足一半（放大超过 2 倍）的，该平台本期不计分
--     （below = "not_applicable"），分值按比例分配给另一平台；
--   * 整个平台部分有本单位数据的分值仍不足一半的，按本组（市直单位或县区）中位数计分
--     （below = "group_median"）：既不因一项指标放大而得高分，也不因此得低分，平台部分 20%
--     的权重对各单位照常计入月度总分。
-- 一半（不放大超过 2 倍）与取中位数均为评估方假设 [A]，参照 REFERENCE §7.2 第 5 条“样本过少时
-- 取本组中位数或不适用”。
indicator "platforms" { name = "重大应用平台（月度）", points = 100,
  min_applicable = 0.5, below = "group_median",      -- [A] 见上
  desc = "民情地图、善美店小二月度运行情况。当月无流转事件或企业诉求的，相应指标列为本期无业务；"
      .. "有本单位数据的分值不足一半的，按本组中位数计分（评估方假设 [A]）。" }

---------------------------------------------------------------------------
-- 1. 民情地图
---------------------------------------------------------------------------
indicator "plat_mqdt" { parent = "platforms", name = "民情地图",
  points = { dept = 50, county = 60 },
  min_applicable = 0.5, below = "not_applicable" }   -- [A] 不足一半不计分，见本文件开头

indicator "pm_ontime" { parent = "plat_mqdt", name = "民情地图事件按期处置率",
  points = { dept = 20, county = 20 },
  metric = "mq_ontime_rate", method = linear { lo = 0.8, hi = 1.0 },
  missing = "no_business",
  standard = "到期事件全部按期处置得满分，按期处置率 80% 及以下不得分，其间线性计分；"
          .. "当月无到期事件的列为本期无业务单位（阈值为评估方假设 [A]，参考镇街按期处置率 95%–100% 的实际水平）。",
  source = "民情地图平台事件流转记录，系统统计。" }

indicator "pm_close" { parent = "plat_mqdt", name = "民情地图事件结案率",
  points = { dept = 10, county = 10 },
  metric = "mq_close_rate", method = target { target = 0.95 },
  missing = "no_business",
  standard = "当月受理事件结案率达到 95% 得满分，未达到的按 实际结案率÷95% 计分；"
          .. "当月无受理事件的列为本期无业务单位（阈值为评估方假设 [A]）。",
  source = "民情地图平台事件流转记录，系统统计。" }

indicator "pm_response" { parent = "plat_mqdt", name = "民情地图事件平均响应时长",
  points = { dept = 10, county = 10 },
  metric = "mq_response_hours", method = linear { lo = 2, hi = 24, better = "lower" },
  missing = "no_business",
  standard = "派单至签收平均时长 2 小时以内得满分，24 小时及以上不得分，其间线性计分；"
          .. "当月无派单事件的列为本期无业务单位（阈值为评估方假设 [A]）。",
  source = "民情地图平台事件流转记录（派单时间、签收时间），系统统计。" }

indicator "pm_patrol" { parent = "plat_mqdt", name = "网格巡查走访完成率",
  points = { county = 20 },       -- 只考核县(市、区)/管委会
  metric = "mq_patrol_rate", method = linear { lo = 0.7, hi = 1.0 },
  standard = "网格员巡查走访完成计划 100% 得满分，70% 及以下不得分，其间线性计分"
          .. "（阈值为评估方假设 [A]）。",
  source = "民情地图平台网格员 App 巡查走访记录，系统统计。" }

indicator "pm_data_timely" { parent = "plat_mqdt", name = "民情地图共享数据更新及时率",
  points = { dept = 10 },         -- 只考核市直单位
  metric = "mq_data_timely",
  method = steps { { 1.0, 1 }, { 0.9, 0.8 }, { 0.8, 0.6 }, { 0.6, 0.3 }, otherwise = 0 },
  standard = "共享数据类全部按期更新得满分；90% 及以上得 80%；80% 及以上得 60%；60% 及以上得 30%；"
          .. "低于 60% 或未共享数据的不得分（阈值为评估方假设 [A]）。",
  source = "民情地图平台数据归集台账，系统统计。" }

---------------------------------------------------------------------------
-- 2. 善美店小二
---------------------------------------------------------------------------
indicator "plat_smdx" { parent = "platforms", name = "善美店小二",
  points = { dept = 50, county = 40 },
  min_applicable = 0.5, below = "not_applicable" }   -- [A] 不足一半不计分，见本文件开头

indicator "ps_response" { parent = "plat_smdx", name = "善美店小二诉求 60 分钟响应率",
  points = { dept = 15, county = 15 },
  metric = "sm_response_rate", method = linear { lo = 0.8, hi = 1.0 },
  missing = "no_business",
  standard = "企业诉求 60 分钟内响应率 100% 得满分，80% 及以下不得分，其间线性计分；"
          .. "当月无企业诉求的列为本期无业务单位（60 分钟响应参照江门市中小微企业诉求响应平台做法；"
          .. "阈值为评估方假设 [A]）。",
  source = "善美店小二平台诉求记录，系统统计。" }

indicator "ps_close" { parent = "plat_smdx", name = "善美店小二诉求 7 日办结率",
  points = { dept = 20, county = 15 },
  metric = "sm_close_rate",
  method = steps { { 0.98, 1 }, { 0.95, 0.9 }, { 0.9, 0.75 }, { 0.8, 0.5 }, otherwise = 0.2 },
  missing = "no_business",
  standard = "到期诉求 7 日内办结率 98% 及以上得满分；95%–98% 得 90%；90%–95% 得 75%；80%–90% 得 50%；"
          .. "低于 80% 得 20%；当月无到期诉求的列为本期无业务单位（阈值为评估方假设 [A]）。",
  source = "善美店小二平台诉求记录，系统统计。" }

indicator "ps_satisfaction" { parent = "plat_smdx", name = "善美店小二企业满意率",
  points = { dept = 15, county = 10 },
  metric = "sm_satisfaction", method = linear { lo = 0.85, hi = 1.0 },
  missing = "no_business",
  standard = "企业满意率 100% 得满分，85% 及以下不得分，其间线性计分；当月无企业评价的列为本期无业务单位"
          .. "（阈值为评估方假设 [A]）。",
  source = "善美店小二平台企业评价，系统统计。" }
