-- 综合指数：三个维度的加权几何平均。

indicator "index" { name = "数字服务综合指数", points = 100, aggregate = "geomean",
  desc = "服务可及（权重 2）、服务质量（权重 1）、支撑能力（权重 1）三个维度得分率的加权几何平均 × 100。" }

---------------------------------------------------------------------------
-- 一、服务可及：加权算术平均
---------------------------------------------------------------------------
indicator "access" { parent = "index", name = "服务可及", points = 100, weight = 2,
  aggregate = "mean" }

indicator "online_share" { parent = "access", name = "可全程网办事项占比", points = 100, weight = 2,
  metric = "online_share", method = value {},
  standard = "得分率即占比本身（0–100%）。",
  source = "事项库统计（虚构）。" }

indicator "bandwidth" { parent = "access", name = "人均政务网络带宽", points = 100, weight = 1,
  metric = "bandwidth_mbps", method = linear { lo = 10, hi = 1000 },
  transform = { log = true, floor = 10, cap = 1000 },
  standard = "对数门槛值：得分率 = (ln 带宽 − ln 10) ÷ (ln 1000 − ln 10)，低于 10 按 10、高于 1000 按 1000 计。",
  source = "政务外网运维统计（虚构）。" }

---------------------------------------------------------------------------
-- 二、服务质量：算术平均；未开展调查的投诉指标不适用
---------------------------------------------------------------------------
indicator "quality" { parent = "index", name = "服务质量", points = 100, weight = 1,
  aggregate = "mean" }

indicator "satisfaction" { parent = "quality", name = "群众满意度", points = 100,
  metric = "satisfaction", method = linear { lo = 60, hi = 100 },
  standard = "60 分及以下不得分，100 分得满分，其间线性。",
  source = "第三方抽样调查（虚构）。" }

indicator "complaints" { parent = "quality", name = "每万件办件投诉量", points = 100,
  metric = "complaints_per_10k", method = linear { lo = 1, hi = 50, better = "lower" },
  transform = { log = true, floor = 1, cap = 50 },
  na_when = "value < 0",
  standard = "越少越好，对数门槛值：得分率 = (ln 50 − ln x) ÷ (ln 50 − ln 1)；未开展调查（−1）的不考核此项。",
  source = "12345 热线工单统计（虚构）。" }

---------------------------------------------------------------------------
-- 三、支撑能力：调和平均（短板明显拉低得分）
---------------------------------------------------------------------------
indicator "capacity" { parent = "index", name = "支撑能力", points = 100, weight = 1,
  aggregate = "harmonic" }

indicator "training" { parent = "capacity", name = "窗口人员培训覆盖率", points = 100, weight = 1,
  metric = "trained_staff_share", method = value {},
  standard = "得分率即覆盖率本身。",
  source = "培训台账（虚构）。" }

indicator "open_data" { parent = "capacity", name = "数据开放完成率", points = 100, weight = 1,
  metric = "open_datasets_pct", method = value { scale = 0.01 },
  na_when = { 999 },
  standard = "得分率 = 完成率 ÷ 100；开放目录尚未编制（999）的不考核此项。",
  source = "开放平台统计（虚构）。" }

scheme "index" { name = "城市数字服务综合指数", period = "year", max = 100,
  parts = { { id = "index" } } }
