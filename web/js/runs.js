// runs.js — the 通报 tab (staff): the evaluations run so far (drafts of the bulletins).
// Published bulletins come with the record store; until then only the drafts are listed.
import { get } from "./api.js";
import { el, num, table } from "./dom.js";
import { go, pick } from "./app.js";

const TRIGGER = { request: "查询", schedule: "定时截止", reload: "规则更新", data: "数据更新", api: "手动" };

export async function render() {
  const { runs } = await get("runs");
  const root = el("div", null, el("h2", null, "通报草稿（评估记录）"),
    el("p", { class: "muted" }, "正式发布的通报将随记录库功能提供；目前列出最近的评估（草稿），最新的在前。点击一行查看其排名。"));
  if (!runs.length) {
    root.append(el("p", null, "尚无评估记录。"));
    return root;
  }
  root.append(table(["方案", "期次", "触发", "评估时间", "耗时（毫秒）", "规则版本", "结果"],
    runs.slice().reverse().map((r) => ({
      class: "clickable",
      onclick: () => { pick({ scheme: r.scheme, period: r.period }); go("#/rank"); },
      cells: [r.scheme, r.period, TRIGGER[r.trigger] || r.trigger, r.evaluated_at,
        { text: num(r.ms, 1), class: "num" }, (r.revision || "").slice(0, 12),
        r.ok ? "成功" : { text: "失败" + (r.error ? "：" + r.error : ""), class: "error" }],
    }))));
  return root;
}
