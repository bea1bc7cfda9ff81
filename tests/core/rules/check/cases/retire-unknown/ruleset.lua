-- retire names an id the parent does not declare (a typo): an error at the retire.
ruleset {
  id = "retire-unknown", name = "继承测试", year = 2022,
  extends = "../inherit-base",
}
calendar { holidays = { "2022-10-03" } }
require "changes"
