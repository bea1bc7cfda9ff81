-- parts/monitoring.lua: 100 points for both groups, split differently
indicator "monitoring" { name = "常态化监测", points = { dept = 100, county = 100 } }

indicator "service" { parent = "monitoring", name = "政务服务", points = { dept = 60, county = 40 } }
indicator "timely" { parent = "service", name = "办件及时率", points = { dept = 20, county = 10 },
  metric = "timely", method = linear { lo = 0.5, hi = 0.95 }, min_n = 10,
  standard = "及时率50%以下得0分，95%以上得满分", source = "政务服务平台" }
indicator "complaints" { parent = "service", name = "投诉", points = { dept = 10, county = 10 },
  metric = "complaints", method = steps { { 0, 1 }, { 3, 0.5 }, otherwise = 0, better = "lower" },
  standard = "无投诉满分，3件以内一半", source = "12345热线" }
indicator "days" { parent = "service", name = "办理时长", points = { dept = 10, county = 10 },
  metric = "days", method = target { target = 5, better = "lower" },
  standard = "5天以内满分", source = "政务服务平台" }
indicator "score" { parent = "service", name = "群众评分", points = { dept = 20, county = 10 },
  metric = "score", method = best_ratio {}, missing = "carry_forward",
  standard = "与本组最高分之比", source = "好差评系统" }

indicator "platforms" { parent = "monitoring", name = "平台应用", points = { dept = 40, county = 60 } }
indicator "online" { parent = "platforms", name = "上线", points = 5, metric = "online",
  method = flag {}, standard = "上线得分", source = "核查" }
indicator "rank_score" { parent = "platforms", name = "评分排名", points = { dept = 10, county = 15 },
  metric = "score", method = rank { shares = { 1, 0.9, 0.8 }, rest = 0.6 },
  standard = "按名次", source = "好差评系统" }
indicator "spread" { parent = "platforms", name = "评分离散", points = { dept = 10, county = 15 },
  metric = "score", method = minmax {}, missing = "not_applicable",
  standard = "本组内线性", source = "好差评系统" }
indicator "z" { parent = "platforms", name = "评分标准分", points = { dept = 5, county = 10 },
  metric = "score", method = zscore { base = 0.6, per_sd = 0.2 }, missing = "no_business",
  standard = "标准分", source = "好差评系统" }
indicator "late" { parent = "platforms", name = "超期扣分", points = { dept = 5, county = 10 },
  metric = "complaints", method = deduct { per = 1, free = 1 }, missing = "not_submitted",
  standard = "超过1件后每件扣1分", source = "12345热线" }
indicator "custom" { parent = "platforms", name = "自定义", points = 5, metric = "score",
  params = { full = 95 },
  method = function(v, group, unit, period, params)
    return math.min(v / params.full, 1), ("%s: %.1f"):format(unit.id, v)
  end,
  standard = "95分满分", source = "好差评系统" }
