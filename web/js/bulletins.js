// bulletins.js — the 通报 tab: the published bulletins and their revisions (#/bulletins), and one
// bulletin (#/bulletin/<scheme>/<period>[/<revision>]): who published it and why, its other
// revisions, the ranking of each group with movement, and the points each unit lost. What a
// bulletin holds is filtered by the server per role: staff see every unit's lost points, a unit
// its own, a viewer the rankings only. A published bulletin is frozen, so this page shows exactly
// what was circulated; the 排名 tab shows the live evaluation.
// Staff and viewers read the bulletin whole. A unit's user reads it in parts (at 3,003 units the
// whole view is 1 MB, most of it other groups' rankings): the summary first (who, when, why, the
// revisions and the groups), then its own group's ranking and its own lost points, each drawn
// when it comes; every other group's ranking is read when its section is opened.
import { get, post, explain, periodsOf, defaultPeriod, download } from "./api.js";
import { el, num, table, select, when, pager, LONG } from "./dom.js";
import { go } from "./app.js";
import { rankingTable, bandsOf } from "./ranking.js";
import { periodLabel } from "./pickers.js";
import { unitSearch } from "./search.js";

const EMPTY = "尚无已发布的通报";
const STAFF = ["admin", "evaluator"];

function schemeName(state, id) {
  const s = state.rules.schemes.find((x) => x.id === id);
  return s ? s.name : id;
}

function href(b, revision) {
  return `#/bulletin/${encodeURIComponent(b.scheme)}/${encodeURIComponent(b.period)}` +
    (revision != null ? "/" + encodeURIComponent(revision) : "");
}

// The list, or [] when there is none yet — also when the server has no bulletins at all (404).
async function listOf(query) {
  try {
    const { bulletins } = await get("bulletins" + query);
    return bulletins || [];
  } catch (e) {
    if (e.status === 404) return [];
    throw e;
  }
}

// Staff publish the current evaluation of a period as its bulletin (a new revision when it
// was published before).
function publishForm(state) {
  const monthly = state.rules.schemes.find((s) => s.period === "month") || state.rules.schemes[0];
  const pick = { scheme: monthly.id, period: defaultPeriod(monthly, state.rules.year) };
  const status = el("span", { class: "muted", role: "status" });
  const reason = el("input", { type: "text", "aria-label": "发布说明", placeholder: "说明（更正时必填）", size: 24 });
  const periodBox = el("span");
  const drawPeriods = () => {
    const sch = state.rules.schemes.find((s) => s.id === pick.scheme);
    const ps = periodsOf(sch, state.rules.year);
    if (!ps.includes(pick.period)) pick.period = defaultPeriod(sch, state.rules.year);
    periodBox.replaceChildren(select(ps.map((p) => [p, periodLabel(p)]), pick.period, (v) => { pick.period = v; }, "期次"));
  };
  drawPeriods();
  const button = el("button", { type: "submit" }, "发布通报");
  const form = el("form", { class: "pickers publish", onsubmit: async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    status.textContent = "发布中…";
    const body = { scheme: pick.scheme, period: pick.period };
    if (reason.value.trim()) body.reason = reason.value.trim();
    try {
      const r = await post("bulletins", body);
      const b = (r && r.bulletin) || body;
      go(href(b, b.revision));
    } catch (e) {
      status.textContent = explain(e);
      status.className = "error";
      button.disabled = false;
    }
  } },
  select(state.rules.schemes.map((s) => [s.id, s.name]), pick.scheme, (v) => {
    pick.scheme = v;
    drawPeriods();
  }, "方案"), periodBox, reason, button, status);
  return el("div", null, el("h3", null, "发布"), form);
}

