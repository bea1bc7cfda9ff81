-- extends names a directory that does not exist: an error at the line of extends.
ruleset {
  id = "extends-missing",
  name = "继承测试",
  year = 2022,
  extends = "../inherit-2020",
}
