-- 年终 数字政府基础能力（80 分）—— 方案 year_end 的组成部分。
--
-- 依据：257号通知《指标评估要点》：
--   1. 数字化支撑能力（支撑体系）：数据支撑，电子证照、电子印章支撑，应用支撑；
--   2. 数字化服务能力（服务供给）：服务事项管理、数据同源、服务供给方式；
--   3. 数字化服务成效（服务成效）：用户使用度、服务效能提升。
-- 三个维度和九个二级指标出自通知；三级指标、分值与阈值为评估方假设 [A]（附件 2、3 未公开）。
-- 年终数据取 2021 年 10 月 10 日至 12 月 31 日采样（周期 "2021"），全年累计类数据取全年。
--
--                              dept  county
--   数字化支撑能力               25     25
--     数据支撑                    8      8
--     电子证照                    6      6
--     电子印章                    5      5
--     应用支撑                    6      6
--   数字化服务能力               30     30
--     服务事项管理               12     12   （县区含镇村事项标准化）
--     数据同源                    8      8
--     服务供给方式               10     10
--   数字化服务成效               25     25
--     用户使用度                 12     12
--     服务效能提升               13     13

indicator "basic" { name = "数字政府基础能力", points = 80,
  desc = "年终考核，数字化支撑能力、数字化服务能力、数字化服务成效三个维度。" }

---------------------------------------------------------------------------
-- 1. 数字化支撑能力（25 分）
---------------------------------------------------------------------------
indicator "b_support" { parent = "basic", name = "数字化支撑能力", points = 25 }

-- 1.1 数据支撑（8 分）
indicator "b_data" { parent = "b_support", name = "数据支撑", points = 8 }

indicator "bd_catalog" { parent = "b_data", name = "政务数据资源目录挂接率",
  points = 4,
  metric = "data_catalog_rate", method = minmax {},
  standard = "按本组挂接率极差计分：得分率 = (本单位挂接率 − 本组最低) ÷ (本组最高 − 本组最低)，"
          .. "全组相同时得满分；未编目的按 0 分计（计分办法为评估方假设 [A]）。",
  source = "省大数据中心政务数据资源目录系统，系统统计。" }

indicator "bd_share" { parent = "b_data", name = "数据共享需求响应及时率",
  points = 4,
  metric = "share_response_rate", method = linear { lo = 0.8, hi = 1.0 },
  missing = "not_applicable",     -- 全年未收到共享申请的不考核
  standard = "数据共享申请在 5 个工作日内答复的比例 100% 得满分，80% 及以下不得分，其间线性计分；"
          .. "全年未收到共享申请的不考核此项（阈值为评估方假设 [A]）。",
  source = "省大数据中心数据共享平台申请记录，系统统计。" }

-- 1.2 电子证照（6 分）
indicator "b_ecert" { parent = "b_support", name = "电子证照", points = 6 }

indicator "be_issue" { parent = "b_ecert", name = "电子证照签发率",
  points = 3,
  metric = "ecert_issue_rate", method = target { target = 0.95 },
  missing = "not_applicable",     -- 不颁发证照的单位不考核
  standard = "已实现电子证照同步签发的证照种类达到 95% 得满分，未达到的按 实际值÷95% 计分；"
          .. "不颁发证照的单位不考核此项（阈值为评估方假设 [A]）。",
  source = "电子证照库，系统统计。" }

indicator "be_use" { parent = "b_ecert", name = "电子证照用证率（全年）",
  points = 3,
  metric = "ecert_use_rate", method = linear { lo = 0.3, hi = 0.8 },
  missing = "not_applicable",
  standard = "全年可用电子证照事项办件用证率达到 80% 及以上得满分，30% 及以下不得分，其间线性计分；"
          .. "全年无此类办件的不考核此项（阈值为评估方假设 [A]）。",
  source = "电子证照库用证日志与省办件数据库关联，系统统计。" }

-- 1.3 电子印章（5 分）
indicator "b_eseal" { parent = "b_support", name = "电子印章", points = 5 }

indicator "bs_issued" { parent = "b_eseal", name = "统一电子印章制发",
  points = 2,
  metric = "eseal_issued", method = flag {},
  standard = "已申领并启用省统一电子印章的得满分，未启用的不得分（评估方假设 [A]）。",
  source = "统一电子印章系统，系统统计。" }

indicator "bs_uses" { parent = "b_eseal", name = "电子印章年度用章量",
  points = 3,
  metric = "eseal_uses",
  method = steps { { 10000, 1 }, { 2000, 0.8 }, { 500, 0.6 }, { 1, 0.3 }, otherwise = 0 },
  standard = "全年用章 10000 次及以上得满分；2000 次及以上得 80%；500 次及以上得 60%；"
          .. "有用章记录的得 30%；无用章记录不得分（阈值为评估方假设 [A]）。",
  source = "统一电子印章系统用章日志，系统统计。" }

-- 1.4 应用支撑（6 分）
indicator "b_app" { parent = "b_support", name = "应用支撑", points = 6 }