async function list(state) {
  const root = el("div", null, el("h2", null, "已发布的通报"));
  const staff = STAFF.includes(state.me.role);
  if (staff) root.append(publishForm(state));
  const all = await listOf("");
  if (!all.length) {
    root.append(el("p", { class: "empty" }, EMPTY + "。" +
      (staff ? "可在上方发布某一期的通报；“评估记录”标签列出各期的评估（草稿）。" : "")));
    return root;
  }
  // newest period first; within a period the latest revision first
  const rows = all.slice().sort((a, b) => (b.period + b.scheme).localeCompare(a.period + a.scheme) ||
    b.revision - a.revision);
  const latest = new Map();
  for (const b of rows) if (!latest.has(b.scheme + "/" + b.period)) latest.set(b.scheme + "/" + b.period, b.revision);
  root.append(table(["方案", "期次", "版本", "发布人", "发布时间", "说明", "规则版本"],
    rows.map((b) => ({
      class: "clickable",
      onclick: () => go(href(b, b.revision)),
      cells: [schemeName(state, b.scheme), periodLabel(b.period),
        `第 ${b.revision} 版` + (latest.get(b.scheme + "/" + b.period) === b.revision ? "（现行）" : "（已更正）"),
        b.published_by || "—", when(b.published_at), b.reason || "—",
        (b.rules_revision || "").slice(0, 12)],
    }))));
  return root;
}

// What a correction changed from the revision before, as the server computed it (the
// `pinggu diff --format json` shape, cut to the units that changed): per group, each unit's
// total, rank and band before and after, and the indicators behind the change.
function changesOf(changes) {
  if (changes == null || typeof changes !== "object") return null;
  const from = changes.from_revision != null ? `第 ${changes.from_revision} 版` : "上一版";
  const to = changes.to_revision != null ? `第 ${changes.to_revision} 版` : "本版";
  const root = el("div", { class: "changes" }, el("h3", null, `本版更改（${from} → ${to}）`));
  const groups = (changes.groups || []).filter((g) => g.units && g.units.length);
  if (!groups.length) {
    root.append(el("p", null, "各单位的得分、名次和等次均无变化。"));
    return root;
  }
  const side = (x, k) => (x && x[k] != null ? (k === "total" ? num(x[k]) : x[k]) : "—");
  for (const g of groups)
    root.append(el("h4", null, g.name || g.id), table(["单位", "总分", "名次", "等次", "原因（指标得分变化）"],
      g.units.map((u) => [
        u.name || u.unit,
        { text: `${side(u.a, "total")} → ${side(u.b, "total")}`, class: "num" },
        { text: `${side(u.a, "rank")} → ${side(u.b, "rank")}`, class: "num" },
        `${side(u.a, "band")} → ${side(u.b, "band")}`,
        (u.causes || []).map((c) => `${c.name || c.indicator} ${num(c.a)} → ${num(c.b)}`).join("；") || "—",
      ])));
  return root;
}

// The leaves a unit lost points on, biggest loss first.
function lostRows(u) {
  return (u.indicators || []).filter((i) => i.leaf && i.lost > 0)
    .sort((a, b) => b.lost - a.lost)
    .map((i) => [
      { text: i.name, title: i.id },
      { text: num(i.max), class: "num" },
      { text: num(i.points), class: "num" },
      { text: num(i.lost), class: "num lost" },
      i.note || "—",
      { text: num(i.value, 4), class: "num" },
      { text: i.n != null ? i.n : "", class: "num" },
    ]);
}

