-- 年终 数字政府重大应用平台（20 分）—— 方案 year_end 的组成部分。
--
-- 依据：257号通知“重点从各地各单位参与‘民情地图’‘善美店小二’等本地数字政府改革建设重大
-- 应用平台的深度、质量、成效等方面进行评估”，“所有单位无论是否参与相关工作，均纳入考核范畴”。
-- 因此本部分不使用 not_applicable / no_business：未参与、无数据一律按 0 分计（规则集默认 "zero"）。
-- 三级指标、分值与阈值为评估方假设 [A]（REFERENCE §4.3）。
--
--                                dept  county
--   参与深度                       8      6
--     共享数据类数（市直）          3      —
--     归集数据类数（县区）          —      2
--     民情地图账号活跃率            3      2
--     善美店小二专员及事项登记      2      2
--   参与质量                       6      8
--     年度事件按期处置率            6      4
--     网格员配备到位率              —      4
--   参与成效                       6      6
--     平台服务满意率                3      3
--     重复投诉件数                  3      3
--
-- 注：同一数据项 mq_data_classes 对两组适用不同目标值（市直 4 类、县区 12 类），而计分方法参数
-- 不能按组设置，故拆成两个只考核一组的指标。

indicator "platform_ye" { name = "重大应用平台（年终）", points = 20,
  desc = "民情地图、善美店小二参与深度、质量、成效；所有单位均纳入考核，无数据按 0 分计。" }

---------------------------------------------------------------------------
-- 1. 参与深度
---------------------------------------------------------------------------
indicator "py_depth" { parent = "platform_ye", name = "参与深度",
  points = { dept = 8, county = 6 } }

indicator "py_data_dept" { parent = "py_depth", name = "民情地图共享数据类数（市直）",
  points = { dept = 3 },
  metric = "mq_data_classes", method = target { target = 4 },
  standard = "向民情地图共享并持续更新的数据类达到 4 类得满分，不足的按 实际类数÷4 计分；"
          .. "未共享数据的不得分（阈值为评估方假设 [A]）。",
  source = "民情地图平台数据归集台账。" }

indicator "py_data_county" { parent = "py_depth", name = "民情地图归集数据类数（县区）",
  points = { county = 2 },
  metric = "mq_data_classes", method = target { target = 12 },
  standard = "辖区向民情地图归集并持续更新的数据类（“一标三实”及业务数据）达到 12 类得满分，"
          .. "不足的按 实际类数÷12 计分（阈值为评估方假设 [A]）。",
  source = "民情地图平台数据归集台账。" }

indicator "py_accounts" { parent = "py_depth", name = "民情地图账号活跃率",
  points = { dept = 3, county = 2 },
  metric = "mq_account_active", method = linear { lo = 0.5, hi = 0.95 },
  standard = "年终采样期账号周活跃率达到 95% 及以上得满分，50% 及以下不得分，其间线性计分；"
          .. "未开通账号的不得分（阈值为评估方假设 [A]）。",
  source = "民情地图平台账号登录记录，系统统计。" }

indicator "py_smdx_reg" { parent = "py_depth", name = "善美店小二服务专员及事项登记",
  points = { dept = 2, county = 2 },
  metric = "sm_registered", method = flag {},
  standard = "已在善美店小二平台登记服务专员并上架涉企服务事项的得满分，否则不得分（评估方假设 [A]）。",
  source = "善美店小二平台，系统统计。" }

---------------------------------------------------------------------------
-- 2. 参与质量
---------------------------------------------------------------------------
indicator "py_quality" { parent = "platform_ye", name = "参与质量",
  points = { dept = 6, county = 8 } }

indicator "py_ontime" { parent = "py_quality", name = "民情地图事件按期处置率（全年）",
  points = { dept = 6, county = 4 },
  metric = "mq_ontime_rate", method = linear { lo = 0.8, hi = 1.0 },
  standard = "全年到期事件全部按期处置得满分，按期处置率 80% 及以下不得分，其间线性计分；"
          .. "全年无流转事件（未参与）的不得分（阈值为评估方假设 [A]）。",
  source = "民情地图平台事件流转记录，全年统计。" }

indicator "py_grid" { parent = "py_quality", name = "网格员配备到位率",
  points = { county = 4 },
  metric = "grid_staffing_rate", method = linear { lo = 0.8, hi = 1.0 },
  standard = "辖区小网格全部配备网格员得满分，配备率 80% 及以下不得分，其间线性计分（阈值为评估方假设 [A]）。",
  source = "民情地图平台网格管理模块，年终采样。" }

---------------------------------------------------------------------------
-- 3. 参与成效
---------------------------------------------------------------------------
indicator "py_effect" { parent = "platform_ye", name = "参与成效",
  points = { dept = 6, county = 6 } }

indicator "py_satisfaction" { parent = "py_effect", name = "平台服务满意率",
  points = 3,
  metric = "platform_satisfaction", method = linear { lo = 0.85, hi = 1.0 },
  standard = "全年民情地图事件反馈与善美店小二诉求评价满意率 100% 得满分，85% 及以下不得分，其间线性计分；"
          .. "无评价（未参与）的不得分（阈值为评估方假设 [A]）。",
  source = "民情地图平台、善美店小二平台评价记录，全年统计。" }

indicator "py_repeat" { parent = "py_effect", name = "重复投诉件数",
  points = 3,
  metric = "repeat_complaints", method = deduct { per = 1, free = 1 },
  standard = "全年经核实的重复投诉 1 件以内不扣分，超过 1 件的每件扣 1 分，扣完本项分值为止；"
          .. "未参与平台（无数据）的本项不得分（扣分标准为评估方假设 [A]）。",
  source = "民情地图平台、善美店小二平台投诉记录，评估方核实。" }
