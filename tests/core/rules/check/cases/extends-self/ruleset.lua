-- A set that extends itself.
ruleset { id = "extends-self", name = "继承测试", year = 2022, extends = "." }
