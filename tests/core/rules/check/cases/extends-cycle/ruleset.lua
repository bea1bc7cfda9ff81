-- extends-cycle extends extends-cycle-b, which extends extends-cycle: a cycle, reported at the
-- extends that closes it.
ruleset {
  id = "extends-cycle", name = "继承测试", year = 2023,
  extends = "../extends-cycle-b",
}
