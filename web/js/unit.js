// unit.js — the 单位 tab: one unit's total, rank and band, its indicator tree with points, the
// maximum, the points lost and why, the value and sample size behind each, and its score over
// the year's months. A unit's token lands here on its own unit; the server refuses the others.
import { get } from "./api.js";
import { el, num, table, select } from "./dom.js";
import { go } from "./app.js";
import { lineChart } from "./chart.js";
import { pickers, currentScheme } from "./pickers.js";
import { movement } from "./ranking.js";

const STATUS = {
  ok: "", missing: "缺数据", na: "不适用", carried: "沿用上期", no_business: "无相关业务",
  not_submitted: "未报送", error: "计算出错", veto: "否决",
};

function card(k, v) {
  return el("div", { class: "card" }, el("div", { class: "k" }, k), el("div", { class: "v" }, v));
}

// The staff's unit picker (a unit's own user has no choice to make).
async function unitPicker(state, current) {
  const { units } = await get("units");
  const groups = Object.fromEntries(state.rules.groups.map((g) => [g.id, g.name]));
  const opts = [["", "（选择单位）"], ...units.map((u) => [u.id, `${u.name}（${groups[u.group] || u.group}）`])];
  return select(opts, current || "", (v) => v && go("#/unit/" + encodeURIComponent(v)), "单位");
}

function indicatorRows(u) {
  return u.indicators.map((i) => {
    // the engine's note already says why; the status word is for when it says nothing
    const why = [i.note || STATUS[i.status], i.capped ? "已封顶" : "",
      i.carried_from ? `沿用 ${i.carried_from}` : ""].filter(Boolean).join("；");
    return [
      { text: i.name, class: "indent-" + Math.min(i.depth, 4), title: i.id },
      { text: num(i.points), class: "num" },
      { text: num(i.max), class: "num" },
      { text: i.lost ? num(i.lost) : "0", class: i.lost > 0 ? "num lost" : "num" },
      why || "—",
      { text: i.leaf ? num(i.value, 4) : "", class: "num" },
      { text: i.leaf && i.n != null ? i.n : "", class: "num" },
    ];
  });
}

// The total in each month of the year, in one request (GET /units/{unit}/series), skipping
// months without figures (no data yet, or a failed evaluation: their total is null).
async function trend(sch, state, unitId) {
  const q = `scheme=${encodeURIComponent(sch.id)}&year=${encodeURIComponent(state.rules.year)}`;
  const series = await get(`units/${encodeURIComponent(unitId)}/series?${q}`).catch(() => null);
  return ((series && series.periods) || [])
    .filter((p) => p.total != null)
    .map((p) => ({ label: p.period.slice(5) + "月", value: p.total }));
}

export async function render(state, [unitId]) {
  const root = el("div");
  const sch = currentScheme(state);
  const redraw = () => go("#/unit/" + encodeURIComponent(unitId || ""));
  root.append(pickers(state, redraw));
  if (state.me.role !== "unit") root.firstChild.append(await unitPicker(state, unitId));
  if (!unitId) {
    root.append(el("p", null, "请选择一个单位，或在排名表中点击单位。"));
    return root;
  }
  const data = await get(`results/${encodeURIComponent(sch.id)}/${encodeURIComponent(state.period)}/${encodeURIComponent(unitId)}`);
  const u = data.units[0];
  const group = state.rules.groups.find((g) => g.id === u.group);
  // the unit's breakdown carries no ranking rows, so its movement comes from its group's ranking
  const ranked = await get(`rankings/${encodeURIComponent(sch.id)}/${encodeURIComponent(state.period)}?group=${encodeURIComponent(u.group)}`)
    .catch(() => null);
  const row = ((ranked && ranked.groups) || []).flatMap((g) => g.ranking || []).find((r) => r.unit === u.unit);
  root.append(el("h2", null, `${u.name}`, el("span", { class: "muted" }, `　${group ? group.name : u.group} · ${data.scheme.name} · ${data.period}`)));
  root.append(el("div", { class: "cards" },
    card("总分", `${num(u.total)} / ${data.scheme.max}`),
    card("排名", u.rank != null ? `第 ${u.rank} 名` : "未排名"),
    card("等次", u.band || "—"),
    row ? card("名次变化", movement(row).text) : null,
    ...(data.scheme.parts || []).map((p) => card(`${p.name}（×${p.weight}）`, num(u.parts[p.id])))));
  if (u.veto) root.append(el("p", { class: "error" }, "否决项：" + u.veto));
  if (u.note) root.append(el("p", null, "说明：" + u.note));
  if (sch.period === "month") {
    const pts = await trend(sch, state, u.unit);
    root.append(el("h3", null, "月度得分走势"),
      pts.length ? lineChart(pts, data.scheme.max, `${u.name} 月度总分`)
        : el("p", { class: "muted" }, "暂无各月数据。"));
  }
  if (u.indicators) {
    root.append(el("h3", null, "指标得分与失分"),
      el("p", { class: "muted" }, "失分按所属部分的分值折算；数值为指标所依据的数据，样本量为其背后的记录数。"),
      table(["指标", "得分", "满分", "失分", "说明", "数值", "样本量"], indicatorRows(u)));
  } else if (u.sources) {
    root.append(el("h3", null, "构成"), table(["来源", "期次", "得分"],
      Object.entries(u.sources).flatMap(([src, by]) =>
        Object.entries(by).map(([p, v]) => [src, p, { text: num(v), class: "num" }]))));
  }
  return root;
}
