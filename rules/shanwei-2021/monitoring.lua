-- 月度 常态化监测（100 分）—— 方案 monthly 中占 80%。
--
-- 依据：汕府办函〔2021〕257号“排名按数字政府改革建设常态化监测评分×80%+数字政府重点应用
-- 指标评分×20%每月进行排名通报”；监测内容参照国考五项分项指数（在线服务成效度、在线办理
-- 成熟度、服务方式完备度、服务事项覆盖度、办事指南准确度）。139号监测方案原文未公开，
-- 以下维度、分值与阈值均为评估方假设 [A]。
--
-- 结构（市直 dept / 县区 county 分值）：
--   网上办理成熟度         30 / 30   全程网办、即办件、承诺时限压缩、按期办结（县区另有镇村办件）
--                                    均按当月受理的办件计（省办件数据库），不是事项库中的事项占比
--   好差评服务质量         25 / 25   主动评价率、差评数、差评整改
--   电子证照电子印章应用   20 / 20
--   服务渠道与办事指南     25 / 25   粤系列上线、指南准确率、无证明城市、台账报送

-- 证据过少（min_applicable，评估方假设 [A]，与 platforms.lua 同一规则）：办件很少的单位（如
-- 市统计局、市信访局），多数指标无业务或不适用，余下一两项指标（如电子印章用章率、差评数、
-- 两项自报）会被放大 2.5–5.5 倍撑起一个维度乃至整个常态化监测得分。故规定：
--   * 四个维度各自有本单位数据的分值不足一半（放大超过 2 倍）的，该维度本期不计分
--     （below = "not_applicable"），分值按比例分配给其他维度；
--   * 常态化监测整体有本单位数据的分值仍不足一半的，按本组中位数计分（below = "group_median"），
--     不因少数指标放大而得高分或低分。
-- 一半与取中位数均为评估方假设 [A]（REFERENCE §7.2 第 5 条；§5 对无对外服务事项单位另行
-- 折算权重的建议）。
indicator "monitoring" { name = "常态化监测", points = 100,
  min_applicable = 0.5, below = "group_median",      -- [A] 见上
  desc = "月度常态化监测，取当月 25 日 24:00 前数据。有本单位数据的分值不足一半的，"
      .. "按本组中位数计分（评估方假设 [A]）。" }

---------------------------------------------------------------------------
-- 1. 网上办理成熟度（30 分）
---------------------------------------------------------------------------
indicator "mon_handling" { parent = "monitoring", name = "网上办理成熟度",
  points = { dept = 30, county = 30 },
  min_applicable = 0.5, below = "not_applicable" }   -- [A] 不足一半不计分，见本文件开头

indicator "mon_full_online" { parent = "mon_handling", name = "全程网办办件占比",
  points = { dept = 10, county = 8 },
  metric = "full_online_rate", method = linear { lo = 0.5, hi = 0.95 },
  missing = "not_applicable",     -- 当月无受理办件的单位不考核此项
  standard = "当月受理办件中全程网办的比例达到 95% 及以上得满分，50% 及以下不得分，其间按线性插值计分；"
          .. "当月无受理办件的单位不考核此项，分值按比例分配至同级指标（阈值为评估方假设 [A]）。",
  source = "省办件数据库（当月受理的办件是否全程网办），系统统计。" }

indicator "mon_instant" { parent = "mon_handling", name = "即办件占比",
  points = { dept = 6, county = 5 },
  metric = "instant_rate", method = target { target = 0.4 },
  missing = "not_applicable",
  standard = "当月受理办件中即办件的比例达到 40% 得满分，未达到的按 实际值÷40% 计分；"
          .. "当月无受理办件的单位不考核此项（阈值为评估方假设 [A]，参考即办件占事项 30%–50% 的一般水平）。",
  source = "省办件数据库（办件类型字段），系统统计。" }

indicator "mon_time_cut" { parent = "mon_handling", name = "承诺时限压缩率",
  points = { dept = 6, county = 5 },
  metric = "time_cut_rate",
  method = steps { { 0.8, 1 }, { 0.7, 0.9 }, { 0.6, 0.75 }, { 0.5, 0.6 }, { 0.3, 0.3 }, otherwise = 0 },
  missing = "not_applicable",
  standard = "当月受理的承诺件，承诺时限比法定时限平均压缩 80% 及以上得满分；70%–80% 得 90%；60%–70% 得 75%；"
          .. "50%–60% 得 60%；30%–50% 得 30%；低于 30% 不得分；当月无承诺件的单位不考核此项（阈值为评估方假设 [A]）。",
  source = "省办件数据库（承诺件的法定办结时限、承诺办结时限），系统统计。" }

