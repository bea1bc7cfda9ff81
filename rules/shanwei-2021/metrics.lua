-- 数据项（metric）：每个评估对象、每个周期一个数值。
--
-- 周期：月度数据为 "2021-MM"（当月 25 日 24:00 前，即上月 26 日至当月 25 日）；
--       年终数据为 "2021"（年终考核采样期 10 月 10 日至 12 月 31 日，另有说明的除外）。
-- 同一数据项可同时有月度值和年度值（如 full_online_rate），口径相同、时间窗不同：
-- over = { month = "month", year = "year_end" } 给出两个时间窗，月度方案读月度窗、
-- 年终方案读年度窗（按方案的 period）。"year" 为自然年（1 月 1 日至 12 月 31 日 24:00）。
-- unit："share" 为 0–1 的比例（展示为 %），其 n 为分母（事项数、办件数等）；
--       "count" 为件数/次数；"hours" 为小时；"flag" 为 0/1。
-- 说明中的“系统统计”“自报”“抽查”对应通知所列的数据采集渠道。
--
-- 带 from 的数据项由 pinggu 从原始记录计算（数据源见 sources.lua，`pinggu ingest` 导入）：
-- 七个数据源（办件、好差评、用证、用章、粤省事/粤商通、民情地图、善美店小二）能算出的系统统计
-- 均在此计算；其余（事项库、目录系统、粤政易等其他系统的统计，单位自报，评估方抽查与核查）
-- 仍按 CSV 填报（unit,period,metric,value,n）。
--
-- 截止时点（cutoff）：通知规定月度数据取“每月25日截至24:00前的数据”。由后发生的事件
-- （办结、整改、处置、结案、响应、签收）决定结果的数据项，只认截止时点前发生的事件：
-- 表达式中的 cutoff 是该记录所计时间窗的最后时刻（月度为当月 25 日 24:00，年度为 12 月
-- 31 日 24:00），`result_date <= cutoff` 即“截至截止时点已办结”。截止后才发生的视为未发生。
-- 有办理时限的（到期事件）用 due 按时限所在的时间窗计：未到期的不计为超时（民情地图按期处置、
-- 善美店小二响应与办结、差评整改）。时间窗与截止时点的确切含义见 docs/data.md。

---------------------------------------------------------------------------
-- 一、月度常态化监测
---------------------------------------------------------------------------

metric "full_online_rate" { name = "全程网办办件占比", unit = "share",
  from = "cases", kind = "share", condition = "fully_online",
  desc = "当月受理办件中全程网办（网上申请、零到场、结果电子送达或邮寄）的件数 ÷ 受理件数；n 为受理件数。"
      .. "来源：省办件数据库（系统统计）。按办件计，事项库中的网办深度不在七个数据源内。"
      .. "年度值为年终采样期（10 月 10 日至 12 月 31 日）受理的办件。",
  over = { month = "month", year = "year_end" } }

metric "instant_rate" { name = "即办件占比", unit = "share",
  from = "cases", kind = "share", condition = "project_type == '即办件'",
  desc = "当月受理办件中即办件的件数 ÷ 受理件数；n 为受理件数。来源：省办件数据库（办件类型）。" }

metric "time_cut_rate" { name = "承诺时限压缩率", unit = "share",
  from = "cases", kind = "ratio", where = "project_type == '承诺件' and anticipate_day > 0",
  value = "anticipate_day - promise_day", denominator = "anticipate_day",
  desc = "1 − Σ承诺办结时限 ÷ Σ法定办结时限（工作日），按当月受理的承诺件计；n 为承诺件件数。"
      .. "来源：省办件数据库（anticipate_day / promise_day）。年度值为年终采样期受理的承诺件。",
  over = { month = "month", year = "year_end" } }

metric "ontime_rate" { name = "办件按期办结率", unit = "share",
  from = "cases", kind = "share", where = "result_date <= cutoff",   -- 截至当月 25 日 24:00 已办结
  condition = "workdays(accept_date, result_date) - suspend_days <= promise_day",
  desc = "当月受理且截至当月 25 日 24:00 已办结的办件中，受理至办结的工作日（扣除补正、听证、检验检测等不计时环节）"
      .. "不超过承诺时限的件数 ÷ 已办结件数；截止后才办结的按未办结计（不计入）。n 为已办结件数。来源：省办件数据库。" }