indicator "ba_auth" { parent = "b_app", name = "统一身份认证接入率",
  points = 3,
  metric = "auth_access_rate", method = linear { lo = 0.5, hi = 1.0 },
  missing = "not_applicable",     -- 无面向公众业务系统的单位不考核
  standard = "面向公众的业务系统全部接入省统一身份认证得满分，接入率 50% 及以下不得分，其间线性计分；"
          .. "无面向公众业务系统的单位不考核此项（阈值为评估方假设 [A]）。",
  source = "省统一身份认证平台接入清单与单位系统清单比对。" }

indicator "ba_yzy" { parent = "b_app", name = "粤政易活跃率",
  points = 3,
  metric = "yzy_active_rate", method = target { target = 0.9 },
  standard = "年终采样期粤政易周活跃率达到 90% 得满分，未达到的按 实际值÷90% 计分（阈值为评估方假设 [A]）。",
  source = "粤政易管理后台，系统统计。" }

---------------------------------------------------------------------------
-- 2. 数字化服务能力（30 分）
---------------------------------------------------------------------------
indicator "b_service" { parent = "basic", name = "数字化服务能力", points = 30 }

-- 2.1 服务事项管理（12 分）
indicator "b_items" { parent = "b_service", name = "服务事项管理", points = 12 }

indicator "bi_consistency" { parent = "b_items", name = "事项要素一致率",
  points = { dept = 4, county = 3 },
  metric = "item_consistency",
  method = steps { { 1.0, 1 }, { 0.98, 0.9 }, { 0.95, 0.7 }, { 0.9, 0.4 }, otherwise = 0 },
  missing = "not_applicable",
  standard = "实施清单要素与省事项目录全部一致得满分；98% 及以上得 90%；95% 及以上得 70%；"
          .. "90% 及以上得 40%；低于 90% 不得分；无依申请事项的单位不考核此项（阈值为评估方假设 [A]）。",
  source = "广东政务服务平台事项库，系统比对。" }

indicator "bi_guide" { parent = "b_items", name = "办事指南准确率（年终抽查）",
  points = { dept = 4, county = 3 },
  metric = "guide_accuracy", method = linear { lo = 0.85, hi = 1.0 },
  missing = "not_applicable",
  standard = "年终抽查办事指南全部准确得满分，准确率 85% 及以下不得分，其间线性计分；"
          .. "无依申请事项的单位不考核此项（阈值为评估方假设 [A]）。",
  source = "评估方年终集中抽查广东政务服务网办事指南。" }

indicator "bi_update" { parent = "b_items", name = "事项动态调整及时率",
  points = { dept = 4, county = 3 },
  metric = "item_update_timely", method = target { target = 0.95 },
  missing = "not_applicable",     -- 全年无需调整事项的不考核
  standard = "需调整事项在 20 个工作日内完成调整的比例达到 95% 得满分，未达到的按 实际值÷95% 计分；"
          .. "全年无需调整事项的不考核此项（阈值为评估方假设 [A]）。",
  source = "广东政务服务平台事项库变更记录，系统统计。" }

indicator "bi_town_std" { parent = "b_items", name = "镇村事项标准化率",
  points = { county = 3 },        -- 只考核县(市、区)/管委会
  metric = "town_item_std_rate", method = linear { lo = 0.6, hi = 1.0 },
  standard = "镇(街)、村(居)事项按市级“二次统筹”规范全部完成标准化得满分，60% 及以下不得分，其间线性计分"
          .. "（“市级定规范、县级抓实施”；阈值为评估方假设 [A]）。",
  source = "广东政务服务平台事项库（镇村两级），系统统计。" }

-- 2.2 数据同源（8 分）
indicator "b_same" { parent = "b_service", name = "数据同源", points = 8 }

indicator "bss_same" { parent = "b_same", name = "事项数据同源率",
  points = 5,
  metric = "same_source_rate", method = linear { lo = 0.8, hi = 1.0 },
  missing = "not_applicable",
  standard = "抽查事项各渠道指南要素与事项库全部一致得满分，一致率 80% 及以下不得分，其间线性计分；"
          .. "无依申请事项的单位不考核此项（阈值为评估方假设 [A]）。",
  source = "评估方抓取广东政务服务网、粤省事、粤商通、自助终端指南与事项库比对。" }

indicator "bss_sync" { parent = "b_same", name = "办件数据实时汇聚率",
  points = 3,
  metric = "case_sync_rate", method = linear { lo = 0.9, hi = 1.0 },
  missing = "not_applicable",
  standard = "办件受理、办结信息 1 个工作日内汇聚至省办件数据库的比例 100% 得满分，90% 及以下不得分，"
          .. "其间线性计分；全年无办件的不考核此项（阈值为评估方假设 [A]）。",
  source = "省办件数据库（同步时间与受理、办结时间比对），系统统计。" }

-- 2.3 服务供给方式（10 分）
indicator "b_channels" { parent = "b_service", name = "服务供给方式", points = 10 }