indicator "mon_ontime" { parent = "mon_handling", name = "办件按期办结率",
  points = { dept = 8, county = 6 },
  metric = "ontime_rate", method = linear { lo = 0.9, hi = 1.0 },
  missing = "no_business", min_n = 10,
  standard = "当月办结件全部按期办结得满分，按期办结率 90% 及以下不得分，其间线性计分；"
          .. "当月办结件少于 10 件的视为本期无业务，不考核此项（阈值为评估方假设 [A]）。",
  source = "省办件数据库（受理时间、办结时间、承诺办结时间），系统统计。" }

indicator "mon_town_online" { parent = "mon_handling", name = "镇村办件网上申办率",
  points = { county = 6 },        -- 只考核县(市、区)/管委会
  metric = "town_online_rate", method = linear { lo = 0.5, hi = 0.9 },
  standard = "镇(街)、村(居)两级受理的办件中经网上渠道申请的比例达到 90% 及以上得满分，50% 及以下不得分，"
          .. "其间线性计分（阈值为评估方假设 [A]）。",
  source = "省办件数据库（办理层级、申请渠道字段），系统统计。" }

---------------------------------------------------------------------------
-- 2. 好差评服务质量（25 分）
---------------------------------------------------------------------------
indicator "mon_review" { parent = "monitoring", name = "好差评服务质量",
  points = { dept = 25, county = 25 },
  min_applicable = 0.5, below = "not_applicable" }   -- [A] 不足一半不计分，见本文件开头

indicator "mon_active_rate" { parent = "mon_review", name = "好差评主动评价率",
  points = 8,
  metric = "review_active_rate", method = linear { lo = 0.5, hi = 0.9 },
  missing = "no_business", min_n = 10,
  standard = "主动评价率达到 90% 及以上得满分，50% 及以下不得分，其间线性计分；"
          .. "7 日内未评价、系统默认“基本满意”的不计为主动评价（广东省好差评管理办法）；"
          .. "当月办结件少于 10 件的视为本期无业务，不考核此项（阈值为评估方假设 [A]）。",
  source = "好差评系统，系统统计。" }

indicator "mon_bad_reviews" { parent = "mon_review", name = "差评数",
  points = 8,
  metric = "bad_reviews", method = deduct { per = 1, free = 1 },
  missing = "no_business",
  standard = "当月有效差评 1 件以内不扣分，超过 1 件的每件扣 1 分，扣完本项分值为止；"
          .. "经申诉复核认定为误评、恶意差评的不计（扣分标准为评估方假设 [A]）。",
  source = "好差评系统（不满意、非常不满意评价），系统统计。" }

