-- Not a case (no expect file): a parent whose file fails, for extends-broken-parent.
ruleset { id = "inherit-broken", name = "继承测试", year = 2021 }
group "dept" { name = "市直单位" }
require "parts"
