-- 2022 年新增指标（评估方假设 [A]）。

metric "open_datasets" { name = "公共数据开放数据集", unit = "count",
  desc = "全年在市公共数据开放平台新增开放、且通过质量检查的数据集个数。"
      .. "来源：市公共数据开放平台，系统统计。" }

indicator "b_open_data" { parent = "bonus", name = "公共数据开放",
  points = 1,
  metric = "open_datasets", method = per_event { per = 0.1 },
  standard = "全年新增开放并通过质量检查的公共数据集，每个加 0.1 分，最多加 1 分（分值为评估方假设 [A]）。",
  source = "市公共数据开放平台，系统统计。" }
