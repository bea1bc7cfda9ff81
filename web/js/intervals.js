// intervals.js — the rank intervals of a sensitivity analysis (POST /api/v1/sensitivity) as an
// SVG: one row per unit in nominal rank order, a bar from its 5th to its 95th percentile rank,
// a dot at its median rank and a tick at its rank as published. Rank 1 is on the left.
const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text != null) e.textContent = String(text);
  return e;
}

// units: the analysis's units of one group (ranked ones), n: the group's ranked count.
export function rankIntervals(units, n, title) {
  const rowH = 20, left = 200, width = 760, right = 60;
  const h = units.length * rowH + 40;
  const svg = s("svg", { class: "chart intervals", viewBox: `0 0 ${width} ${h}`, width, height: h,
    role: "img", "aria-label": title });
  svg.append(s("title", {}, title));
  const x = (r) => left + ((width - left - right) * (r - 1)) / Math.max(1, n - 1);
  for (const r of [1, Math.ceil(n / 2), n]) {
    svg.append(s("line", { class: "axis", x1: x(r), x2: x(r), y1: 8, y2: h - 24,
      "stroke-dasharray": r === 1 ? "" : "2 3" }));
    svg.append(s("text", { x: x(r), y: h - 8, "text-anchor": "middle" }, `第${r}名`));
  }
  units.forEach((u, i) => {
    const y = 10 + i * rowH;
    const row = s("g", { "data-unit": u.id });
    row.append(s("title", {}, `${u.name}：排名 ${u.rank}，中位 ${u.median_rank}，` +
      `5%–95% 区间 ${u.rank_p05}–${u.rank_p95}，保持等次 ${u.band_keep == null ? "—" :
        (u.band_keep * 100).toFixed(1) + "%"}`));
    row.append(s("text", { x: left - 6, y: y + 13, "text-anchor": "end" }, u.name));
    row.append(s("rect", { class: "bar", x: x(u.rank_p05) - 3, y: y + 5, height: rowH - 10,
      width: Math.max(6, x(u.rank_p95) - x(u.rank_p05) + 6) }));
    row.append(s("circle", { class: "dot", cx: x(u.median_rank), cy: y + 10, r: 3.5,
      style: "fill: var(--fg)" }));
    row.append(s("line", { class: "axis", x1: x(u.rank), x2: x(u.rank), y1: y + 1, y2: y + rowH - 1 }));
    row.append(s("text", { x: width - right + 6, y: y + 13 }, `${u.rank_p05}–${u.rank_p95}`));
    svg.append(row);
  });
  return svg;
}
