// ranking.js — the 排名 tab: scheme and period pickers, one group at a time, the ranking table
// with each part, the change on the previous month and the movement mark, and a bar chart; for
// staff, on request, the rank intervals under random weights (POST /api/v1/sensitivity).
// Only the group shown is read (GET /rankings/{scheme}/{period}?group=G): at a province's 3,000
// units the whole ranking is megabytes, and the tabs' names come from the rule set.
import { get, post, explain } from "./api.js";
import { el, num, digitsOf, table, tabs, outdatedNote } from "./dom.js";
import { barChart, bandClass, MANY, EDGE } from "./chart.js";
import { rankIntervals } from "./intervals.js";
import { go, pick, unitName } from "./app.js";
import { pickers, currentScheme, periodLabel } from "./pickers.js";
import { unitSearch } from "./search.js";

// ↑n / ↓n / = / 新: readable without colour (a different sign for each, and the words in the
// tooltip); the colour only repeats it.
export function movement(r) {
  if (r.movement === "up") {
    const n = r.previous_rank - r.rank;
    return { text: "↑" + n, class: "mv-up", title: `上升 ${n} 名` };
  }
  if (r.movement === "down") {
    const n = r.rank - r.previous_rank;
    return { text: "↓" + n, class: "mv-down", title: `下降 ${n} 名` };
  }
  if (r.movement === "same") return { text: "=", class: "mv-same", title: "名次不变" };
  return { text: "新", class: "mv-new", title: "新进入排名（上期无排名）" };
}

// The ranking table of group g in a rankings/results answer: 排名, 单位, 总分, each part, 环比,
// 名次变化, 等次. A row whose unit mayOpen(unit) opens that unit's page. On a phone the rank and
// the unit stay in view while the rest scrolls sideways, the unit under its 简称; the 等次 is
// coloured by its place among `bands` (best green, worst red) and always written out. A group
// longer than a page is paged (dom.js table); `current` (a unit id) is marked and its page shown.
export function rankingTable(data, g, mayOpen, bands, caption, current) {
  const parts = data.scheme.parts || [];
  // every points column at one precision: the most decimals any total or part has
  const d = digitsOf(g.ranking.flatMap((r) => [r.total, r.change, ...parts.map((p) => r.parts[p.id])]));
  const fixed = (v) => (v == null || Number.isNaN(v) ? "—" : Number(v).toFixed(d));
  const rows = g.ranking.map((r) => ({
    unit: r.unit,
    class: mayOpen(r.unit) ? "clickable" : null,
    onclick: mayOpen(r.unit) ? () => go("#/unit/" + encodeURIComponent(r.unit)) : null,
    cells: [
      { text: r.rank, class: "num rank" },
      { text: r.name, class: "name", short: unitName(r.unit, true) },
      { text: fixed(r.total), class: "num" },
      ...parts.map((p) => ({ text: fixed(r.parts[p.id]), class: "num" })),
      { text: r.change == null ? "—" : (r.change > 0 ? "+" : "") + fixed(r.change), class: "num" },
      movement(r),
      { text: r.band || "—", class: "band " + bandClass(bands, r.band) },
    ],
  }));
  return table(["排名", "单位", "总分", ...parts.map((p) => `${p.name}（×${p.weight}）`),
    "环比", "名次变化", "等次"], rows, { class: "ranking", caption, current });
}

// The rule set's bands, best first.
export function bandsOf(state) {
  return (state.rules.bands || []).slice().sort((a, b) => b.min - a.min);
}

export async function render(state) {
  const root = el("div");
  const redraw = () => go("#/rank");
  const sch = currentScheme(state);
  root.append(pickers(state, redraw));
  // staff find any unit (its group opens on its page); a unit's own row is always the one marked,
  // and its own group the one it opens on
  const own = state.me.role === "unit";
  const mine = own && state.units.get(state.me.unit);
  const groups = state.rules.groups || [];
  if (!groups.some((g) => g.id === state.group))
    state.group = mine && groups.some((g) => g.id === mine.group) ? mine.group : groups.length ? groups[0].id : null;
  if (!state.group) return root;
  const data = await get(`rankings/${encodeURIComponent(sch.id)}/${encodeURIComponent(state.period)}` +
    `?group=${encodeURIComponent(state.group)}`);
  const g = (data.groups || [])[0];
  if (!own) root.append(search(state, g, redraw));
  const found = own ? state.me.unit : state.found;
  root.append(tabs(groups.map((x) => [x.id, x.name]), state.group, (id) => {
    pick({ group: id });
    redraw();
  }, "groups"));
  if (!g) return root;
  root.append(el("p", { class: "live", role: "note" }, "实时计算结果，未发布，以正式通报为准。"));
  const stale = outdatedNote(data, redraw);
  if (stale) root.append(stale);
  root.append(el("p", { class: "muted" },
    `${data.scheme.name} · ${periodLabel(data.period)}` +
    (data.previous_period ? ` · 环比对照 ${periodLabel(data.previous_period)}` : "") +
    ` · 满分 ${data.scheme.max} · 规则版本 ${data.ruleset.revision.slice(0, 12)}`));
  const bands = bandsOf(state);
  const unranked = (g.unranked || []).find((u) => u.unit === found);
  if (!own && state.found && unranked)
    root.append(el("p", { class: "found-msg", role: "status" }, `${unranked.name}本期未排名（${why(unranked)}）。`));
  const ranked = g.ranking.some((r) => r.unit === found) ? found : null;
  const tableBox = rankingTable(data, g, (u) => state.me.role !== "unit" || u === state.me.unit, bands,
    `${g.name} ${periodLabel(data.period)} 排名（实时）`, ranked);
  root.append(tableBox);
  if (ranked && state.focusFound) {
    // the unit picked in the search box takes the focus once the view is on the page
    state.focusFound = false;
    setTimeout(() => {
      const row = tableBox.querySelector("tr[aria-current]");
      if (row && row.isConnected) row.focus();
    }, 0);
  }
  if (g.unranked && g.unranked.length) {
    // a unit of a ranked = false group is evaluated: its total is shown, only no rank
    root.append(el("p", null, "未排名：", g.unranked.map((u) => `${u.name}（${why(u)}` +
      (u.total != null ? `，总分 ${num(u.total)}` : "") + "）").join("、")));
  }
  if (g.no_business && g.no_business.length)
    root.append(el("p", { class: "muted" },
      `${g.no_business.length} 个单位有指标因无相关业务不考核，分值按比例分配至同级指标。`));
  root.append(el("h3", null, "总分"),
    barChart(g.ranking.map((r) => ({ label: unitName(r.unit, true), value: r.total, band: r.band,
      unit: r.unit, rank: r.rank })), data.scheme.max, `${g.name} ${periodLabel(data.period)} 总分`, bands,
    { current: ranked }));
  if (state.me.role === "admin" || state.me.role === "evaluator")
    root.append(stability(sch.id, data.period, g));
  return root;
}

