// rules.js — the 规则 tab (staff): the rule set being served, its schemes with part weights,
// the indicator tree with points per group and method, the hot-reload status, and the record of
// rule changes (GET /rules/changes): each swap with who made it and every change in words, each
// failed reload with its file:line.
// Staff edit points, part weights and method parameters here (issue 17 §4): each number is an
// input; 预览 shows the units whose rank or band would move (POST /rules/preview with the edit
// as JSON); 保存 writes the Lua files (POST /rules/edits, with the content hash the page was
// built from, so an edit made on an out-of-date page is refused) with the chosen effective month;
// in two-person mode it is 提交审批 instead, and the pending proposals are listed with 批准 /
// 驳回 for another person and 撤回 for their author.
import { ApiError, explain, get, post } from "./api.js";
import { el, num, table, when } from "./dom.js";

const PARAMS = { linear: ["lo", "hi"], target: ["target"], zscore: ["base", "per_sd"],
  deduct: ["per", "free"], per_event: ["per", "free"], steps: ["otherwise"], rank: ["rest"] };

// An input for one value; `key` names it for the edit (and for scripts and tests).
function input(key, value, edits) {
  return el("input", { type: "number", step: "any", value: String(value),
    class: "edit-num", "data-edit": key, "aria-label": key,
    oninput: (ev) => {
      const v = ev.target.value === "" ? NaN : Number(ev.target.value);
      if (v === value || Number.isNaN(v)) edits.delete(key);
      else edits.set(key, v);
      ev.target.classList.toggle("changed", edits.has(key));
    } });
}

// The edit as POST /rules/edits takes it, from the inputs changed.
function editBody(rs, edits, base, effective) {
  const changes = [];
  const points = {};
  for (const [key, v] of edits) {
    const [kind, a, b] = key.split("|");
    if (kind === "points") (points[a] = points[a] || {})[b] = v;
    else if (kind === "param") changes.push({ indicator: a, param: b, value: v });
    else if (kind === "weight") changes.push({ scheme: a, part: b, weight: v });
  }
  for (const [id, p] of Object.entries(points)) changes.unshift({ indicator: id, points: p });
  const body = { year: rs.year, base, changes };
  if (effective) body.effective = effective;
  return body;
}

function linesOf(written) {
  return (written || []).flatMap((f) => f.lines.map((l) =>
    `${f.file}:${l.line}  ${l.before == null ? "" : "− " + l.before.trim()}${l.after == null ? "" : "  + " + l.after.trim()}`));
}

// The units whose rank or band would change, from a preview.
function movers(pv) {
  const rows = [];
  for (const g of pv.groups || [])
    for (const u of g.units)
      if ((u.a && u.b && (u.a.rank !== u.b.rank || u.a.band !== u.b.band)) || Math.abs(u.change || 0) >= 0.01)
        rows.push({ class: u.a && u.b && (u.a.rank !== u.b.rank || u.a.band !== u.b.band) ? "moved" : null,
          cells: [g.name, u.name, `${num(u.a && u.a.total)} → ${num(u.b && u.b.total)}`,
            `${u.a ? u.a.rank : "—"} → ${u.b ? u.b.rank : "—"}`, `${u.a ? u.a.band || "—" : "—"} → ${u.b ? u.b.band || "—" : "—"}`] });
  return rows;
}

const STATE = { pending: "待审批", approved: "已批准", rejected: "已驳回", withdrawn: "已撤回", stale: "已过期" };

function proposalRows(list, me, rerender, msg) {
  return list.map((p) => {
    const mine = p.author.split(":").slice(1).join(":") === me.name;
    const act = async (what, body) => {
      try {
        await post(`rules/proposals/${p.id}/${what}`, body);
        msg.textContent = "";
        rerender();
      } catch (e) { msg.textContent = explain(e); }
    };
    const buttons = p.state !== "pending" ? [] : mine
      ? [el("button", { type: "button", "data-action": "withdraw", onclick: () => act("withdraw") }, "撤回")]
      : [el("button", { type: "button", "data-action": "approve", disabled: p.stale, onclick: () => act("approve") }, "批准"),
        el("button", { type: "button", "data-action": "reject", onclick: () => act("reject", { note: prompt("驳回理由（可不填）") || "" }) }, "驳回")];
    return { class: p.stale ? "error" : null, unit: String(p.id),
      cells: [String(p.id), when(p.proposed_at), p.author, STATE[p.state] + (p.stale ? "（规则已变，不能批准）" : "") + (p.decided_by ? `（${p.decided_by}）` : ""),
        (p.edit && p.edit.effective) || "—",
        el("ul", { class: "changes", lang: "en" }, (p.changes || []).map((c) => el("li", null, c.text))),
        el("span", null, buttons)] };
  });
}