// Each unit's lost points, one <details> a unit. Past LONG units, a unit's table is built when it
// is opened, and the units are shown a page at a time, so 3,003 units are not 3,003 tables in the
// page. The node has show(unit): the page holding that unit, its details opened.
function unitLosses(state, result) {
  const units = result.units || [];
  if (!units.length) return null;
  const own = state.me.role === "unit";
  const list = el("div");
  const root = el("div", { class: "losses" }, el("h3", null, own ? "本单位失分明细" : "各单位失分明细"),
    el("p", { class: "muted" }, "失分按所属部分的分值折算，最多的在前；数值为指标所依据的数据，样本量为其背后的记录数。"),
    list);
  const one = (u, open) => {
    const rows = lostRows(u);
    const summary = el("summary", null, `${u.name}　总分 ${num(u.total)}` +
      (u.rank != null ? ` · 第 ${u.rank} 名` : " · 未排名") + (u.band ? ` · ${u.band}` : "") +
      ` · 失分指标 ${rows.length} 项`);
    const d = el("details", { "data-unit": u.unit }, summary);
    const fill = () => {
      if (d.childElementCount > 1) return;
      d.append(rows.length ? table(["指标", "满分", "得分", "失分", "原因", "数值", "样本量"], rows, { pageSize: Infinity })
        : el("p", null, "没有失分。"));
    };
    d.addEventListener("toggle", () => { if (d.open) fill(); });
    if (open || units.length <= LONG) fill();
    if (open) d.open = true;
    return d;
  };
  const size = LONG, pages = Math.ceil(units.length / size);
  let p = null;
  const turn = (to, openUnit) => {
    const page = Math.max(0, Math.min(pages - 1, to));
    list.replaceChildren(...units.slice(page * size, (page + 1) * size)
      .map((u) => one(u, own || units.length === 1 || u.unit === openUnit)));
    if (p) p.update(page);
  };
  if (pages > 1) {
    p = pager(pages, units.length, size, (to) => turn(to), "各单位失分明细");
    root.append(p);
  }
  turn(0);
  root.show = (id) => {
    const i = units.findIndex((u) => u.unit === id);
    if (i >= 0) turn(Math.floor(i / size), id);
    return list.querySelector(`details[data-unit="${CSS.escape(id)}"]`);
  };
  return root;
}

// The bulletin's search box: a unit by name, 简称 or code, found in its group's table (the page
// holding its row, marked and focused) and, for staff and the unit itself, its lost points opened.
function findUnit(state, groups, tables, losses) {
  const where = new Map();
  for (const g of groups) {
    for (const r of g.ranking || []) where.set(r.unit, { g, text: ` · ${g.name} · 第 ${r.rank} 名` });
    for (const u of g.unranked || []) where.set(u.unit, { g, text: ` · ${g.name} · 未排名` });
  }
  const units = [...where.keys()].map((id) => {
    const known = state.units.get(id) || {};
    const row = where.get(id).g.ranking.find((r) => r.unit === id) || (where.get(id).g.unranked || []).find((x) => x.unit === id);
    return { ...known, id, name: (row && row.name) || known.name || id };
  });
  const status = el("p", { class: "found-msg", role: "status" });
  const box = unitSearch(units, (u) => {
    const t = tables.get(where.get(u.id).g.id);
    const row = t && t.show(u.id);
    if (losses) losses.show(u.id);
    status.textContent = row ? "" : `${u.name}本期未排名。`;
    if (row) {
      row.scrollIntoView({ block: "center" });
      row.focus({ preventScroll: true });
    }
  }, { describe: (u) => where.get(u.id).text });
  box.append(status);
  return box;
}

// A part of the page read after the page is drawn: marked busy, saying it is loading, until
// fill(nodes) puts its content in.
function later(tag, attrs, loading) {
  const box = el(tag, { ...attrs, "aria-busy": "true" }, el("p", { class: "muted" }, loading));
  box.fill = (...nodes) => {
    box.replaceChildren(...nodes.flat().filter((n) => n != null));
    box.removeAttribute("aria-busy");
  };
  return box;
}

// One group's ranking as the bulletin has it: its table (the unit's own row marked) and who is
// not ranked.
function groupRanking(state, summary, g, period) {
  const own = state.me.unit;
  const t = rankingTable(summary, g, (u) => u === own, bandsOf(state), `${g.name} ${periodLabel(period)} 排名`,
    (g.ranking || []).some((r) => r.unit === own) ? own : null);
  return [t, g.unranked && g.unranked.length ? el("p", null, "未排名：", g.unranked.map((u) => u.name).join("、")) : null];
}

