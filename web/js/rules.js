// rules.js — the 规则 tab (staff): the rule set being served, its schemes with part weights,
// the indicator tree with points per group and method, the hot-reload status, and the record of
// rule changes (GET /rules/changes): each swap with who made it and every change in words, each
// failed reload with its file:line.
import { get } from "./api.js";
import { el, num, table } from "./dom.js";

function method(m) {
  if (!m) return "";
  const params = Object.entries(m).filter(([k]) => k !== "kind")
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`);
  return m.kind + (params.length ? `（${params.join("，")}）` : "");
}

function diagRows(list) {
  return (list || []).map((d) => [`${d.file || ""}${d.line ? ":" + d.line : ""}`, d.message]);
}

const TRIGGER = { watch: "保存文件", signal: "信号", api: "接口", retry: "重试", start: "启动" };

// One row per entry: when, who, what triggered it, and the changes (or the errors) as a list.
function changeRows(entries) {
  return entries.map((e) => {
    const failed = e.action === "rules.reload_failed";
    const items = failed
      ? (e.errors || []).map((d) => `${d.file || ""}${d.line ? ":" + d.line : ""} ${d.message}`)
      : (e.changes || []).map((c) => c.text);
    return {
      class: failed ? "error" : null,
      cells: [e.at, e.actor, TRIGGER[e.trigger] || e.trigger || "—",
        failed ? "载入失败（未生效）" : `${(e.revision_before || "").slice(0, 12)} → ${(e.revision || "").slice(0, 12)}`,
        el("ul", { class: "changes" }, (items.length ? items : ["（内容未变）"]).map((x) => el("li", null, x)))],
    };
  });
}

export async function render(state) {
  const [rs, st] = await Promise.all([get("rules"), get("rules/status")]);
  const changes = await get(`rules/changes?year=${rs.year}`);
  state.rules = rs; // the page shows what is served now
  const root = el("div");
  root.append(el("h2", null, `${rs.name}（${rs.id}）`),
    el("p", { class: "muted" }, `年度 ${rs.year} · 版本 ${rs.revision.slice(0, 12)} · 第 ${rs.generation} 代 · 载入于 ${rs.loaded_at}`));

  const last = st.last_attempt || {};
  root.append(el("h3", null, "热加载状态"), table(["项目", "状态"], [
    ["当前版本", st.revision ? st.revision.slice(0, 12) : "—"],
    ["目录监视", st.watcher === "ok" ? "正常" : `降级（${st.watcher}），仅在信号或接口触发时重载`],
    ["正在重载", st.reloading ? "是" : "否"],
    ["最近一次尝试", `${last.at || "—"}（触发：${last.trigger || "—"}）`],
    ["结果", last.ok ? "成功" : { text: "失败，仍使用旧版本", class: "error" }],
  ]));
  if (last.errors && last.errors.length)
    root.append(el("h4", { class: "error" }, "错误"), table(["位置", "说明"], diagRows(last.errors)));
  if (last.warnings && last.warnings.length)
    root.append(el("h4", null, "警告"), table(["位置", "说明"], diagRows(last.warnings)));

  root.append(el("h3", null, "规则变更记录"), changes.entries.length
    ? el("div", { class: "rule-changes" }, table(["时间", "操作人", "触发", "版本", "变更"], changeRows(changes.entries)))
    : el("p", { class: "muted" }, "审计日志中尚无本年度的规则变更。"));

  root.append(el("h3", null, "评估方案"), table(["方案", "周期", "满分", "组成（权重）"],
    rs.schemes.map((s) => [`${s.name}（${s.id}）`, s.period === "year" ? "年度" : "月度", s.max,
      s.parts.map((p) => `${p.name} ×${p.weight}${p.scheme ? "（取自 " + p.scheme + "）" : ""}`).join("；")])));

  const groups = rs.groups;
  const depth = {};
  for (const i of rs.indicators) depth[i.id] = i.parent ? depth[i.parent] + 1 : 0;
  root.append(el("h3", null, "指标体系"), table(
    ["指标", ...groups.map((g) => `分值：${g.name}`), "度量", "计分方法", "缺数据处理", "定义位置"],
    rs.indicators.map((i) => [
      { text: i.name, class: "indent-" + Math.min(depth[i.id], 4), title: i.standard || i.id },
      ...groups.map((g) => ({ text: i.points && i.points[g.id] != null ? num(i.points[g.id]) : "—", class: "num" })),
      i.metric || "", method(i.method), i.missing || "", i.defined_at || "",
    ])));
  return root;
}
