-- sub/extra.lua: a fourth leaf, with a share above 1

indicator "d" { parent = "main", name = "满意度", points = 0,
  metric = "m1", method = steps { { 0.9, 1.2 } },
  standard = "按档计分", source = "问卷" }