// A unit's user: the parts after the summary. Its own group's ranking and its own lost points are
// read at once, side by side; each other group's ranking when its section is opened.
function unitParts(state, root, path, summary, b) {
  const mine = state.units.get(state.me.unit);
  const groups = summary.groups || [];
  const ownGroup = groups.find((g) => mine && g.id === mine.group);
  const read = (q) => get(`${path}?${q}`);
  const failed = (box, what) => (e) => box.fill(el("p", { class: "error" }, `${what}未能载入：${explain(e)}`));
  if (ownGroup) {
    const box = later("section", { class: "own-group", "data-group": ownGroup.id }, "正在载入本组排名……");
    root.append(el("h3", null, `${ownGroup.name} 排名`), box);
    read(`group=${encodeURIComponent(ownGroup.id)}`).then((d) =>
      box.fill(groupRanking(state, summary, d.group, b.period)), failed(box, "本组排名"));
  }
  const losses = later("section", { class: "own-losses" }, "正在载入本单位失分明细……");
  root.append(losses);
  read(`unit=${encodeURIComponent(state.me.unit)}`).then((d) =>
    losses.fill(unitLosses(state, { units: [d.unit] })), (e) => {
    if (e.status === 404) losses.fill(el("p", { class: "muted" }, "本期通报不含本单位。"));
    else failed(losses, "本单位失分明细")(e);
  });
  for (const g of groups.filter((x) => x !== ownGroup)) {
    const body = el("div", null, el("p", { class: "muted" }, "展开后载入。"));
    const d = el("details", { class: "other-group", "data-group": g.id },
      el("summary", null, `${g.name} 排名（${g.ranked} 个单位排名` + (g.unranked ? `，${g.unranked} 个未排名` : "") + "）"), body);
    let asked = false;
    d.addEventListener("toggle", () => {
      if (!d.open || asked) return;
      asked = true;
      const box = later("div", null, "正在载入……");
      body.replaceChildren(box);
      read(`group=${encodeURIComponent(g.id)}`).then((x) => box.fill(groupRanking(state, summary, x.group, b.period)),
        (e) => { asked = false; failed(box, `${g.name} 排名`)(e); });
    });
    root.append(d);
  }
}

async function view(state, [scheme, period, revision]) {
  const path = `bulletins/${encodeURIComponent(scheme)}/${encodeURIComponent(period)}` +
    (revision ? "/" + encodeURIComponent(revision) : "");
  const own = state.me.role === "unit" ? state.me.unit : null;
  let data;
  try {
    data = await get(own ? path + "?part=summary" : path);
  } catch (e) {
    if (e.status !== 404) throw e;
    return el("div", null, el("p", null, el("a", { href: "#/bulletins" }, "← 全部通报")),
      el("p", { class: "empty" }, `${schemeName(state, scheme)} ${period}：${EMPTY}。`));
  }
  const b = data.bulletin;
  const result = (own ? data.summary : data.result) || {};
  const revisions = (data.revisions || []).slice().sort((x, y) => x.revision - y.revision);
  const latest = revisions.length ? revisions[revisions.length - 1].revision : b.revision;
  const root = el("div", { class: "bulletin" });
  root.append(el("p", null, el("a", { href: "#/bulletins" }, "← 全部通报")),
    el("h2", null, `${schemeName(state, b.scheme)} ${periodLabel(b.period)} 通报`,
      el("span", { class: "muted" }, `　第 ${b.revision} 版` + (b.revision === latest ? "（现行）" : "（已被更正）"))),
    el("p", { class: "muted" }, `发布人 ${b.published_by || "—"} · 发布时间 ${when(b.published_at)}` +
      ` · 评估 ${b.run != null ? b.run : "—"} · 规则版本 ${(b.rules_revision || "").slice(0, 12)}` +
      (result.previous_period ? ` · 环比对照 ${periodLabel(result.previous_period)}` : "")));
  if (b.reason) root.append(el("p", null, (b.revision > 1 ? "更正原因：" : "说明：") + b.reason));
  if (state.me.role !== "unit") root.append(await documents(b, state));
  const changes = changesOf(b.changes);
  if (changes) root.append(changes);
  if (revisions.length > 1)
    root.append(el("p", { class: "revisions" }, "各版本：", revisions.map((r) =>
      r.revision === b.revision ? el("strong", null, ` 第 ${r.revision} 版 `)
        : el("a", { href: href(b, r.revision) }, ` 第 ${r.revision} 版（${when(r.published_at)}）`))));
  if (own) {
    unitParts(state, root, path, result, b);
    return root;
  }
  const groups = result.groups || [];
  const mayOpen = () => state.me.role !== "viewer";
  const tables = new Map();
  const at = root.childElementCount; // the search box goes here, once the tables are made
  for (const g of groups) {
    const t = rankingTable(result, g, mayOpen, bandsOf(state), `${g.name} ${periodLabel(b.period)} 排名`, null);
    tables.set(g.id, t);
    root.append(el("h3", null, `${g.name} 排名`), t);
    if (g.unranked && g.unranked.length)
      root.append(el("p", null, "未排名：", g.unranked.map((u) => u.name).join("、")));
  }
  const losses = unitLosses(state, result);
  if (losses) root.append(losses);
  // staff and viewers find any unit (a unit's user has its own row marked: unitParts)
  if (groups.length) root.insertBefore(findUnit(state, groups, tables, losses), root.children[at]);
  return root;
}