indicator "bc_full_online" { parent = "b_channels", name = "全程网办办件占比（年终）",
  points = 5,
  metric = "full_online_rate", method = linear { lo = 0.5, hi = 0.95 },
  missing = "not_applicable",
  standard = "年终采样期受理办件中全程网办的比例达到 95% 及以上得满分，50% 及以下不得分，其间线性计分；"
          .. "采样期无受理办件的单位不考核此项（阈值为评估方假设 [A]）。",
  source = "省办件数据库，年终采样期（10 月 10 日至 12 月 31 日）受理的办件，系统统计。" }

indicator "bc_mobile" { parent = "b_channels", name = "移动端可办事项占比",
  points = 5,
  metric = "mobile_rate", method = linear { lo = 0.3, hi = 0.8 },
  missing = "not_applicable",
  standard = "可在粤省事、粤商通等移动端全程办理的事项占比达到 80% 及以上得满分，30% 及以下不得分，"
          .. "其间线性计分；无依申请事项的单位不考核此项（阈值为评估方假设 [A]）。",
  source = "粤省事、粤商通服务目录与广东政务服务平台事项库比对。" }

---------------------------------------------------------------------------
-- 3. 数字化服务成效（25 分）
---------------------------------------------------------------------------
indicator "b_effect" { parent = "basic", name = "数字化服务成效", points = 25 }

-- 3.1 用户使用度（12 分）
indicator "b_usage" { parent = "b_effect", name = "用户使用度", points = 12 }

indicator "bu_online_apply" { parent = "b_usage", name = "网上申办率",
  points = 5,
  metric = "online_apply_rate", method = linear { lo = 0.4, hi = 0.9 },
  missing = "not_applicable",
  standard = "全年网上申办率达到 90% 及以上得满分，40% 及以下不得分，其间线性计分；"
          .. "全年无办件的不考核此项（阈值为评估方假设 [A]）。",
  source = "省办件数据库（申请渠道字段），系统统计。" }

indicator "bu_visits" { parent = "b_usage", name = "粤省事、粤商通服务访问量",
  points = 3,
  metric = "yue_visits",
  method = rank { shares = { 1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7 }, rest = 0.65 },
  missing = "not_applicable",     -- 未在粤省事、粤商通上线服务的不考核
  standard = "按本组访问量排名计分：第 1 名得满分，第 2–7 名依次得 95%、90%、85%、80%、75%、70%，"
          .. "第 8 名及以后得 65%；并列按同一名次计；未上线服务的不考核此项（计分办法为评估方假设 [A]）。",
  source = "粤省事、粤商通运营后台，系统统计。" }

indicator "bu_satisfaction" { parent = "b_usage", name = "好差评满意率",
  points = 4,
  metric = "satisfaction_rate",
  method = steps { { 0.999, 1 }, { 0.995, 0.9 }, { 0.99, 0.75 }, { 0.98, 0.5 }, otherwise = 0.2 },
  missing = "not_applicable",
  standard = "全年好差评满意率 99.9% 及以上得满分；99.5% 及以上得 90%；99% 及以上得 75%；98% 及以上得 50%；"
          .. "低于 98% 得 20%；全年无评价的不考核此项（广东全省满意率常年在 99.8% 以上；阈值为评估方假设 [A]）。",
  source = "好差评系统，系统统计。" }

-- 3.2 服务效能提升（13 分）
indicator "b_efficiency" { parent = "b_effect", name = "服务效能提升", points = 13 }

indicator "bf_time_cut" { parent = "b_efficiency", name = "承诺时限压缩率（年终）",
  points = 5,
  metric = "time_cut_rate", method = linear { lo = 0.5, hi = 0.8 },
  missing = "not_applicable",
  standard = "年终采样期受理的承诺件，承诺时限比法定时限平均压缩 80% 及以上得满分，50% 及以下不得分，"
          .. "其间线性计分；采样期无承诺件的单位不考核此项（阈值为评估方假设 [A]）。",
  source = "省办件数据库，年终采样期受理的承诺件（法定办结时限、承诺办结时限），系统统计。" }

indicator "bf_zero_visit" { parent = "b_efficiency", name = "零跑动办件占比",
  points = 4,
  metric = "zero_visit_rate", method = linear { lo = 0.7, hi = 0.9 },
  missing = "not_applicable",
  standard = "年终采样期受理办件中到办事现场次数为 0 的比例达到 90% 及以上得满分，70% 及以下不得分，"
          .. "其间线性计分；采样期无受理办件的单位不考核此项（阈值为评估方假设 [A]）。",
  source = "省办件数据库（到办事现场次数字段），年终采样期受理的办件，系统统计。" }

indicator "bf_zero_proof" { parent = "b_efficiency", name = "证明事项免提交比例（年终自报）",
  points = 4,
  metric = "zero_proof_rate", method = linear { lo = 0.5, hi = 0.9 },
  missing = "not_submitted",      -- 必报材料：未报送按 0 分计并注明
  standard = "“无证明城市”改革证明材料免提交比例达到 90% 及以上得满分，50% 及以下不得分，其间线性计分；"
          .. "年终自报材料为必报项，未报送的不得分并注明“未报送数据”（阈值为评估方假设 [A]）。",
  source = "单位年终自报材料，评估方抽查核实。" }