metric "town_online_rate" { name = "镇村办件网上申办率", unit = "share",
  from = "cases", kind = "share", where = "handle_level in ('镇', '村')",
  condition = "channel ~= '窗口'",
  desc = "镇(街)、村(居)两级受理的办件中经网上渠道（窗口以外）申请的件数 ÷ 镇村办件数；n 为镇村办件数。"
      .. "仅县(市、区)/管委会。来源：省办件数据库（办理层级、申请渠道）。" }

metric "review_active_rate" { name = "好差评主动评价率", unit = "share",
  from = "reviews", kind = "share", condition = "not is_default",
  desc = "当月评价中办事人主动评价的件数 ÷ 评价总数（每件办结办件一条评价）；7 日未评价默认“基本满意”的不计为主动评价。"
      .. "n 为评价数。来源：好差评系统。" }

-- 差评数要在“有评价、无差评”时得 0（不是无数据），所以不用 count + where（无匹配记录即无数据），
-- 而是对每条评价求和一个只取 0/1 的值：(L−3)(L−4)(L−5)(2−3L)÷24 在 L = 1、2 时为 1，
-- L = 3、4、5 时为 0（整数运算，结果精确）。申诉成立剔除的差评由 where 排除。
metric "bad_reviews" { name = "差评数", unit = "count",
  from = "reviews", kind = "sum",
  where = "ticket_status is null or ticket_status ~= '申诉成立-剔除'",
  value = "level <= 2",                            -- 不满意（2）、非常不满意（1）；无差评的单位为 0
  desc = "当月收到的有效差评（不满意、非常不满意，扣除申诉成立剔除的）件数。来源：好差评系统。" }

-- 近三个月到期的差评工单（monitoring.lua 的 mon_rectify 评分标准）：工单按整改期限（评价后第 15 个
-- 工作日 24:00，add_workdays）所在月份计，取截至当月的三个采样月（over = { months = 3 }）；
-- 未到期的工单不计为未按时整改。期限在窗口内，故“期限前整改”也就是截止前整改。
metric "bad_rectify_rate" { name = "差评按时整改率", unit = "share",
  from = "reviews", kind = "share", over = { months = 3 }, due = "add_workdays(reviewed_at, 15)",
  where = "ticket_id is not null and (ticket_status is null or ticket_status ~= '申诉成立-剔除')",
  condition = "rectified_at <= add_workdays(reviewed_at, 15)",
  desc = "近三个月（截至当月 25 日 24:00 的三个采样月）到期的差评工单中在 15 个工作日内完成回访、整改并反馈的件数 ÷ "
      .. "到期工单数（申诉成立剔除的不计）；整改期限为评价后第 15 个工作日。n 为到期工单数（无到期工单时无数据）。"
      .. "来源：好差评系统差评工单。" }

metric "ecert_use_rate" { name = "电子证照用证率", unit = "share",
  from = "cases", kind = "share", where = "ecert_applicable", condition = "uses_ecert",
  desc = "可用电子证照事项的办件中至少调用、核验一次电子证照的件数 ÷ 此类办件总数；"
      .. "n 为此类办件数。来源：省办件数据库（与用证日志关联的 uses_ecert）。年度值为全年（1 月 1 日至 12 月 31 日）受理的此类办件。",
  over = { month = "month", year = "year" } }

-- 评估数据真实性核查（257号通知所列加减分项“评估数据真实性”）：单位在月度工作台账中自报用证次数，
-- pinggu 逐月与电子证照库用证日志的系统统计（ecert_calls）比对。自报数高于系统统计 10% 以上的，
-- 该单位该月记一项“评估数据不实问题”，计入 data_truth_issues 的年度值，由 bonus.lua 的
-- p_data_truth 每项扣 1 分。系统统计无数据的月份无从比对，不核查（10% 的容差为评估方假设 [A]）。
metric "ecert_calls_reported" { name = "电子证照调用次数（自报）", unit = "count",
  self_report = true,
  authenticity = { measured = "ecert_calls", tolerance = 0.10, into = "data_truth_issues" },
  desc = "单位在月度工作台账中自报的当月电子证照成功调用、核验次数，佐证为用证台账或系统截图。"
      .. "不计分，用于与系统统计 ecert_calls 比对（评估数据真实性）。来源：单位自报材料。" }