// The documents the publish wrote (HTML, PDF, CSV, XLSX), as download buttons: the API wants
// the token in a header, so a plain link cannot fetch them. A large group's 附件 of its units'
// sections (<basename>-units-<group>.html and its PDF) is named by its group.
const KIND = { "text/html": "网页版", "application/pdf": "PDF 版", "text/csv": "表格（CSV）",
  "application/json": "数据（JSON）" };
async function documents(b, state) {
  const box = el("p", { class: "documents" }, "通报文件：");
  const base = `bulletins/${encodeURIComponent(b.scheme)}/${encodeURIComponent(b.period)}/${b.revision}/documents`;
  let list = [];
  try {
    ({ documents: list } = await get(base));
  } catch (e) {
    box.append(el("span", { class: "muted" }, explain(e)));
    return box;
  }
  const order = (d) => ["application/pdf", "text/html"].indexOf(d.type.split(";")[0]) + 1 || 9;
  for (const d of list.slice().sort((x, y) => order(x) - order(y) || x.name.localeCompare(y.name))) {
    const type = d.type.split(";")[0];
    const group = /-(\w+)\.csv$/.exec(d.name);
    const annex = /-units-([\w-]+)\.(html|pdf)$/.exec(d.name);
    const gname = annex && ((state.rules.groups || []).find((g) => g.id === annex[1]) || { name: annex[1] }).name;
    const label = annex ? `${gname}各单位明细（${KIND[type]}）`
      : type.includes("spreadsheet") ? "表格（XLSX）"
      : type === "text/csv" && group ? (group[1] === "lost" ? "失分明细（CSV）" : `排名（CSV，${group[1] === "county" ? "县区" : group[1] === "dept" ? "市直" : "分组"}）`)
        : KIND[type] || "文件";
    const status = el("span", { class: "muted", role: "status" });
    box.append(el("button", { type: "button", class: "doc", "data-name": d.name, onclick: async (ev) => {
      ev.target.disabled = true;
      status.textContent = type === "application/pdf" && d.bytes == null ? "正在生成 PDF…" : "下载中…";
      try {
        await download(`${base}/${encodeURIComponent(d.name)}`, d.name);
        status.textContent = "";
      } catch (e) {
        status.textContent = explain(e);
      }
      ev.target.disabled = false;
    } }, label), status, " ");
  }
  return box;
}

export async function render(state, args) {
  if (args.length >= 2) return view(state, args);
  return list(state);
}