// A method in words: what it does and its numbers, each number an input when it can be edited.
// `n(key)` is the number as text or as its input.
const BETTER = (m) => (m.better === "lower" ? "越低越好" : "越高越好");
const WORDS = {
  linear: (m, n) => ["线性计分（", BETTER(m), "）：", n("lo"), m.better === "lower" ? " 及以下得满分，" : " 及以下得 0 分，",
    n("hi"), m.better === "lower" ? " 及以上得 0 分，其间按比例" : " 及以上得满分，其间按比例"],
  target: (m, n) => ["达标计分（", BETTER(m), "）：目标值 ", n("target"), "，未达标按比例得分"],
  steps: (m, n) => ["分档计分（", BETTER(m), "）：", (m.steps || m.rows || []).map((r) =>
    Array.isArray(r) ? `达到 ${r[0]} 得 ${num(r[1] * 100, 0)}%；` : ""), "其余得 ", n("otherwise"), " 的比例"],
  best_ratio: (m) => ["与组内最优值之比（", BETTER(m), "）"],
  rank: (m, n) => ["按组内名次计分（", BETTER(m), "）", m.shares ? `：前 ${m.shares.length} 名依次得 ` +
    m.shares.map((x) => num(x * 100, 0) + "%").join("、") + "，其余 " : "", m.shares ? n("rest") : "", m.shares ? " 的比例" : ""],
  minmax: (m) => ["组内极差标准化（", BETTER(m), "）"],
  zscore: (m, n) => ["标准分（", BETTER(m), "）：组内平均得 ", n("base"), " 的比例，每高一个标准差加 ", n("per_sd")],
  deduct: (m, n) => ["扣分：超过 ", n("free"), " 后每个扣 ", n("per"), " 分，扣完为止"],
  per_event: (m, n) => ["按次计分：每次 ", n("per"), " 分，以本项分值为限"],
  flag: () => ["有即得满分，无则 0 分"],
  evaluator_score: () => ["评估人员评分（定性评价）"],
  custom: () => ["自定义计分（规则文件中的 Lua 函数）"],
};
function methodWords(m, n) {
  if (!m) return ["—"];
  const f = WORDS[m.kind];
  return f ? f(m, n) : ["自定义计分（规则文件中的 Lua 函数）"];
}
function method(m) {
  return methodWords(m, (k) => (m[k] == null ? "—" : String(m[k]))).join("");
}

// The method in words with its numeric parameters as inputs.
function methodCell(i, edits) {
  const m = i.method;
  if (!m || !PARAMS[m.kind]) return method(m);
  const editable = new Set(PARAMS[m.kind].filter((k) => typeof m[k] === "number"));
  return el("span", { title: m.kind }, methodWords(m, (k) =>
    editable.has(k) ? input(`param|${i.id}|${k}`, m[k], edits) : (m[k] == null ? "—" : String(m[k]))));
}

const MISSING = { zero: "记 0 分", not_applicable: "不考核，分值按比例分给同级指标",
  carry_forward: "沿用上期数值", no_business: "无业务不考核，列入本期无业务单位", not_submitted: "记 0 分（未报送）" };

// Where a message is: the file within the rule set and its line, never the server's path.
function where(d) {
  const f = (d.file || "").split("/").slice(-2).join("/");
  return `${f || "规则目录"}${d.line ? "：第 " + d.line + " 行" : ""}`;
}

// The loader's messages are in English (they name Lua and its identifiers): for the rule author,
// folded under a Chinese summary so the page reads in Chinese until they are opened.
function diagBox(title, list, cls) {
  return el("details", { class: "diags " + (cls || "") },
    el("summary", { class: cls }, `${title}：${list.length} 条（展开查看原文）`),
    el("div", { lang: "en" }, table(["位置", "说明"], list.map((d) => [where(d), d.message]))));
}

