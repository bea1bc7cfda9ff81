-- 原始数据源（source）：系统统计类数据项（metrics.lua 中带 from 的）由 pinggu
-- 从这些原始记录计算，不再由人工汇总填报。
--
-- 字段依据 ../shared/domain/REFERENCE.md §6（国家政务服务平台数据交换表、好差评、电子证照、
-- 电子印章、粤省事/粤商通）与 §4（民情地图、善美店小二），按本市导出格式取舍；标注 [A] 的
-- 为评估方假设。单位字段可填 units.csv 中的 id、编码、名称或别名（各系统导出口径不一）。
-- 时间字段可为本地时间（Asia/Shanghai）或带 +08:00 / Z 的时间；该字段决定记录所属的采样月
-- （上月 26 日 00:00 至当月 25 日 24:00）。
-- 有编号的记录声明 key：同一编号重复导出的只计一次，并在导入时报告。
-- 工作日历（节假日与调休）在 calendar.lua：它按年份变化，数据源不变。

-- 办件：省办件数据库（up_pro_accept 受理 + up_pro_result 办结，按办件编号合并为一行）。
-- 派生字段 fully_online、uses_ecert、result_sealed 由办件库与用证、用章日志关联生成（REFERENCE §6.1 [A]）。
source "cases" {
  name = "办件", unit = "org_code", time = "accept_date", key = "project_no",
  fields = {
    { "project_no", "string" },                       -- 办件编号
    { "task_code", "string" },                        -- 实施编码
    { "org_code", "string" },                         -- 受理部门
    { "handle_level", "enum", values = { "市", "县", "镇", "村" } }, -- 办理层级（镇村事项）
    { "project_type", "enum", values = { "即办件", "承诺件" } },
    { "channel", "enum", values = { "窗口", "政务服务网", "粤省事", "粤商通", "自助终端", "邮寄" } },
    { "accept_date", "time" },                        -- 受理时间
    { "anticipate_day", "int", nullable = true },     -- 法定办结时限（工作日；即办件为空）
    { "promise_day", "int" },                         -- 承诺办结时限（工作日；即办件为 0）
    { "result_date", "time", nullable = true },       -- 办结时间（未办结为空）
    { "result_type", "enum", nullable = true, values = { "批准", "不予批准", "转报", "终止办件" } },
    { "suspend_days", "int" },                        -- 补正、听证、检验检测等不计时工作日
    { "visits", "int" },                              -- 到办事现场次数
    { "fully_online", "bool" },                       -- 全程网办
    { "ecert_applicable", "bool" },                   -- 事项材料可用电子证照
    { "uses_ecert", "bool" },                         -- 调用或核验过电子证照
    { "result_sealed", "bool", nullable = true },     -- 办结结果加盖统一电子印章（未办结为空）
    { "sync_date", "time" },                          -- 汇聚至省办件数据库的时间（cd_time）
  },
}

-- 好差评：每条评价一行；差评工单字段仅差评有值（REFERENCE §2、§6.2）。
source "reviews" {
  name = "好差评", unit = "org_code", time = "reviewed_at", key = "review_id",
  fields = {
    { "review_id", "string" },
    { "project_no", "string", nullable = true },      -- 热线、大厅综合评价可无办件编号
    { "org_code", "string" },
    { "channel", "enum", values = { "政务服务网", "短信", "粤省事", "粤商通", "政务服务APP",
                                    "实体大厅", "一体机", "热线" } },
    { "level", "int" },                               -- 1 非常不满意 … 5 非常满意
    { "is_default", "bool" },                         -- 7 日未评价、系统默认“基本满意”
    { "is_real_name", "bool" },
    { "reviewed_at", "time" },
    { "ticket_id", "string", nullable = true },       -- 差评工单号
    { "ticket_status", "enum", nullable = true,
      values = { "待核实", "整改中", "已整改", "申诉中", "申诉成立-剔除" } },
    { "rectified_at", "time", nullable = true },      -- 整改反馈时间
    { "reviewer_feedback", "enum", nullable = true, values = { "满意", "基本满意", "不满意" } },
  },
}

