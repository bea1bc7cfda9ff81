-- parts.lua: a third leaf, with linear's bounds swapped
indicator "c" { parent = "main", name = "回复率", points = 0,
  metric = "m1", method = linear { lo = 0.9, hi = 0.1 },
  standard = "按比例", source = "政务服务平台" }