metric "ecert_calls" { name = "电子证照成功调用次数", unit = "count",
  from = "ecert_uses", kind = "count", where = "result == '成功'",
  desc = "当月本单位成功调用、核验、下载或亮证电子证照的次数。来源：电子证照库用证日志。"
      .. "供对账与通报参考，不计分（用证率按办件计，见 ecert_use_rate）。" }

metric "eseal_rate" { name = "电子印章用章率", unit = "share",
  from = "cases", kind = "share", where = "result_type in ('批准', '不予批准') and result_date <= cutoff",
  condition = "result_sealed",
  desc = "当月受理、截至当月 25 日 24:00 已作出准予或不予决定的办件中结果文书加盖统一电子印章的件数 ÷ 此类办件数；n 为此类办件数。"
      .. "来源：省办件数据库（与用章日志关联的 result_sealed）。" }

metric "yue_listing_rate" { name = "高频事项“粤省事”“粤商通”上线率", unit = "share",
  from = "app_services", kind = "share", where = "is_high_freq",
  condition = "status == '已上线'",
  desc = "当月服务目录快照中本单位高频事项已上线的服务数 ÷ 高频事项服务数（含待上线、已下线）；"
      .. "n 为高频事项服务数。来源：粤省事、粤商通服务目录。" }

metric "guide_accuracy" { name = "办事指南准确率", unit = "share",
  desc = "评估方抽查的办事指南中要素（材料、时限、流程、收费、依据等）准确完整的份数 ÷ 抽查份数；"
      .. "n 为抽查份数。来源：评估方网上抓取与人工抽查（月度）、年终集中抽查（年度）。" }

metric "zero_proof_rate" { name = "证明事项免提交比例", unit = "share",
  self_report = true,         -- 单位自报（pinggu selfreport submit），评估方审核通过后计入
  desc = "“无证明城市”改革中已取消或改为免提交（数据共享、告知承诺）的证明材料数 ÷ 本单位证明材料总数；"
      .. "各单位按季度自报（1、4、7、10 月），个别单位按月报；年度值为年终自报。来源：单位自报材料。" }

metric "monthly_report" { name = "月度工作台账报送", unit = "flag",
  desc = "当月 25 日前按要求报送数字政府改革建设工作台账及自查整改情况的，记 1。"
      .. "来源：市政务服务数据管理局收文登记。未报送则无数据。" }

---------------------------------------------------------------------------
-- 二、月度重大应用平台（民情地图、善美店小二）
---------------------------------------------------------------------------

-- due = "deadline"：事件按处置时限所在的时间窗计（到期事件），未到期的不计为超期。
-- 处置时限在窗口内，故“不晚于时限处置完毕”也就是截止时点前处置完毕。
metric "mq_ontime_rate" { name = "民情地图事件按期处置率", unit = "share",
  from = "mq_events", kind = "share", due = "deadline", over = { month = "month", year = "year" },
  condition = "closed_at <= deadline",
  desc = "处置时限在当月（上月 26 日至当月 25 日 24:00）到期的民情地图事件中在时限内处置完毕的件数 ÷ 到期事件数；"
      .. "n 为到期事件数。年度值为全年（1 月 1 日至 12 月 31 日）到期的事件。县区为辖区联勤指挥中心受理的事件，"
      .. "市直单位为流转至本单位的事件。来源：民情地图平台。" }

-- 结案没有时间字段；结案在处置完毕之后，所以截止后才处置完毕的事件截止时不可能已结案。
metric "mq_close_rate" { name = "民情地图事件结案率", unit = "share",
  from = "mq_events", kind = "share", condition = "status == '已结案' and closed_at <= cutoff",
  desc = "当月受理事件中截至当月 25 日 24:00 已结案（处置完毕并反馈、经核查办结）的件数 ÷ 当月受理事件数；"
      .. "n 为受理事件数。截止后才处置完毕的不计为已结案。来源：民情地图平台。" }

