// unit.js — the 单位 tab: one unit's total, rank and band, the items that cost its total
// (biggest loss of the total first), its indicator tree with points, the maximum, the points lost
// on the total's scale and the part's, the value in its unit, the rule and a 说明 in words, what
// would regain the points, and its score over the year's months. A unit's token lands here on its
// own unit; the server refuses the others.
//
// The page is drawn as soon as the period's breakdown is in (one request); what else it shows
// comes after, each part in its own box marked aria-busy until it is there: the year's trend
// (GET /units/{unit}/series, one request for the twelve months), the movement (名次变化: the
// unit's own line of its group's ranking, GET /units/{unit}/ranking, never the whole group, which
// is thousands of rows in a province) and the 问题清单 flags. Staff find a unit with the search
// box (name, 简称 or code).
import { get, explain } from "./api.js";
import { el, num, table, select, LONG, outdatedNote } from "./dom.js";
import { unitSearch } from "./search.js";
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

// The staff's ways to a unit (a unit's own user has no choice to make): the search box, and for a
// set of a few dozen units the list as well (a list of thousands is no way to find one).
function unitPicker(state, current) {
  const units = [...state.units.values()];
  const groups = Object.fromEntries(state.rules.groups.map((g) => [g.id, g.name]));
  const open = (id) => go("#/unit/" + encodeURIComponent(id));
  const opts = [["", "（选择单位）"], ...units.map((u) => [u.id, `${u.name}（${groups[u.group] || u.group}）`])];
  return [units.length <= LONG ? select(opts, current || "", (v) => v && open(v), "单位") : null,
    unitSearch(units, (u) => open(u.id), { describe: (u) => " · " + (groups[u.group] || u.group) })];
}

// A part of the page that comes after the page is drawn: marked busy, saying it is loading,
// until fill(nodes) puts its content in.
function later(tag, attrs, loading) {
  const box = el(tag, { ...attrs, "aria-busy": "true" }, loading ? el("p", { class: "muted" }, loading) : null);
  box.fill = (...nodes) => {
    box.replaceChildren(...nodes.flat().filter((n) => n != null));
    box.removeAttribute("aria-busy");
  };
  return box;
}

// The rows as officials read them (the breakdown's "rows", core/report/issues_list.c): lost
// points on the total's scale first, the part's own beside it, the value in its unit, the rule
// and a 说明 in words, and what would regain the points. An older host without "rows" falls back
// to the indicator tree's own figures.
function lostText(v) { return v > 0.00005 ? num(v) : "0"; }

function indicatorRows(u) {
  const byId = Object.fromEntries((u.rows || []).map((r) => [r.indicator, r]));
  return u.indicators.map((i) => {
    const r = byId[i.id] || {};
    const why = [r.why || i.note || STATUS[i.status], i.capped ? "已封顶" : "",
      i.carried_from ? `沿用 ${i.carried_from}` : ""].filter(Boolean).join("；");
    const total = r.lost_total != null ? r.lost_total : null;
    return [
      { text: i.name, class: "indent-" + Math.min(i.depth, 4), title: i.id },
      { text: num(i.points), class: "num" },
      { text: num(i.max), class: "num" },
      { text: total != null ? lostText(total) : "—", class: total > 0.00005 ? "num lost" : "num" },
      { text: lostText(i.lost), class: "num muted" },
      { text: r.value_text || (i.leaf ? num(i.value, 4) : ""), class: "num" },
      { text: i.leaf && i.n != null ? i.n : "", class: "num" },
      r.rule || "",
      why || "—",
      r.regain || "",
    ];
  });
}

// The items that cost the total, biggest loss of the total first: what a unit reads first.
function lossTable(u) {
  const items = (u.issues || []).slice().sort((a, b) => (b.lost_total ?? b.lost_part) - (a.lost_total ?? a.lost_part));
  if (!items.length) return el("p", { class: "muted" }, "本期没有失分项。");
  return withId("unit-losses", table(["失分项", "总分失分", "部分失分", "数值", "评分规则", "如何挽回失分"],
    items.map((x) => ({
      cells: [
        { text: x.name, title: x.indicator },
        { text: x.lost_total != null ? num(x.lost_total) : "—", class: "num lost" },
        { text: num(x.lost_part), class: "num muted" },
        { text: x.value_text || "—", class: "num" },
        x.rule || "",
        x.regain || "",
      ],
      class: "issue-row",
    }))));
}

function withId(id, node) {
  node.id = id;
  return node;
}

// The total in each month of the year, in one request (GET /units/{unit}/series), skipping
// months without figures (no data yet, or a failed evaluation: their total is null).
// The answer's `outdated` (X-Pinggu-Outdated) is kept on the points: a month among them may be
// served while its re-score runs.
async function trend(sch, state, unitId) {
  const q = `scheme=${encodeURIComponent(sch.id)}&year=${encodeURIComponent(state.rules.year)}`;
  const series = await get(`units/${encodeURIComponent(unitId)}/series?${q}`);
  const pts = (series.periods || [])
    .filter((p) => p.total != null)
    .map((p) => ({ label: p.period.slice(5) + "月", value: p.total }));
  if (series.outdated) Object.defineProperty(pts, "outdated", { value: series.outdated });
  return pts;
}

