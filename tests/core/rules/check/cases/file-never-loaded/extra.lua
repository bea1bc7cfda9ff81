-- extra.lua: an old draft nobody requires
indicator "old" { name = "旧指标", points = 10 }