const TRIGGER = { watch: "保存文件", signal: "信号", api: "接口", retry: "重试", start: "启动",
  edit: "看板修改", approval: "审批通过" };

// One row per entry: when, who, what triggered it, and the changes (or the errors) as a list.
function changeRows(entries) {
  return entries.map((e) => {
    const failed = e.action === "rules.reload_failed";
    const items = failed
      ? (e.errors || []).map((d) => `${where(d)} ${d.message}`)
      : (e.changes || []).map((c) => c.text);
    return {
      class: failed ? "error" : null,
      cells: [when(e.at), e.actor, TRIGGER[e.trigger] || "其他",
        failed ? "载入失败（未生效）" : `${(e.revision_before || "").slice(0, 12)} → ${(e.revision || "").slice(0, 12)}`,
        // the semantic diff's words are English (core/rules/rulediff.c): marked so
        el("ul", { class: "changes", lang: items.length ? "en" : null },
          (items.length ? items : ["（内容未变）"]).map((x) => el("li", null, x)))],
    };
  });
}

export async function render(state) {
  const [rs, st] = await Promise.all([get("rules"), get("rules/status")]);
  const changes = await get(`rules/changes?year=${rs.year}`);
  const proposals = await get("rules/proposals?state=all");
  const edits = new Map();
  let root = null;
  const again = async () => { if (root && root.isConnected) root.replaceWith(await render(state)); };
  state.rules = rs; // the page shows what is served now
  root = el("div");
  root.append(el("h2", { title: rs.id }, rs.name),
    el("p", { class: "muted" }, `年度 ${rs.year} · 版本 ${rs.revision.slice(0, 12)} · 第 ${rs.generation} 代 · 载入于 ${when(rs.loaded_at)}`));

  const last = st.last_attempt || {};
  root.append(el("h3", null, "热加载状态"), table(["项目", "状态"], [
    ["当前版本", st.revision ? st.revision.slice(0, 12) : "—"],
    ["目录监视", st.watcher === "ok" ? "正常" : "降级，仅在信号或接口触发时重载"],
    ["正在重载", st.reloading ? "是" : "否"],
    ["最近一次尝试", `${when(last.at)}（触发：${TRIGGER[last.trigger] || "其他"}）`],
    ["结果", last.ok ? "成功" : { text: "失败，仍使用旧版本", class: "error" }],
  ]));
  if (last.errors && last.errors.length) root.append(diagBox("错误", last.errors, "error"));
  if (last.warnings && last.warnings.length) root.append(diagBox("提示", last.warnings));

  root.append(el("h3", null, "规则变更记录"), changes.entries.length
    ? el("div", { class: "rule-changes" }, table(["时间", "操作人", "触发", "版本", "变更"], changeRows(changes.entries)))
    : el("p", { class: "muted" }, "审计日志中尚无本年度的规则变更。"));

  // the edit bar: effective month, preview, save (or propose)
  const two = proposals.approval === "two_person";
  const msg = el("p", { class: "edit-msg", role: "status" });
  const out = el("div", { class: "edit-out" });
  const months = Array.from({ length: 12 }, (_, i) => `${rs.year}-${String(i + 1).padStart(2, "0")}`);
  const eff = el("select", { "aria-label": "生效月份", id: "edit-effective" },
    el("option", { value: "" }, "不改（按规则集现有设置）"),
    months.map((m) => el("option", { value: m, selected: m === st.effective && st.effective !== `${rs.year}-01` }, m)));
  const monthly = rs.schemes.find((s) => s.period !== "year");
  const pmonth = el("select", { "aria-label": "预览月份", id: "edit-period" },
    months.map((m) => el("option", { value: m, selected: m === (state.period || "").slice(0, 7) }, m)));
  const body = () => editBody(rs, edits, st.content, eff.value);
  const preview = async () => {
    if (!edits.size) { msg.textContent = "尚未修改任何数值。"; return; }
    msg.textContent = "预览中…";
    try {
      const b = body();
      delete b.base;
      const pv = await post(`rules/preview?scheme=${monthly.id}&period=${pmonth.value}${eff.value ? "&effective=" + eff.value : ""}`, b);
      const rows = movers(pv);
      out.replaceChildren(el("h4", null, `预览：${monthly.name} ${pmonth.value}（名次或等次变化的单位标为高亮）`),
        rows.length ? table(["组别", "单位", "总分", "名次", "等次"], rows) : el("p", { class: "muted" }, "没有单位的得分变化。"),
        el("p", { class: "muted" }, `将影响：${(pv.touches.months || []).join("、")}；年度方案 ${(pv.touches.yearly || []).join("、")}` +
          (pv.touches.published.length ? `；已发布通报保持不变：${pv.touches.published.map((x) => x.scheme + " " + x.period).join("、")}` : "")));
      msg.textContent = "";
    } catch (e) { msg.textContent = explain(e); }
  };
  const save = async () => {
    if (!edits.size) { msg.textContent = "尚未修改任何数值。"; return; }
    msg.textContent = two ? "提交中…" : "保存中…";
    try {
      const r = await post("rules/edits", body());
      if (r.proposal) {
        msg.textContent = `已提交审批（第 ${r.proposal.id} 号），须由另一名管理员或评估人员批准后生效。`;
      } else {
        msg.textContent = `已保存并生效（${r.effective ? "自 " + r.effective + " 起" : "按规则集现有生效月份"}），修改人 ${r.author}。`;
      }
      out.replaceChildren(el("ul", { class: "changes" }, linesOf(r.written || (r.proposal && r.proposal.lines)).map((x) => el("li", null, x))));
      setTimeout(again, 1500);
    } catch (e) {
      msg.textContent = explain(e) + (e instanceof ApiError && e.status === 409 ? "（请刷新后重新修改）" : "");
    }
  };
  root.append(el("h3", null, "修改分值与参数"),
    el("p", { class: "muted" }, "在下方表格中直接修改分值、权重或计分参数；保存时只改写规则文件中相应的数字，注释与排版不变。" +
      (two ? "本系统启用双人复核：修改须由另一人批准后才生效。" : "")),
    el("div", { class: "edit-bar" }, el("label", null, "生效月份 ", eff), " ", el("label", null, "预览月份 ", pmonth), " ",
      el("button", { type: "button", id: "edit-preview", onclick: preview }, "预览"), " ",
      el("button", { type: "button", id: "edit-save", onclick: save }, two ? "提交审批" : "保存")),
    msg, out);
  if (proposals.proposals.length || two)
    root.append(el("h3", null, "待审批与已处理的修改"), proposals.proposals.length
      ? el("div", { class: "proposals" }, table(["编号", "提交时间", "提交人", "状态", "生效月份", "修改内容", "操作"],
        proposalRows(proposals.proposals, state.me || {}, again, msg)))
      : el("p", { class: "muted" }, "没有待审批的修改。"));

  root.append(el("h3", null, "评估方案"), table(["方案", "周期", "满分", "组成（权重）"],
    rs.schemes.map((s) => [{ text: s.name, title: s.id }, s.period === "year" ? "年度" : "月度", s.max,
      el("span", null, s.parts.map((p) => el("span", { class: "part" }, `${p.name} ×`,
        p.scheme || p.weight == null ? String(p.weight) : input(`weight|${s.id}|${p.id}`, p.weight, edits),
        p.scheme ? "（取自" + ((rs.schemes.find((x) => x.id === p.scheme) || {}).name || "另一方案") + "）" : "", "；")))])));

  const groups = rs.groups;
  const depth = {};
  for (const i of rs.indicators) depth[i.id] = i.parent ? depth[i.parent] + 1 : 0;
  root.append(el("h3", null, "指标体系"), table(
    ["指标", ...groups.map((g) => `分值：${g.name}`), "计分方法", "缺数据处理"],
    rs.indicators.map((i) => [
      // the ids, the metric and where it is defined, for the rule author, on hover
      { text: i.name, class: "indent-" + Math.min(depth[i.id], 4),
        title: [i.standard, `标识 ${i.id}`, i.metric && `度量 ${i.metric}`, i.defined_at &&
          `定义于 ${i.defined_at.split("/").slice(-2).join("/")}`].filter(Boolean).join("\n") },
      ...groups.map((g) => (i.points && i.points[g.id] != null
        ? { text: input(`points|${i.id}|${g.id}`, i.points[g.id], edits), class: "num" } : { text: "—", class: "num" })),
      methodCell(i, edits), MISSING[i.missing] || (i.missing ? "按规则设定" : "—"),
    ]), { pageSize: Infinity })); // a tree stays whole: its length is the rule set's, not the units'
  return root;
}