-- 用证：电子证照调用、核验、下载、亮证日志（REFERENCE §6.3 [A]）。
source "ecert_uses" {
  name = "电子证照用证", unit = "using_org_code", time = "used_at", key = "use_id",
  fields = {
    { "use_id", "string" },
    { "cert_identifier", "string" },                  -- 1.2.156.3005.2.…（GB/T 36904）
    { "cert_type_code", "string" },
    { "using_org_code", "string" },
    { "project_no", "string", nullable = true },
    { "used_at", "time" },
    { "mode", "enum", values = { "调用", "核验", "下载", "亮证" } },
    { "result", "enum", values = { "成功", "失败" } },
  },
}

-- 用章：统一电子印章签章日志（REFERENCE §6.4 [A]）。
source "eseal_uses" {
  name = "电子印章用章", unit = "org_code", time = "signed_at", key = "sign_id",
  fields = {
    { "sign_id", "string" },
    { "seal_id", "string" },
    { "org_code", "string" },
    { "seal_type", "enum", values = { "公章", "业务专用章" } },
    { "doc_type", "enum", values = { "办件结果", "证照", "证明", "公文" } },
    { "project_no", "string", nullable = true },
    { "signed_at", "time" },
    { "verify_count", "int" },
  },
}

-- 粤省事、粤商通：服务目录每月 20 日快照，一服务一月一行，带当月访问量（REFERENCE §6.5 [A]）。
-- 待上线的为本单位已梳理但尚未上线的高频事项。
source "app_services" {
  name = "粤省事粤商通服务", unit = "owner_org_code", time = "stat_time", key = "record_id",
  fields = {
    { "record_id", "string" },                        -- service_id + 统计月
    { "service_id", "string" },
    { "platform", "enum", values = { "粤省事", "粤商通" } },
    { "task_code", "string", nullable = true },
    { "owner_org_code", "string" },
    { "service_type", "enum", values = { "查询", "办理" } },
    { "is_high_freq", "bool" },
    { "status", "enum", values = { "已上线", "待上线", "已下线" } },
    { "stat_time", "time" },
    { "visits", "int" },
    { "unique_users", "int" },
    { "transactions", "int" },
  },
}

-- 民情地图事件：上报、派单、签收、处置、结案（REFERENCE §4.1、§4.3 [A]）。
-- org_code 为责任单位：县区为辖区联勤指挥中心，市直单位为流转至本单位的事件。
source "mq_events" {
  name = "民情地图事件", unit = "org_code", time = "reported_at", key = "event_id",
  fields = {
    { "event_id", "string" },
    { "grid_code", "string" },
    { "org_code", "string" },
    { "category", "enum", values = { "矛盾纠纷", "治安隐患", "环境卫生", "市政设施", "安全生产",
                                     "民生服务", "其他" } },
    { "reporter", "enum", values = { "网格员", "群众", "部门流转" } },
    { "reported_at", "time" },
    { "assigned_at", "time" },                        -- 派单
    { "signed_at", "time", nullable = true },         -- 责任单位签收
    { "deadline", "time" },                           -- 处置时限
    { "closed_at", "time", nullable = true },         -- 处置完毕
    { "status", "enum", values = { "处置中", "已处置", "已结案", "退回" } },
    { "feedback", "enum", nullable = true, values = { "满意", "基本满意", "不满意" } },
    { "repeat_count", "int" },                        -- 结案后 30 日内同一事项再次投诉且属实的次数
  },
}

-- 善美店小二：企业诉求（REFERENCE §4.2；时限参照江门 60 分钟响应、7 日办结 [A]）。
source "sm_requests" {
  name = "善美店小二诉求", unit = "org_code", time = "submitted_at", key = "request_id",
  fields = {
    { "request_id", "string" },
    { "enterprise_code", "string" },                  -- 统一社会信用代码
    { "org_code", "string" },
    { "category", "enum", values = { "政策咨询", "审批服务", "融资需求", "用工需求", "要素保障",
                                     "投诉建议", "其他" } },
    { "submitted_at", "time" },
    { "responded_at", "time", nullable = true },
    { "closed_at", "time", nullable = true },
    { "status", "enum", values = { "待响应", "处理中", "已办结" } },
    { "rating", "int", nullable = true },             -- 企业评价 1–5，未评价为空
  },
}
