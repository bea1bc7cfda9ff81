-- extends must be a plain string literal: pinggu reads it from the text, without running Lua.
local last = "../inherit-base"
ruleset {
  id = "extends-computed", name = "继承测试", year = 2022,
  extends = last,
}