metric "mq_response_hours" { name = "民情地图事件平均响应时长", unit = "hours",
  from = "mq_events", kind = "mean", where = "signed_at <= cutoff",
  value = "days(assigned_at, signed_at) * 24",
  desc = "当月上报、截至当月 25 日 24:00 已签收的事件从派单到责任单位签收的平均时长（小时）；n 为此类事件数。来源：民情地图平台。" }

metric "mq_patrol_rate" { name = "网格巡查走访完成率", unit = "share",
  desc = "网格员当月实际完成的巡查走访次数 ÷ 计划巡查走访次数（封顶 1）；n 为计划次数。"
      .. "仅县(市、区)/管委会。来源：民情地图平台网格员 App。" }

metric "mq_data_timely" { name = "民情地图共享数据更新及时率", unit = "share",
  desc = "本单位向民情地图共享的数据类中按约定周期完成更新的类数 ÷ 应更新类数；n 为应更新类数。"
      .. "仅市直单位。来源：民情地图平台数据归集台账。" }

-- 善美店小二的两个时限指标按时限所在月份计（due）：响应、办结时限在当月 25 日 24:00 前到期的诉求，
-- 未到期的不计为超时，留到期限所在月份再计。时限在窗口内，故“时限内响应/办结”也就是截止前响应/办结。
metric "sm_response_rate" { name = "善美店小二诉求 60 分钟响应率", unit = "share",
  from = "sm_requests", kind = "share", due = "add_days(submitted_at, 60 / 1440)",
  condition = "days(submitted_at, responded_at) * 1440 <= 60",
  desc = "60 分钟响应时限在当月（上月 26 日至当月 25 日 24:00）到期的企业诉求中在 60 分钟内签收响应的件数 ÷ 此类诉求数；"
      .. "n 为此类诉求数。来源：善美店小二平台。" }

metric "sm_close_rate" { name = "善美店小二诉求 7 日办结率", unit = "share",
  from = "sm_requests", kind = "share", due = "add_days(submitted_at, 7)",
  condition = "days(submitted_at, closed_at) <= 7",
  desc = "7 日办结时限在当月（上月 26 日至当月 25 日 24:00）到期的企业诉求中在 7 日内办结的件数 ÷ 此类诉求数；"
      .. "n 为此类诉求数。提交不足 7 日的诉求未到期，不计为未办结。来源：善美店小二平台。" }

metric "sm_satisfaction" { name = "善美店小二企业满意率", unit = "share",
  from = "sm_requests", kind = "share", where = "rating is not null and closed_at <= cutoff",
  condition = "rating >= 4",
  desc = "企业对截至当月 25 日 24:00 已办结诉求评价为满意、非常满意的件数 ÷ 评价件数；n 为评价件数。"
      .. "评价没有时间字段；评价在办结之后，截止后才办结的诉求截止时不可能已评价。来源：善美店小二平台。" }

---------------------------------------------------------------------------
-- 三、年终 数字政府基础能力（周期 "2021"）
---------------------------------------------------------------------------

metric "data_catalog_rate" { name = "政务数据资源目录挂接率", unit = "share",
  desc = "本单位已编目的政务数据资源中已挂接数据资源（库表、接口、文件）的目录数 ÷ 已编目目录数；"
      .. "n 为已编目目录数。来源：省大数据中心（政务大数据中心目录系统）。" }

metric "share_response_rate" { name = "数据共享需求响应及时率", unit = "share",
  desc = "全年收到的数据共享申请中在 5 个工作日内审核答复的件数 ÷ 申请数；n 为申请数。"
      .. "来源：省大数据中心数据共享平台。" }

metric "ecert_issue_rate" { name = "电子证照签发率", unit = "share",
  desc = "本单位颁发的证照种类中已实现电子证照同步签发并入库的种类数 ÷ 证照种类总数；n 为证照种类数。"
      .. "来源：电子证照库。" }

metric "eseal_issued" { name = "统一电子印章制发", unit = "flag",
  from = "eseal_uses", kind = "max", value = "1", over = "year",
  desc = "全年有统一电子印章签章记录（即已申领并启用）的，记 1；无记录则无数据，按 0 分计。来源：统一电子印章系统用章日志。" }

