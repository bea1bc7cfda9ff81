// rules.js — the 规则 tab (staff): the rule set being served, its schemes with part weights,
// the indicator tree with points per group and method, and the hot-reload status.
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

export async function render(state) {
  const [rs, st] = await Promise.all([get("rules"), get("rules/status")]);
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
