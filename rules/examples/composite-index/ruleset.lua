-- 示例规则集：城市数字服务综合指数（虚构）
--
-- 一个虚构的指标体系和虚构的数据，不是任何已公布指数的复制。它演示 pinggu 作为综合指数引擎的
-- 几种写法（docs/rules.md，“Aggregation operators” 与 “Values before the method”）：
--   * 几何平均合成（aggregate = "geomean"）：三个维度按权重 2:1:1 几何平均，任一维度为 0 则指数为 0；
--   * 维度内的加权算术平均（"mean"）与调和平均（"harmonic"），以及筛查方案中的最小值（"min"）；
--   * 对数门槛值（transform = { log = true, floor, cap } 与 linear）：(ln x − ln 下限) ÷ (ln 上限 − ln 下限)；
--   * 按数值判定不适用（na_when）：调查缺失记作 −1，开放数据未统计记作 999，权重在同级指标间重新归一；
--   * 相对方法前的缩尾（winsor）；
--   * 四舍六入五成双（rounding_mode = "half_even"）；
--   * 只评估、不排名的组（group { ranked = false }）：合作单位与观察单位。
-- 指数总分 = 100 × 维度得分率的加权几何平均；各维度、各指标的分值都是 100，只表示各自的尺度。

ruleset {
  id = "composite-index",
  name = "城市数字服务综合指数（示例）",
  year = 2024,
  timezone = "Asia/Shanghai",
  rounding = 1,
  rounding_mode = "half_even",
  ranking = "competition",
  bands = { { "领先", 70 }, { "良好", 50 }, { "待提升", 0 } },
  missing = "not_applicable",
}

group "district" { name = "城区" }
group "partner"  { name = "合作与观察单位", ranked = false }

require "metrics"
require "index"
require "screen"
