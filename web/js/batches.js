// batches.js — the 数据 tab (staff): the ingested batches and their status.
import { get } from "./api.js";
import { el, table } from "./dom.js";

export async function render() {
  const { batches } = await get("batches");
  const root = el("div", null, el("h2", null, "数据批次"));
  if (!batches.length) {
    root.append(el("p", null, "尚无上传的数据批次（系统统计数据通过 POST /api/v1/batches 导入）。"));
    return root;
  }
  root.append(table(["批次", "来源", "文件", "记录数", "重复", "导入时间", "状态"],
    batches.map((b) => [b.id.slice(0, 12), b.source, b.file, { text: b.records, class: "num" },
      { text: b.duplicates, class: "num" }, b.ingested_at || "—",
      b.status === "active" ? "有效" : "已撤回"])));
  return root;
}
