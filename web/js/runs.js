// runs.js — the 评估记录 tab (staff): the evaluations run so far, the drafts of the bulletins.
// The published bulletins are the 通报 tab's (bulletins.js).
import { get, translate } from "./api.js";
import { el, num, table, when } from "./dom.js";
import { go, pick } from "./app.js";
import { periodLabel } from "./pickers.js";

// How an evaluation came about, in words (the host records these trigger names).
const TRIGGER = { request: "查询", schedule: "定时截止", reload: "规则更新", data: "数据更新", api: "手动",
  start: "启动时", publish: "发布", cutoff: "月度截止", close: "年度截止", series: "趋势查询",
  edit: "规则修改", preview: "预览" };

let schemes = [];
const schemeName = (id) => (schemes.find((s) => s.id === id) || { name: id }).name;

export async function render(state) {
  schemes = state.rules.schemes;
  const { runs } = await get("evaluations");
  const root = el("div", null, el("h2", null, "评估记录（通报草稿）"),
    el("p", { class: "muted" }, "最近的评估，最新的在前；正式发布的通报见“通报”标签。点击一行查看其排名。"));
  if (!runs.length) {
    root.append(el("p", null, "尚无评估记录。"));
    return root;
  }
  root.append(table(["方案", "期次", "触发", "评估时间", "耗时（毫秒）", "规则版本", "结果"],
    runs.slice().reverse().map((r) => ({
      class: "clickable",
      onclick: () => { pick({ scheme: r.scheme, period: r.period }); go("#/rank"); },
      cells: [schemeName(r.scheme), periodLabel(r.period), TRIGGER[r.trigger] || "其他", when(r.evaluated_at),
        { text: num(r.ms, 1), class: "num" }, (r.revision || "").slice(0, 12),
        r.ok ? "成功" : { text: "失败：" + translate(r.error), class: "error", title: r.error }],
    }))));
  return root;
}