metric "eseal_uses" { name = "电子印章年度用章量", unit = "count",
  from = "eseal_uses", kind = "count", over = "year",
  desc = "全年使用统一电子印章签章的次数。来源：统一电子印章系统用章日志。" }

metric "auth_access_rate" { name = "统一身份认证接入率", unit = "share",
  desc = "本单位面向公众的业务系统中已接入省统一身份认证的系统数 ÷ 业务系统数；n 为业务系统数。"
      .. "来源：省统一身份认证平台、单位系统清单。" }

metric "yzy_active_rate" { name = "粤政易活跃率", unit = "share",
  desc = "年终采样期内每周至少登录一次粤政易的在编人员数 ÷ 开通账号人员数；n 为开通账号人员数。"
      .. "来源：粤政易管理后台。" }

metric "item_consistency" { name = "事项要素一致率", unit = "share",
  desc = "本单位事项实施清单要素与省事项目录（基本编码、实施编码）一致的事项数 ÷ 事项总数；n 为事项数。"
      .. "来源：广东政务服务平台事项库。" }

metric "item_update_timely" { name = "事项动态调整及时率", unit = "share",
  desc = "全年因法规、“二次统筹”等需调整的事项中在 20 个工作日内完成调整的个数 ÷ 需调整事项数；"
      .. "n 为需调整事项数。来源：广东政务服务平台事项库变更记录。" }

metric "town_item_std_rate" { name = "镇村事项标准化率", unit = "share",
  desc = "镇(街)、村(居)事项中已按市级“二次统筹”规范完成标准化的事项数 ÷ 镇村事项总数；"
      .. "n 为镇村事项总数。仅县(市、区)/管委会。来源：广东政务服务平台事项库。" }

metric "same_source_rate" { name = "事项数据同源率", unit = "share",
  desc = "抽查事项在广东政务服务网、粤省事/粤商通、实体大厅、自助终端等渠道的指南要素与事项库一致的个数 ÷ 抽查个数；"
      .. "n 为抽查个数。来源：评估方网上抓取比对。" }

metric "case_sync_rate" { name = "办件数据实时汇聚率", unit = "share",
  from = "cases", kind = "share", over = "year",
  where = "sync_date <= cutoff or workdays(accept_date, cutoff) >= 1",   -- 已汇聚或已到 1 个工作日时限
  condition = "workdays(accept_date, sync_date) <= 1",
  desc = "全年（1 月 1 日至 12 月 31 日）受理、截至 12 月 31 日 24:00 已汇聚或已过汇聚时限（1 个工作日）的办件中，"
      .. "受理、办结信息在 1 个工作日内汇聚至省办件数据库的件数 ÷ 此类办件数；n 为此类办件数。"
      .. "来源：省办件数据库。" }

metric "mobile_rate" { name = "移动端可办事项占比", unit = "share",
  desc = "可通过粤省事、粤商通或本地移动端全程办理的依申请事项数 ÷ 依申请事项总数；n 为事项数。"
      .. "来源：粤省事、粤商通服务目录，广东政务服务平台事项库。" }

metric "online_apply_rate" { name = "网上申办率", unit = "share",
  from = "cases", kind = "share", over = "year",
  condition = "channel in ('政务服务网', '粤省事', '粤商通', '自助终端')",
  desc = "全年办件中通过网上渠道（政务服务网、粤省事、粤商通、自助终端）申请的件数 ÷ 办件总数；"
      .. "n 为办件总数。来源：省办件数据库。" }

metric "yue_visits" { name = "粤省事、粤商通服务访问量", unit = "count",
  from = "app_services", kind = "sum", value = "visits", over = "year",
  desc = "全年本单位在粤省事、粤商通上线服务的访问次数（查询类与办理类合计）。来源：粤省事、粤商通运营后台。" }

metric "satisfaction_rate" { name = "好差评满意率", unit = "share",
  from = "reviews", kind = "share", over = "year", condition = "level >= 3",
  desc = "全年评价中非常满意、满意、基本满意的件数 ÷ 评价总数；n 为评价总数。来源：好差评系统。" }

metric "zero_visit_rate" { name = "零跑动办件占比", unit = "share",
  from = "cases", kind = "share", over = "year_end", condition = "visits == 0",
  desc = "年终采样期受理办件中到办事现场次数为 0 的件数 ÷ 受理件数；n 为受理件数。来源：省办件数据库。" }

