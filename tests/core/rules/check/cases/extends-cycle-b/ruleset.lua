-- Not a case (no expect file): the other half of extends-cycle.
ruleset {
  id = "extends-cycle-b", name = "继承测试", year = 2022,
  extends = "../extends-cycle",
}
