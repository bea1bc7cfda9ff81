-- A valid rule set that uses most of the language: per-group points, groups, an adjust node
-- with a veto item, every built-in method, a custom method, a composite of schemes, tie
-- breakers, bands and a module in a subdirectory. No errors, no warnings.
ruleset {
  id = "check-good-full",
  name = "校验测试（完整）",
  year = 2021,
  timezone = "Asia/Shanghai",
  rounding = 1,
  ranking = "dense",
  tie_breakers = { "monitoring", "m" },
  bands = { { "优秀", 90 }, { "良好", 80 }, { "合格", 60 }, { "不合格", 0 } },
  missing = "zero",
  carry_limit = 2,
  budget = { instructions = 1e5, memory_mb = 8 },
}

group "dept"   { name = "市直单位" }
group "county" { name = "县(市、区)" }

require "metrics"
require "parts.monitoring"
require "parts.bonus"

scheme "monthly" { name = "月度", period = "month", max = 100,
  parts = { { id = "monitoring", weight = 1 }, { id = "bonus" } } }
scheme "year_end" { name = "年终", period = "year", max = 100,
  parts = { { "monitoring", 1 } } }
scheme "annual" { name = "年度", period = "year", max = 100,
  parts = { { id = "m", scheme = "monthly", months = { 4, 12 }, weight = 0.4 },
            { id = "y", scheme = "year_end", weight = 0.6 } },
  composite = function(parts, unit) return (parts.m or 0) * 0.4 + (parts.y or 0) * 0.6 end }