---------------------------------------------------------------------------
-- 四、年终 数字政府重大应用平台（周期 "2021"）
---------------------------------------------------------------------------

metric "mq_data_classes" { name = "民情地图共享数据类数", unit = "count",
  desc = "截至年终，本单位向民情地图归集、共享并持续更新的数据类数（“一标三实”及业务数据）。"
      .. "来源：民情地图平台数据归集台账。" }

metric "mq_account_active" { name = "民情地图账号活跃率", unit = "share",
  desc = "年终采样期内每周至少登录处理一次的民情地图账号数 ÷ 已开通账号数；n 为已开通账号数。"
      .. "来源：民情地图平台。" }

metric "sm_registered" { name = "善美店小二服务专员及事项登记", unit = "flag",
  desc = "本单位已在善美店小二平台登记服务专员并上架涉企服务事项的，记 1。来源：善美店小二平台。" }

metric "grid_staffing_rate" { name = "网格员配备到位率", unit = "share",
  desc = "已配备专职或兼职网格员的小网格数 ÷ 辖区小网格总数；n 为小网格数。仅县(市、区)/管委会。"
      .. "来源：民情地图平台网格管理模块。" }

metric "platform_satisfaction" { name = "平台服务满意率", unit = "share",
  desc = "全年民情地图事件反馈与善美店小二诉求评价中满意、非常满意的件数 ÷ 评价总数；n 为评价总数。"
      .. "来源：民情地图平台、善美店小二平台。" }

metric "repeat_complaints" { name = "重复投诉件数", unit = "count",
  from = "mq_events", kind = "sum", value = "repeat_count", over = "year",
  desc = "全年民情地图事件结案后 30 日内同一事项被再次投诉、经核实属实的次数之和。来源：民情地图平台。" }

---------------------------------------------------------------------------
-- 五、年终 加减分（周期 "2021"；无数据均按 0 件计）
---------------------------------------------------------------------------

metric "innovations" { name = "服务创新成果", unit = "count",
  self_report = true,
  desc = "全年获国家、省推广或表彰，或入选省级及以上创新案例的数字政府服务创新项数。来源：单位自报并经评估方核实。" }

metric "special_tasks" { name = "专项工作完成", unit = "count",
  desc = "全年承担市数字政府改革建设领导小组办公室部署的专项工作并按期完成、获通报表扬的项数。"
      .. "来源：市政务服务数据管理局工作台账。" }

metric "theme_services" { name = "主题式服务上线", unit = "count",
  desc = "全年新上线的“一件事”主题式集成服务个数。来源：广东政务服务平台、粤省事服务目录。" }

metric "security_incidents" { name = "网络安全事件", unit = "count",
  desc = "全年发生的一般及较大网络与数据安全事件起数（重大及以上事件另计入单项否决）。"
      .. "来源：市委网信办、市政务服务数据管理局通报。" }

metric "data_truth_issues" { name = "评估数据不实问题", unit = "count",
  desc = "评估数据核查中发现自报数据与系统统计不符（差异超过 10%）或佐证材料不实的问题项数。"
      .. "其中自报用证次数高于系统统计 10% 以上的月份由 pinggu 自动核查、逐月计入（见 ecert_calls_reported），"
      .. "其余为评估方核查记录（填报值），两者相加。来源：评估方核查记录、pinggu 真实性核查。" }

metric "fund_shortfall" { name = "资金支出进度差距", unit = "百分点",
  desc = "年末数字政府项目资金实际支出进度低于序时进度的百分点数（不低于序时进度记 0）。"
      .. "来源：市财政局国库支付数据。" }

metric "project_issues" { name = "项目管理问题", unit = "count",
  desc = "全年信息化项目在立项审批、建设、验收、备案等环节未按规定履行管理职责的问题项数。"
      .. "来源：市政务服务数据管理局项目管理台账、审计发现。" }

metric "veto_events" { name = "单项否决事项", unit = "flag",
  desc = "全年发生重大及以上网络安全事件，或经查实故意伪造、篡改评估数据的，记 1。"
      .. "来源：市委网信办通报、评估方核查并经领导小组办公室认定。" }
