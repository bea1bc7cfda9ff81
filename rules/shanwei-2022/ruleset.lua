-- 汕尾市数字政府改革建设第三方常态化评估 —— 2022 年规则集（示例：跨年度规则集）
--
-- 用途：演示 pinggu 同时加载多个年度的规则集——每个周期按其所属年度的规则集评估。2022 年
-- 规则集上线后重新评估 2021 年的月份，仍按 2021 年规则集计分。
--
-- 与 2021 年规则集的差别（均为评估方假设 [A]，不是已公布的 2022 年方案）：
--   * 月度排名权重：常态化监测 80% → 70%，重大应用平台 20% → 30%（schemes.lua）；
--   * 新增加分项“公共数据开放”b_open_data（additions.lua）；
--   * 2022 年工作日历（calendar.lua）。
-- 其余文件是指向 ../shanwei-2021 的符号链接：指标、数据项、数据源和评估对象与 2021 年相同。
-- 要单独修改某个文件，先删除链接，再复制一份到本目录修改。

ruleset {
  id = "shanwei-2022",
  name = "汕尾市数字政府改革建设第三方常态化评估（2022年）",
  year = 2022,
  timezone = "Asia/Shanghai",
  -- 以下取值同 2021 年规则集，均为评估方假设 [A]（理由见 ../shanwei-2021/ruleset.lua）：
  -- 保留位数与并列占位、同分比较顺序、等次分数线、缺数默认按 0 分、沿用上期最多 3 期；
  -- 评估对象名单 units.csv（链接到 2021 年）中的市直单位名单亦为假设 [A]。
  rounding = 2,
  ranking = "competition",
  tie_breakers = { "monitoring", "basic", "platforms", "platform_ye" },
  bands = {
    { "优秀", 90 },
    { "良好", 80 },
    { "合格", 60 },
    { "不合格", 0 },
  },
  missing = "zero",
  carry_limit = 3,
  budget = { instructions = 1e6, memory_mb = 32 },
}

group "dept"   { name = "市直单位" }
group "county" { name = "县(市、区)及管委会" }

require "calendar"
require "sources"
require "metrics"
require "monitoring"
require "platforms"
require "basic"
require "platform_ye"
require "bonus"
require "additions"
require "schemes"
