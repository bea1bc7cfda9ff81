-- evaluator_score {} with a metric, as a veto item, and with parameters it does not take.
ruleset { id = "bad", name = "bad", year = 2021 }
group "g" { name = "g" }
metric "m" { name = "m", unit = "score" }
indicator "p" { name = "p", points = 100 }
indicator "q1" { parent = "p", name = "q1", points = 50, metric = "m",
  method = evaluator_score {}, standard = "s", source = "s" }
indicator "q2" { parent = "p", name = "q2", points = 50,
  method = evaluator_score { max = 3 }, standard = "s", source = "s" }
indicator "bonus" { name = "b", kind = "adjust", plus = 5, minus = 5 }
indicator "v" { parent = "bonus", name = "v", veto = 0, method = evaluator_score {},
  standard = "s", source = "s" }
scheme "s" { name = "s", period = "month", max = 100, parts = { { id = "p" }, { id = "bonus" } } }
