// batches.js — the 数据 tab (staff): the ingested batches and their status.
import { get } from "./api.js";
import { el, table, when } from "./dom.js";

export async function render(state) {
  const sources = new Map((state.rules.sources || []).map((x) => [x.id, x.name || x.id]));
  const { batches } = await get("batches");
  const root = el("div", null, el("h2", null, "数据批次"));
  if (!batches.length) {
    root.append(el("p", null, "尚无上传的数据批次（系统统计数据可由管理员通过接口导入）。"));
    return root;
  }
  root.append(table(["批次", "来源", "文件", "记录数", "重复", "导入时间", "状态"],
    batches.map((b) => [b.id.slice(0, 12), b.source === "values" ? "报送数值" : sources.get(b.source) || b.source,
      b.file, { text: b.records, class: "num" },
      { text: b.duplicates, class: "num" }, when(b.ingested_at),
      b.status === "active" ? "有效" : "已撤回"])));
  return root;
}