-- 自定义计分：差评按时整改率与本组中位数比较。
--   整改率 100% 得满分；
--   不低于本组中位数的，在 base（默认 60%）与 100% 之间按 (整改率−中位数)÷(1−中位数) 线性计分；
--   低于本组中位数的，按 base × 整改率÷中位数 计分。
-- group.sorted 是本组有数据单位的数值（升序），与具体单位无关，故本函数是纯函数。
local function rectify_vs_median(v, group, unit, period, params)
  local base = params.base or 0.6
  if v >= 1 then
    return 1, "差评按时整改率 100%"
  end
  local s, n = group.sorted, group.n
  local median
  if n % 2 == 1 then
    median = s[(n + 1) // 2]
  else
    median = (s[n // 2] + s[n // 2 + 1]) / 2
  end
  local share
  if v >= median then
    -- 这里 median ≤ v < 1，分母不为 0
    share = base + (1 - base) * (v - median) / (1 - median)
  elseif median > 0 then
    share = base * v / median
  else
    share = 0
  end
  if share < 0 then share = 0 elseif share > 1 then share = 1 end
  return share, string.format("本组中位数 %.1f%%", median * 100)
end

indicator "mon_rectify" { parent = "mon_review", name = "差评按时整改率",
  points = 9,
  metric = "bad_rectify_rate", method = rectify_vs_median, params = { base = 0.6 },
  missing = "not_applicable",     -- 近三个月无到期差评工单的，不考核此项
  standard = "近三个月到期差评工单均在 15 个工作日内完成回访整改的得满分；未全部按时整改的，"
          .. "达到本组中位数得 60%，中位数以上按（整改率−中位数）÷（1−中位数）在 60%–100% 之间计分，"
          .. "中位数以下按 60%×整改率÷中位数 计分；无到期差评工单的不考核此项"
          .. "（15 个工作日为常见整改时限；计分办法为评估方假设 [A]）。",
  source = "好差评系统差评工单（转办、回访核实、整改、反馈记录），系统统计。" }

---------------------------------------------------------------------------
-- 3. 电子证照电子印章应用（20 分）
---------------------------------------------------------------------------
indicator "mon_support" { parent = "monitoring", name = "电子证照电子印章应用",
  points = { dept = 20, county = 20 },
  min_applicable = 0.5, below = "not_applicable" }   -- [A] 不足一半不计分，见本文件开头

indicator "mon_ecert_use" { parent = "mon_support", name = "电子证照用证率",
  points = 12,
  metric = "ecert_use_rate", method = linear { lo = 0.3, hi = 0.8 },
  missing = "no_business", min_n = 10,
  standard = "可用电子证照事项的办件用证率达到 80% 及以上得满分，30% 及以下不得分，其间线性计分；"
          .. "当月此类办件少于 10 件的视为本期无业务，不考核此项（阈值为评估方假设 [A]）。",
  source = "电子证照库用证日志与省办件数据库关联，系统统计。" }

indicator "mon_eseal" { parent = "mon_support", name = "电子印章用章率",
  points = 8,
  metric = "eseal_rate", method = zscore { base = 0.7, per_sd = 0.15 },
  standard = "按本组用章率标准分计分：得分率 = 70% + 15% × (本单位用章率 − 本组平均) ÷ 本组标准差，"
          .. "限定在 0–100% 之间；全组相同时得 70%（计分参数为评估方假设 [A]）。",
  source = "统一电子印章系统用章日志，系统统计。" }

---------------------------------------------------------------------------
-- 4. 服务渠道与办事指南（25 分）
---------------------------------------------------------------------------
indicator "mon_channel" { parent = "monitoring", name = "服务渠道与办事指南",
  points = { dept = 25, county = 25 },
  min_applicable = 0.5, below = "not_applicable" }   -- [A] 不足一半不计分，见本文件开头

indicator "mon_yue_listing" { parent = "mon_channel", name = "高频事项“粤省事”“粤商通”上线率",
  points = 8,
  metric = "yue_listing_rate", method = best_ratio {},
  missing = "not_applicable",
  standard = "以本组上线率最高的单位为满分，其他单位按 本单位上线率÷本组最高上线率 计分；"
          .. "无高频事项的单位不考核此项（计分办法为评估方假设 [A]）。",
  source = "粤省事、粤商通服务目录（高频事项服务的上线状态），系统统计。" }

indicator "mon_guide" { parent = "mon_channel", name = "办事指南准确率",
  points = 7,
  metric = "guide_accuracy",
  method = steps { { 0.98, 1 }, { 0.95, 0.85 }, { 0.9, 0.7 }, { 0.8, 0.4 }, otherwise = 0 },
  missing = "not_applicable",
  standard = "抽查办事指南准确率 98% 及以上得满分；95%–98% 得 85%；90%–95% 得 70%；80%–90% 得 40%；"
          .. "低于 80% 不得分；无依申请事项的单位不考核此项（阈值为评估方假设 [A]）。",
  source = "评估方网上抓取与人工抽查广东政务服务网办事指南。" }

indicator "mon_zero_proof" { parent = "mon_channel", name = "证明事项免提交比例",
  points = 5,
  metric = "zero_proof_rate", method = linear { lo = 0.5, hi = 0.9 },
  missing = "carry_forward",      -- 按季度自报，未报月份沿用最近一期（最多 3 期）
  standard = "“无证明城市”改革中证明材料免提交比例达到 90% 及以上得满分，50% 及以下不得分，其间线性计分；"
          .. "按季度自报，当月未报的沿用最近 3 期内的自报值，3 期内均无自报的不得分（阈值为评估方假设 [A]）。",
  source = "单位自报材料（季度报送），评估方抽查核实。" }

indicator "mon_report" { parent = "mon_channel", name = "月度工作台账报送",
  points = 5,
  metric = "monthly_report", method = flag {},
  missing = "not_submitted",
  standard = "当月 25 日前按要求报送工作台账及自查整改情况的得满分，未报送的不得分并注明“未报送数据”"
          .. "（评估方假设 [A]）。",
  source = "市政务服务数据管理局收文登记（单位自报）。" }
