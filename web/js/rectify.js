// rectify.js — the 问题清单 tab (#/issues/UNIT): a unit's items of a period, each with the
// points its total lost, the rule, the data, what would regain the points, the 整改要求 and the
// deadline; its 整改 record; the flags 逾期 (past the deadline, not verified), 连续失分 (lost in
// three sampling months in a row) and what the next month shows. A unit marks an item 已整改
// with a note and evidence (a file it uploads, or a link); an evaluator verifies or rejects it.
// The server decides who may do what: a unit token sees and acts on its own list only.
// A list drawn from results served while their re-score runs says so (dom.js outdatedNote) and
// is read again, but not over a note or verdict someone is writing.
import { get, post, token, explain } from "./api.js";
import { el, num, table, select, LONG, outdatedNote } from "./dom.js";
import { go, message } from "./app.js";
import { pickers, currentScheme } from "./pickers.js";
import { unitSearch } from "./search.js";

const STATE = { submitted: "已整改，待核实", verified: "已核实", rejected: "未通过核实" };
const NEXT = { recovered: "已恢复（下期未失分）", not_recovered: "未恢复（下期仍失分）" };

// Uploads a file as evidence (POST /api/v1/evidence?name=…, the raw bytes); its hash.
async function upload(file) {
  const res = await fetch("/api/v1/evidence?name=" + encodeURIComponent(file.name), {
    method: "POST", headers: { Authorization: "Bearer " + (token.get() || "") }, body: file,
  });
  const a = await res.json().catch(() => null);
  if (!res.ok) throw new Error((a && a.error && a.error.message) || res.statusText);
  return a.hash;
}

function flags(x) {
  const f = [];
  if (x.overdue) f.push(el("span", { class: "flag flag-overdue" }, "逾期"));
  if (x.recurring) f.push(el("span", { class: "flag flag-recurring" }, "连续失分"));
  return f;
}

// The unit's form: what was done, and a file or a link.
function markForm(sch, period, x, redraw) {
  const note = el("textarea", { rows: "2", "aria-label": "整改说明", placeholder: "整改措施与结果" });
  const file = el("input", { type: "file", "aria-label": "整改佐证材料" });
  const link = el("input", { type: "url", "aria-label": "佐证链接", placeholder: "https://…" });
  const form = el("form", { class: "mark" }, note, file, link,
    el("button", { type: "submit" }, x.rectification ? "重新提交整改" : "标记已整改"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const body = { unit: x.unit, note: note.value };
      if (file.files[0]) body.evidence = await upload(file.files[0]);
      if (link.value) body.link = link.value;
      await post(`issues/${encodeURIComponent(sch.id)}/${encodeURIComponent(period)}/${encodeURIComponent(x.indicator)}/rectify`, body);
      redraw();
    } catch (e) { message(e.status != null ? explain(e) : "提交失败：" + e.message); }
  });
  return form;
}

// The evaluator's verdict on a submitted record.
function reviewForm(rec, redraw) {
  const reason = el("input", { type: "text", "aria-label": "核实意见", placeholder: "核实意见（不通过时必填）" });
  const send = (status) => async () => {
    try {
      await post(`rectifications/${rec.id}/review`, { status, reason: reason.value || undefined });
      redraw();
    } catch (e) { message(explain(e)); }
  };
  return el("div", { class: "review" }, reason,
    el("button", { type: "button", onclick: send("verified") }, "核实通过"),
    el("button", { type: "button", onclick: send("rejected") }, "不通过"));
}

function recordCell(x) {
  const r = x.rectification;
  if (!r) return "未整改";
  return el("div", null, el("strong", null, STATE[r.status] || r.status), el("br"),
    `${r.note}`, r.link ? el("span", null, "　", el("a", { href: r.link, rel: "noopener" }, "佐证链接")) : null,
    r.evidence ? el("span", { class: "muted" }, "　附佐证材料") : null,
    r.reason ? el("div", { class: "muted" }, "核实意见：" + r.reason) : null);
}

export async function render(state, [unitId]) {
  const root = el("div");
  const sch = currentScheme(state);
  const staff = state.me.role !== "unit";
  if (!staff) unitId = state.me.unit;
  const redraw = () => go("#/issues/" + encodeURIComponent(unitId || ""));
  root.append(pickers(state, redraw));
  if (staff) {
    // a list for a few dozen units; past that, the search box (name, 简称 or code) and a way back
    // to every unit
    const units = [...state.units.values()];
    const open = (v) => go("#/issues/" + encodeURIComponent(v));
    if (units.length <= LONG)
      root.firstChild.append(select([["", "（全部单位）"], ...units.map((u) => [u.id, u.name])], unitId || "", open, "单位"));
    else
      root.append(unitSearch(units, (u) => open(u.id)), el("p", null, unitId ? el("a", { href: "#/issues/" }, "← 全部单位") : null));
  }
  const q = unitId ? "?unit=" + encodeURIComponent(unitId) : "";
  const data = await get(`issues/${encodeURIComponent(sch.id)}/${encodeURIComponent(state.period)}${q}`);
  root.append(el("h2", null, "问题清单", el("span", { class: "muted" }, `　${sch.name} · ${data.period}`)));
  // read again when nobody is writing in a form; else the note stays, and it is tried later
  const writing = () => [...root.querySelectorAll("form.mark textarea, form.mark input, .review input")]
    .some((x) => x.value || (x.files && x.files.length) || x === document.activeElement);
  const again = () => {
    if (!root.isConnected) return;
    if (writing()) setTimeout(again, 3000);
    else redraw();
  };
  const stale = outdatedNote(data, again);
  if (stale) root.append(stale);
  const summary = [`共 ${data.items.length} 项`];
  if (data.overdue) summary.push(`逾期未整改 ${data.overdue} 项`);
  if (data.recurring) summary.push(`连续 3 个月失分 ${data.recurring} 项`);
  root.append(el("p", { class: data.overdue || data.recurring ? "banner" : "muted", role: "status" },
    summary.join("，") + "。"));
  if (!data.items.length) {
    root.append(el("p", null, "本期没有失分项，无需整改。"));
    return root;
  }
  const rows = data.items.map((x) => {
    const rec = x.rectification;
    const canMark = !staff && (!rec || rec.status === "rejected" || rec.status === "submitted");
    const action = !staff
      ? (canMark ? markForm(sch, data.period, x, redraw) : "")
      : rec && rec.status === "submitted" ? reviewForm(rec, redraw) : "";
    return {
      cells: [
        el("div", null, x.name, " ", ...flags(x)),
        { text: x.lost_total != null ? num(x.lost_total) : num(x.lost_part), class: "num lost" },
        x.rule || "",
        [x.value_text, x.why].filter(Boolean).join("；"),
        el("div", null, x.rectify || "", x.regain ? el("div", { class: "muted" }, x.regain) : null),
        x.due,
        x.unit_name,
        recordCell(x),
        x.next === undefined ? "" : x.next == null ? "下期暂无结果" : NEXT[x.next],
        action,
      ],
      unit: x.unit,
      class: "issue-item",
    };
  });
  root.append(table(["问题（指标）", "总分失分", "评分规则", "数据", "整改要求", "整改期限", "责任单位",
    "整改情况", "下期采样", "操作"], rows));
  return root;
}
