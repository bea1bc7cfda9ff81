-- The rule set every sandbox case runs in. The case supplies attack.lua (and perhaps other
-- modules); the runner writes budget.lua. attack.lua either attacks when it is loaded (its
-- top level) or returns the custom method that attacks when it is called.
local attack = require "attack"
if type(attack) ~= "function" then
  attack = function(v) return 1 end -- load-time cases never get this far
end

ruleset {
  id = "sandbox-test",
  name = "沙箱测试",
  year = 2021,
  budget = require "budget" or nil,
}

group "dept" { name = "市直单位" }

metric "m1" { name = "办件及时率", unit = "share" }
metric "m2" { name = "被攻击的数据项", unit = "count" }

indicator "main" { name = "主体", points = 100 }
-- A built-in method: scored in C, whatever the attack does to the Lua state.
indicator "normal" { parent = "main", name = "正常指标", points = 40, metric = "m1",
  method = linear { lo = 0, hi = 1 }, standard = "按比例", source = "平台" }
-- The attacked indicator.
indicator "attacked" { parent = "main", name = "被攻击指标", points = 30, metric = "m2",
  method = attack, standard = "自定义", source = "平台" }
-- A custom method evaluated after the attack: the Lua state must still work (budget re-armed,
-- memory cap reset, string library intact).
indicator "custom_ok" { parent = "main", name = "自定义正常指标", points = 30, metric = "m1",
  method = function(v, group, unit, period, params)
    assert(type(group.values[unit.id]) == "number" and period == "2021-05")
    return v, ("%s:%.2f"):format(unit.id, v)
  end,
  standard = "自定义", source = "平台" }

scheme "monthly" { name = "月度", period = "month", max = 100, parts = { { id = "main" } } }
