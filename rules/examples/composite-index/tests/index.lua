-- 规则测试：综合指数的合成方式、对数门槛值、按数值不适用、不排名的组（期望值按指标说明逐项手算，
-- 算式写在每条期望旁）。数据为虚构。

-- 东湖区一年的完整数据（同 data/2024.csv）。
local EAST = {
  online_share = 0.92, bandwidth = 420, satisfaction = 88, complaints = 3.5,
  training = 0.85, open_data = 76,
}

test "几何平均：维度按 2:1:1 加权几何平均" {
  scheme = "index", period = "year",
  values = { east = EAST },
  -- 带宽 420：(ln 420 − ln 10) ÷ (ln 1000 − ln 10) = ln 42 ÷ ln 100 = 0.811625
  expect.share("east", "bandwidth", 0.811625, 1e-6),
  -- 服务可及 = (2 × 0.92 + 0.811625) ÷ 3 = 0.883875
  expect.points("east", "access", 88.3875, 1e-4),
  -- 投诉 3.5：(ln 50 − ln 3.5) ÷ (ln 50 − ln 1) = 0.679766；满意度 (88 − 60) ÷ 40 = 0.7
  -- 服务质量 = (0.7 + 0.679766) ÷ 2 = 0.689883
  expect.points("east", "quality", 68.9883, 1e-4),
  -- 支撑能力 = 2 ÷ (1/0.85 + 1/0.76) = 0.802484
  expect.points("east", "capacity", 80.2484, 1e-4),
  -- 指数 = 100 × (0.883875² × 0.689883 × 0.802484)^(1/4) = 81.0958 → 81.1
  expect.total("east", 81.1),
  expect.rank("east", 1),
  expect.band("east", "领先"),
  -- 几何平均不是线性的：下级指标不带折算系数，失分记在维度上
  expect.lost("east", "online_share", 0),
}

test "对数门槛值：低于下限按下限、高于上限按上限" {
  scheme = "index", period = "year",
  values = {
    east = { online_share = 1, bandwidth = 100 },   -- (ln 100 − ln 10) ÷ (ln 1000 − ln 10) = 0.5
    west = { online_share = 1, bandwidth = 8 },     -- 按 10 计：0
    north = { online_share = 1, bandwidth = 1500 }, -- 按 1000 计：1
  },
  expect.points("east", "bandwidth", 50, 1e-9),
  expect.value("east", "bandwidth", 100),
  expect.points("west", "bandwidth", 0),
  expect.points("north", "bandwidth", 100),
  -- 服务可及 = (2 × 1 + 0.5) ÷ 3
  expect.points("east", "access", 250 / 3, 1e-9),
}

test "按数值不适用：投诉 −1、开放数据 999 的权重在同级指标间重新归一" {
  scheme = "index", period = "year",
  values = { west = { online_share = 0.75, bandwidth = 60, satisfaction = 81, complaints = -1,
                      training = 0.6, open_data = 999 } },
  expect.status("west", "complaints", "na"),
  expect.note("west", "complaints", "na_when value < 0"),
  expect.status("west", "open_data", "na"),
  -- 服务质量只剩满意度：(81 − 60) ÷ 40 = 0.525；支撑能力只剩培训覆盖率 0.6
  expect.points("west", "quality", 52.5, 1e-9),
  expect.points("west", "satisfaction", 52.5, 1e-9),
  expect.points("west", "capacity", 60, 1e-9),
  -- 带宽 60：ln 6 ÷ ln 100 = 0.389076；服务可及 (1.5 + 0.389076) ÷ 3 = 0.629692
  -- 指数 = 100 × (0.629692² × 0.525 × 0.6)^(1/4) = 59.4486 → 59.4
  expect.total("west", 59.4),
}

test "调和平均与几何平均遇 0 得 0；缺数不适用" {
  scheme = "index", period = "year",
  values = {
    east = EAST,
    south = { online_share = 0.66, bandwidth = 8, satisfaction = 92, complaints = 0.5,
              training = 0, open_data = 55 },
    hill = { online_share = 0.97, bandwidth = 250, satisfaction = 95, complaints = 2,
             open_data = 92 },
  },
  -- 培训覆盖率 0：调和平均为 0，指数（几何平均）为 0
  expect.points("south", "capacity", 0),
  expect.note("south", "capacity", "调和平均为0"),
  expect.total("south", 0),
  expect.note("south", "index", "几何平均为0"),
  expect.rank("south", 3),                         -- 东湖 81.1、青山之后
  -- 青山区没有培训数据（本规则集缺数默认不适用）：支撑能力只剩开放数据 0.92
  expect.status("hill", "training", "na"),
  expect.points("hill", "capacity", 92, 1e-9),
}

test "不排名的组：合作与观察单位有总分、无名次" {
  scheme = "index", period = "year",
  values = {
    uni = { online_share = 0.7, bandwidth = 300, satisfaction = 85, complaints = 5,
            training = 0.5, open_data = 60 },
  },
  -- 服务可及 (1.4 + ln 30 ÷ ln 100) ÷ 3 = (1.4 + 0.738561) ÷ 3 = 0.712854
  -- 服务质量 (0.625 + 1 − ln 5 ÷ ln 50) ÷ 2 = (0.625 + 0.588592) ÷ 2 = 0.606796
  -- 支撑能力 2 ÷ (1/0.5 + 1/0.6) = 0.545455
  -- 指数 100 × (0.712854² × 0.606796 × 0.545455)^(1/4) = 64.0399 → 64.0
  expect.total("uni", 64.0),
  expect.unranked("uni"),
}

-- 韧性筛查：两项取最小值；可用时长组内缩尾（两端各 20%）后按极差计分。
test "最小值与缩尾" {
  scheme = "screen", period = "year",
  values = {
    east = { uptime = 998, recovery = 2 }, west = { uptime = 990, recovery = 12 },
    north = { uptime = 940, recovery = 30 }, south = { uptime = 999, recovery = 6 },
    river = { uptime = 700, recovery = 60 }, hill = { uptime = 996, recovery = 1 },
  },
  -- 6 个单位，k = ⌊0.2 × 6⌋ = 1：最低的 700 按 940 计，最高的 999 按 998 计；极差 940–998
  expect.note("river", "uptime", "700按本组下限940计分"),
  expect.points("river", "uptime", 0),
  expect.points("south", "uptime", 100),
  -- 西岭 (990 − 940) ÷ 58 = 0.862069；恢复 12 小时：1 − (12 − 1) ÷ 47 = 0.765957，取小者
  expect.points("west", "uptime", 5000 / 58, 1e-9),
  expect.points("west", "recovery", 100 * (1 - 11 / 47), 1e-9),
  expect.total("west", 76.6),
  -- 北港 可用 0；恢复 30 小时 0.382979：取 0
  expect.total("north", 0),
  -- 青山 (996 − 940) ÷ 58 = 0.965517，恢复 1 小时 1：96.551724 → 96.6
  expect.total("hill", 96.6),
}

test "四舍六入五成双：62.25 记 62.2" {
  scheme = "screen", period = "year",
  values = {
    east = { uptime = 249, recovery = 1 },   -- (249 − 0) ÷ 400 = 0.6225，恢复满分：62.25
    west = { uptime = 0, recovery = 1 },
    north = { uptime = 400, recovery = 1 },
  },
  -- 3 个单位：k = ⌊0.6⌋ = 0，不缩尾
  expect.points("east", "resilience", 62.25, 1e-9),
  expect.total("east", 62.2, 0),
}
