-- A set that extends another declares its own calendar: last year's holidays are not this year's.
ruleset {
  id = "extends-no-calendar", name = "继承测试", year = 2022,
  extends = "../inherit-base",
}
