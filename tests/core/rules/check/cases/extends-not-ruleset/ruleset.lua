-- extends names a directory without ruleset.lua: not a rule set.
ruleset {
  id = "extends-not-ruleset", name = "继承测试", year = 2022,
  extends = "notes",
}
