-- The parent's own error is reported at the parent's file and line.
ruleset { id = "extends-broken-parent", name = "继承测试", year = 2022, extends = "../inherit-broken" }
calendar { holidays = {} }
