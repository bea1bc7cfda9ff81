-- parts/bonus.lua: bonus, penalty and a veto
indicator "bonus" { name = "加减分", kind = "adjust", plus = 5, minus = 10 }
indicator "b_innovation" { parent = "bonus", name = "服务创新", points = 2, metric = "innovation",
  method = per_event { per = 1 }, standard = "每项加1分，最多2分", source = "申报" }
indicator "p_security" { parent = "bonus", name = "安全事件", points = -5, metric = "incidents",
  method = per_event { per = 2 }, standard = "每起扣2分，最多扣5分", source = "网信办" }
indicator "v_fraud" { parent = "bonus", name = "数据造假", veto = 0, metric = "fraud",
  standard = "造假者总分计0分", source = "核查" }
