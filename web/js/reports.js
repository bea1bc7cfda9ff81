// reports.js — the 自报与申诉 tab (#/reports): a unit's self-reported values (自报) and its
// appeals (申诉) of a period, and the forms to submit them; for evaluators the same lists of
// every unit, with the review of a self-report (采纳/不采纳) and the decision on an appeal
// (支持, with the points granted, or驳回). The API does the checking (host/review.c): a unit
// token submits and lists for its own unit only, evidence must be its own upload.
import { get, post, token, explain } from "./api.js";
import { el, num, table } from "./dom.js";
import { go, message } from "./app.js";
import { pickers, currentScheme } from "./pickers.js";

const SR_STATUS = { submitted: "待审核", accepted: "已采纳", rejected: "不采纳", superseded: "已被替代" };
const AP_STATUS = { open: "待处理", upheld: "支持", rejected: "驳回" };

async function upload(file) {
  const res = await fetch("/api/v1/evidence?name=" + encodeURIComponent(file.name), {
    method: "POST", headers: { Authorization: "Bearer " + (token.get() || "") }, body: file,
  });
  const a = await res.json().catch(() => null);
  if (!res.ok) throw new Error((a && a.error && a.error.message) || res.statusText);
  return a.hash;
}

function failed(e) { message(e.status != null ? explain(e) : "提交失败：" + e.message); }

function selfReportForm(state, redraw) {
  const leaves = state.rules.indicators.filter((i) => i.metric);
  const metrics = [...new Map(leaves.map((i) => [i.metric, i.name])).entries()];
  // the metrics open to self-reports are the rule set's to say (the server names them when one
  // is refused); the list suggests those the indicators read
  const metric = el("input", { type: "text", list: "selfreport-metrics", "aria-label": "自报数据项",
    placeholder: "数据项（如 ecert_calls_reported）", required: true });
  const options = el("datalist", { id: "selfreport-metrics" },
    metrics.map(([id, name]) => el("option", { value: id }, name)));
  const value = el("input", { type: "number", step: "any", "aria-label": "自报数值", required: true });
  const file = el("input", { type: "file", "aria-label": "佐证材料" });
  const link = el("input", { type: "url", "aria-label": "佐证链接", placeholder: "https://…" });
  const note = el("input", { type: "text", "aria-label": "说明", placeholder: "说明" });
  const form = el("form", { class: "mark", id: "selfreport-form" }, metric, options, value, file, link, note,
    el("button", { type: "submit" }, "提交自报"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const body = { period: state.period, metric: metric.value, value: Number(value.value), note: note.value || undefined };
      if (state.me.role === "unit") body.unit = state.me.unit;
      if (file.files[0]) body.evidence = await upload(file.files[0]);
      if (link.value) body.link = link.value;
      await post("selfreports", body);
      redraw();
    } catch (e) { failed(e); }
  });
  return form;
}

// A unit appeals the points of a leaf its group is scored on.
function appealForm(state, group, redraw) {
  const leaves = state.rules.indicators.filter((i) => (i.metric || i.method) &&
    (!group || (i.points && i.points[group] != null)));
  const ind = el("select", { "aria-label": "申诉指标" }, leaves.map((i) => el("option", { value: i.id }, i.name)));
  const claim = el("textarea", { rows: "2", "aria-label": "申诉理由", placeholder: "申诉理由与依据", required: true });
  const form = el("form", { class: "mark", id: "appeal-form" }, ind, claim, el("button", { type: "submit" }, "提交申诉"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const body = { period: state.period, indicator: ind.value, claim: claim.value };
      if (state.me.role === "unit") body.unit = state.me.unit;
      await post("appeals", body);
      redraw();
    } catch (e) { failed(e); }
  });
  return form;
}

function reviewSelfReport(r, redraw) {
  const reason = el("input", { type: "text", "aria-label": "审核意见", placeholder: "审核意见（必填）" });
  const send = (status) => async () => {
    try { await post(`selfreports/${r.id}/review`, { status, reason: reason.value }); redraw(); } catch (e) { failed(e); }
  };
  return el("div", { class: "review" }, reason,
    el("button", { type: "button", onclick: send("accepted") }, "采纳"),
    el("button", { type: "button", onclick: send("rejected") }, "不采纳"));
}

function decideAppeal(a, redraw) {
  const adj = el("input", { type: "number", step: "any", "aria-label": "调整分值", placeholder: "调整分值" });
  const reason = el("input", { type: "text", "aria-label": "处理意见", placeholder: "处理意见（必填）" });
  const send = (status) => async () => {
    try {
      await post(`appeals/${a.id}/decision`, { status, adjustment: status === "upheld" ? Number(adj.value || 0) : 0, reason: reason.value });
      redraw();
    } catch (e) { failed(e); }
  };
  return el("div", { class: "review" }, adj, reason,
    el("button", { type: "button", onclick: send("upheld") }, "支持"),
    el("button", { type: "button", onclick: send("rejected") }, "驳回"));
}

export async function render(state) {
  const root = el("div");
  const sch = currentScheme(state);
  const redraw = () => go("#/reports");
  root.append(pickers(state, redraw));
  const staff = state.me.role !== "unit";
  const names = Object.fromEntries(state.rules.indicators.map((i) => [i.id, i.name]));
  const metricNames = Object.fromEntries(state.rules.indicators.filter((i) => i.metric).map((i) => [i.metric, i.name]));
  const units = (await get("units").catch(() => ({ units: [] }))).units;
  const unitNames = Object.fromEntries(units.map((u) => [u.id, u.name]));
  const own = units.find((u) => u.id === state.me.unit);
  const q = "?period=" + encodeURIComponent(state.period);
  const [srs, aps] = await Promise.all([get("selfreports" + q), get("appeals" + q)]);

  root.append(el("h2", null, "自报材料", el("span", { class: "muted" }, `　${sch.name} · ${state.period}`)));
  if (!staff) root.append(selfReportForm(state, redraw));
  root.append(srs.records.length
    ? table(["单位", "数据项", "自报数值", "佐证", "提交人", "状态", "审核意见", staff ? "审核" : ""],
      srs.records.map((r) => ({
        cells: [unitNames[r.unit] || r.unit, metricNames[r.metric] || r.metric, { text: num(r.value, 4), class: "num" },
          r.link ? el("a", { href: r.link, rel: "noopener" }, "链接") : r.evidence ? "已上传" : "—",
          r.submitted_by, SR_STATUS[r.status] || r.status, r.reason || "",
          staff && r.status === "submitted" ? reviewSelfReport(r, redraw) : ""],
        unit: r.unit, class: "selfreport-row",
      })))
    : el("p", { class: "muted" }, "本期没有自报材料。"));

  root.append(el("h2", null, "申诉"));
  if (!staff) root.append(appealForm(state, own && own.group, redraw));
  root.append(aps.records.length
    ? table(["单位", "指标", "申诉理由", "提交人", "状态", "调整分值", "处理意见", staff ? "处理" : ""],
      aps.records.map((a) => ({
        cells: [unitNames[a.unit] || a.unit, names[a.indicator] || a.indicator, a.claim, a.submitted_by,
          AP_STATUS[a.status] || a.status, { text: a.status === "upheld" ? num(a.adjustment) : "", class: "num" },
          a.decision || "", staff && a.status === "open" ? decideAppeal(a, redraw) : ""],
        unit: a.unit, class: "appeal-row",
      })))
    : el("p", { class: "muted" }, "本期没有申诉。"));
  return root;
}