export async function render(state, [unitId]) {
  const root = el("div");
  const sch = currentScheme(state);
  const redraw = () => go("#/unit/" + encodeURIComponent(unitId || ""));
  root.append(pickers(state, redraw));
  if (state.me.role !== "unit") root.firstChild.append(...unitPicker(state, unitId).filter(Boolean));
  if (!unitId) {
    root.append(el("p", null, "请选择一个单位（可按名称、简称或代码查找），或在排名表中点击单位。"));
    return root;
  }
  // the only wait before the page draws: this period's breakdown
  const base = `${encodeURIComponent(sch.id)}/${encodeURIComponent(state.period)}`;
  const data = await get(`results/${base}/${encodeURIComponent(unitId)}`);
  const u = data.units[0];
  const group = state.rules.groups.find((g) => g.id === u.group);
  root.append(el("h2", null, `${u.name}`, el("span", { class: "muted" }, `　${group ? group.name : u.group} · ${data.scheme.name} · ${data.period}`)));
  const stale = outdatedNote(data, redraw);
  if (stale) root.append(stale);
  // 名次变化: the unit's own ranking line (its previous rank), read on its own
  const moved = later("div", { class: "card", id: "unit-movement" });
  moved.append(el("div", { class: "k" }, "名次变化"), el("div", { class: "v muted" }, "…"));
  root.append(el("div", { class: "cards" },
    card("总分", `${num(u.total)} / ${data.scheme.max}`),
    card("排名", u.rank != null ? `第 ${u.rank} 名` : "未排名"),
    card("等次", u.band || "—"),
    moved,
    ...(data.scheme.parts || []).map((p) => card(`${p.name}（×${p.weight}）`, num(u.parts[p.id])))));
  const q = `scheme=${encodeURIComponent(sch.id)}&period=${encodeURIComponent(state.period)}`;
  get(`units/${encodeURIComponent(u.unit)}/ranking?${q}`).then((own) => {
    const row = (own.groups || []).flatMap((g) => g.ranking || []).find((r) => r.unit === u.unit);
    if (row) moved.fill(el("div", { class: "k" }, "名次变化"), el("div", { class: "v" }, movement(row).text));
    else moved.remove();
  }, () => moved.remove());
  if (u.veto) root.append(el("p", { class: "error" }, "否决项：" + u.veto));
  if (u.note) root.append(el("p", null, "说明：" + u.note));
  if (sch.period === "month") {
    const box = later("section", { class: "trend", id: "unit-trend" }, "正在载入各月得分……");
    root.append(el("h3", null, "月度得分走势"), box);
    // a month served while its re-score runs: said above the chart (and the page read again),
    // unless the page says so already
    trend(sch, state, u.unit).then((pts) => box.fill(stale ? null : outdatedNote(pts, redraw),
      pts.length ? lineChart(pts, data.scheme.max, `${u.name} 月度总分`)
      : el("p", { class: "muted" }, "暂无各月数据。")),
    (e) => box.fill(el("p", { class: "muted" }, "各月得分未能载入：" + explain(e))));
  }
  if (u.indicators) {
    // the 整改 flags of this period's items (问题清单): overdue, and lost three months running
    const flags = later("div", { id: "unit-flags-box" });
    root.append(flags);
    get(`issues/${base}?unit=${encodeURIComponent(u.unit)}`).then((iss) => {
      if (!iss || !(iss.overdue || iss.recurring)) return flags.fill();
      const said = [iss.overdue ? `${iss.overdue} 项逾期未整改` : "", iss.recurring ? `${iss.recurring} 项连续 3 个月失分` : ""];
      flags.fill(el("p", { class: "banner", role: "status", id: "unit-flags" },
        `问题清单：${said.filter(Boolean).join("，")}。`, el("a", { href: "#/issues/" + encodeURIComponent(u.unit) }, "查看并整改")));
    }, () => flags.fill());
    const lost = (u.issues || []).reduce((a, x) => a + (x.lost_total || 0), 0);
    root.append(el("h3", null, "失分项（按对总分的影响从大到小）"),
      el("p", { class: "muted" }, `本期失分项合计使总分减少 ${num(lost)} 分。`,
        el("a", { href: "#/issues/" + encodeURIComponent(u.unit) }, "查看问题清单与整改"), "。"),
      lossTable(u));
    root.append(el("h3", null, "指标得分与失分"),
      el("p", { class: "muted" }, "总分失分为该项使单位总分减少的分数；部分失分按所属部分（如常态化监测）的分值计。数值为指标所依据的数据，样本量为其背后的记录数。"),
      // the indicator tree stays whole: its length is the rule set's, not the number of units
      withId("unit-indicators", table(["指标", "得分", "满分", "总分失分", "部分失分", "数值", "样本量", "评分规则", "说明", "如何挽回失分"],
        indicatorRows(u), { pageSize: Infinity })));
  } else if (u.sources) {
    root.append(el("h3", null, "构成"), table(["来源", "期次", "得分"],
      Object.entries(u.sources).flatMap(([src, by]) =>
        Object.entries(by).map(([p, v]) => [src, p, { text: num(v), class: "num" }]))));
  }
  return root;
}
