-- 韧性筛查：两项中较差的一项决定得分（最小值），系统可用时长先在组内缩尾再按极差计分。

indicator "resilience" { name = "系统韧性筛查", points = 100, aggregate = "min" }

indicator "uptime" { parent = "resilience", name = "系统可用时长", points = 100,
  metric = "uptime_hours", method = minmax {}, winsor = { p = 0.2 },
  standard = "组内按极差计分；计分前组内两端各 20% 的单位按其内侧最近的数值计（缩尾）。",
  source = "运维监控（虚构）。" }

indicator "recovery" { parent = "resilience", name = "故障恢复用时", points = 100,
  metric = "recovery_hours", method = linear { lo = 1, hi = 48, better = "lower" },
  standard = "1 小时内恢复得满分，48 小时及以上不得分，其间线性。",
  source = "运维监控（虚构）。" }

scheme "screen" { name = "系统韧性筛查", period = "year", max = 100,
  parts = { { id = "resilience" } } }
