-- 数据项：全部由各单位或第三方统计直接报送（fed），数值虚构。

metric "online_share" { name = "可全程网办事项占比", unit = "share",
  desc = "本年度可全程网办的政务服务事项 ÷ 全部事项。" }

metric "bandwidth_mbps" { name = "人均政务网络带宽", unit = "Mbps",
  desc = "政务外网出口带宽 ÷ 服务人口（千人），Mbps。" }

metric "satisfaction" { name = "群众满意度", unit = "分",
  desc = "第三方抽样调查满意度，0–100 分。" }

metric "complaints_per_10k" { name = "每万件办件投诉量", unit = "件",
  desc = "投诉件数 ÷ 办件量 × 10000；当年未开展调查的记作 −1。" }

metric "trained_staff_share" { name = "窗口人员培训覆盖率", unit = "share",
  desc = "本年度完成数字技能培训的窗口人员 ÷ 窗口人员总数。" }

metric "open_datasets_pct" { name = "数据开放完成率", unit = "%",
  desc = "已开放数据集 ÷ 应开放数据集 × 100；开放目录尚未编制的记作 999。" }

metric "uptime_hours" { name = "系统可用时长", unit = "小时",
  desc = "本年度核心业务系统的可用时长（抽样期 1000 小时内）。" }

metric "recovery_hours" { name = "故障恢复用时", unit = "小时",
  desc = "本年度最长一次故障的恢复用时。" }
