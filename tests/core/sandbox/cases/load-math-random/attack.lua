-- At load time: seed the generator (math.random and math.randomseed are absent).
math.randomseed(42)