const WHY = { no_business: "无相关业务", no_data: "无数据", error: "计算出错", not_ranked: "不参与排名" };
function why(u) { return WHY[u.reason] || "未排名"; }

// The search box of the 排名 tab: every unit of the year, each match saying its group, and its
// rank this period when it is in the group shown (the others' ranks are not read); picking one
// opens its group on the page holding its row, marked.
function search(state, g, redraw) {
  const where = new Map();
  for (const r of (g && g.ranking) || []) where.set(r.unit, ` · ${g.name} · 第 ${r.rank} 名`);
  for (const u of (g && g.unranked) || []) where.set(u.unit, ` · ${g.name} · 未排名`);
  const names = new Map((state.rules.groups || []).map((x) => [x.id, x.name]));
  return unitSearch([...state.units.values()], (u) => {
    pick({ found: u.id, group: u.group, focusFound: true });
    redraw();
  }, { describe: (u) => where.get(u.id) || (names.has(u.group) ? " · " + names.get(u.group) : "") });
}

// 排名稳定性: each weight drawn within ±20 % of its nominal value 1,000 times (seed 1, so the
// same figures every time); per unit the 5th–95th percentile rank, the median and how often it
// keeps its band. Computed on request: it re-aggregates the period a thousand times.
function stability(scheme, period, g) {
  const box = el("div", { class: "stability" });
  const out = el("div");
  const button = el("button", { type: "button" }, "计算排名稳定性");
  button.onclick = async () => {
    button.disabled = true;
    out.replaceChildren(el("p", { class: "muted" }, "计算中……"));
    try {
      const q = `scheme=${encodeURIComponent(scheme)}&period=${encodeURIComponent(period)}` +
        "&draws=1000&spread=20&seed=1";
      const a = await post(`sensitivity?${q}`);
      const units = a.units.filter((u) => u.group === g.id && u.rank != null);
      const declared = (a.weights || []).filter((w) => w.declared).length;
      out.replaceChildren(...[
        el("p", { class: "muted" }, `各权重在名义值 ±${Math.round(a.spread * 100)}% 内` +
          (declared ? `（规则声明了区间的 ${declared} 项权重在其声明区间内）` : "") +
          `随机抽取 ${a.draws} 次（种子 ${a.seed}）后的名次：条为 5%–95% 区间，圆点为中位名次，竖线为公布名次。` +
          ((a.unweighted || []).length ? "取最小值（min）的指标没有权重，不参与抽取。" : "")),
        // a long group's chart has its first and last EDGE units; every unit is in the table
        units.length > MANY ? el("p", { class: "muted" }, `图中为前 ${EDGE} 名与后 ${EDGE} 名，全部 ${units.length} 个单位见下表。`) : null,
        rankIntervals(units.length > MANY ? [...units.slice(0, EDGE), ...units.slice(-EDGE)] : units, units.length,
          `${g.name} ${period} 排名区间`),
        table(["排名", "单位", "中位", "5%–95%", "保持等次", "影响最大的权重"], units.map((u) => ({
          unit: u.id,
          cells: [
            { text: u.rank, class: "num" },
            u.name,
            { text: u.median_rank, class: "num" },
            { text: `${u.rank_p05}–${u.rank_p95}`, class: "num" },
            { text: u.band_keep == null ? "—" : (u.band_keep * 100).toFixed(1) + "%", class: "num" },
            u.moved_by.map((m) => {
              const w = a.weights.find((x) => x.id === m.weight);
              return `${w ? w.name : m.weight}（${m.rank_minus}→${m.rank_plus}）`;
            }).join("，") || "—",
          ],
        })))].filter(Boolean));
    } catch (err) {
      out.replaceChildren(el("p", { class: "error" }, explain(err)));
    } finally {
      button.disabled = false;
    }
  };
  box.append(el("h3", null, "排名稳定性"), button, out);
  return box;
}

