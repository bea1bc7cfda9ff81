// chart.js — small SVG charts drawn here, so the dashboard needs no library: a horizontal bar
// chart for a ranking (for a long group: its top and bottom and a box plot with a histogram of
// every unit) and a line chart for a unit's trend. Labels are text nodes. Both are drawn
// at the width they will be shown at (a phone gets a narrow chart with short names, never a wide
// one scaled down until its labels are 4 px), with ticks on the value axis.
import { el } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text != null) e.textContent = String(text);
  return e;
}

// The page is narrow (a phone held upright).
export const narrow = () => window.matchMedia("(max-width: 600px)").matches;

// Round tick values covering [lo, hi]: steps of 1, 2 or 5 × 10^k, about `n` of them.
export function ticks(lo, hi, n = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((x) => x >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toFixed(10)));
  return out;
}

const fmt = (v) => Number(v.toFixed(2)).toString();

// 等次 as a colour class: the best band green, the worst red, those between amber; `bands` is the
// rule set's list (best first). The band's words are in the label too, never colour alone.
export function bandClass(bands, label) {
  const i = (bands || []).findIndex((b) => b.label === label);
  if (i < 0) return "band-none";
  if (i === 0) return "band-top";
  return i === bands.length - 1 ? "band-low" : "band-mid";
}

// A group longer than MANY is not drawn a bar per unit (2,394 bars are a chart 47,910 px
// tall): its best EDGE and worst EDGE get bars, the unit picked (when it is between them) a bar
// of its own, and the whole group is shown as a distribution (box plot and histogram).
export const MANY = 30;
export const EDGE = 10;

// items: [{label, value, band, unit, rank}] in display order; max: the scale's end (e.g. the
// scheme's 100); bands as for bandClass; opts.current: the unit to mark (its bar outlined and
// its place on the distribution). Up to MANY items: one bar each, an SVG as it always was. More:
// a <div class="charts"> holding the bar chart of the first and last EDGE (and the current unit)
// with the units left out counted between them, and distChart of every value.
export function barChart(items, max, title, bands, opts = {}) {
  if (items.length <= MANY) return bars(items, max, title, bands, opts.current);
  const at = items.findIndex((it) => opts.current != null && it.unit === opts.current);
  const rows = [...items.slice(0, EDGE)];
  const gap = (n) => ({ gap: `…… 中间 ${n} 个单位（见排名表与下方分布） ……` });
  if (at >= EDGE && at < items.length - EDGE) {
    if (at > EDGE) rows.push(gap(at - EDGE));
    rows.push(items[at]);
    if (items.length - EDGE - at - 1 > 0) rows.push(gap(items.length - EDGE - at - 1));
  } else {
    rows.push(gap(items.length - 2 * EDGE));
  }
  rows.push(...items.slice(-EDGE));
  const ranked = rows.map((it) => (it.gap ? it : { ...it, label: `${it.rank != null ? it.rank + " " : ""}${it.label}` }));
  const cur = at >= 0 ? items[at] : null;
  return el("div", { class: "charts" },
    bars(ranked, max, `${title}：前 ${EDGE} 名与后 ${EDGE} 名`, bands, opts.current),
    distChart(items.map((it) => it.value), max, `${title}：${items.length} 个单位的分布`,
      cur && cur.value != null ? { value: cur.value, label: cur.label } : null));
}

function bars(items, max, title, bands, current) {
  const small = narrow();
  const rowH = small ? 22 : 20, left = small ? 92 : 200, width = small ? 350 : 760, right = 44;
  const h = items.length * rowH + 40;
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${h}`, width, height: h,
    role: "img", "aria-label": title });
  svg.append(s("title", {}, title));
  const scale = (v) => ((width - left - right) * Math.max(0, v)) / (max || 1);
  const bottom = 10 + items.length * rowH;
  for (const t of ticks(0, max, small ? 4 : 10)) {
    svg.append(s("line", { class: "grid", x1: left + scale(t), x2: left + scale(t), y1: 8, y2: bottom }));
    svg.append(s("text", { class: "tick", x: left + scale(t), y: bottom + 14, "text-anchor": "middle" }, fmt(t)));
  }
  items.forEach((it, i) => {
    const y = 10 + i * rowH;
    if (it.gap) {
      svg.append(s("text", { class: "gap", x: small ? 8 : left + 8, y: y + 14 }, it.gap));
      return;
    }
    const mine = current != null && it.unit === current;
    svg.append(s("text", { x: left - 6, y: y + 14, "text-anchor": "end", class: mine ? "current" : "" }, it.label));
    if (it.value != null) {
      svg.append(s("rect", { class: "bar " + bandClass(bands, it.band) + (mine ? " current" : ""), x: left,
        y: y + 3, height: rowH - 7, width: scale(it.value), ...(it.unit ? { "data-unit": it.unit } : {}) }, null));
      svg.append(s("text", { x: left + scale(it.value) + 4, y: y + 14 }, fmt(it.value)));
    }
  });
  svg.append(s("line", { class: "axis", x1: left, x2: left, y1: 8, y2: bottom }));
  return svg;
}

// The quantile q of sorted values, interpolated between the two nearest (R's type 7, what
// spreadsheets call QUARTILE.INC).
export function quantile(sorted, q) {
  if (!sorted.length) return null;
  const h = (sorted.length - 1) * q, lo = Math.floor(h);
  return lo + 1 < sorted.length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

// The distribution of a group's totals: a box plot (minimum, lower quartile, median, upper
// quartile, maximum) above a histogram of the units per band of the scale (bins of a round
// width, about twelve of them over the values' range), on one value axis; `current` ({value,
// label}) is marked on both by a line with its label. Every bin and the box say their figures in
// a tooltip (and in data-count, data-lo, data-hi for scripts).
export function distChart(values, max, title, current) {
  const small = narrow();
  const width = small ? 350 : 760, left = small ? 36 : 60, right = 20;
  const boxTop = 34, boxH = 26, histTop = boxTop + boxH + 22, histH = small ? 120 : 140;
  const h = histTop + histH + 34;
  const vals = values.filter((v) => v != null && Number.isFinite(v)).sort((a, b) => a - b);
  const svg = s("svg", { class: "chart dist", viewBox: `0 0 ${width} ${h}`, width, height: h,
    role: "img", "aria-label": title });
  svg.append(s("title", {}, title));
  if (!vals.length) return svg;
  // bins of a round width covering the values (never beyond the scale's ends)
  const lo0 = vals[0], hi0 = vals[vals.length - 1];
  const tk = ticks(lo0, hi0 > lo0 ? hi0 : lo0 + 1, 12);
  const step = tk.length > 1 ? tk[1] - tk[0] : 1;
  const lo = Math.floor(lo0 / step) * step;
  const n = Math.max(1, Math.floor((hi0 - lo) / step) + 1);
  const hi = lo + n * step;
  const counts = new Array(n).fill(0);
  for (const v of vals) counts[Math.min(n - 1, Math.floor((v - lo) / step))]++;
  const x = (v) => left + ((width - left - right) * (v - lo)) / (hi - lo || 1);
  const top = Math.max(...counts);
  const yc = (c) => histTop + histH - (histH * c) / (top || 1);
  for (const t of ticks(lo, hi, small ? 4 : 8)) {
    svg.append(s("line", { class: "grid", x1: x(t), x2: x(t), y1: boxTop - 6, y2: histTop + histH }));
    svg.append(s("text", { class: "tick", x: x(t), y: histTop + histH + 14, "text-anchor": "middle" }, fmt(t)));
  }
  for (const t of ticks(0, top, 3).filter((t) => t === Math.round(t))) {
    svg.append(s("text", { class: "tick", x: left - 4, y: yc(t) + 4, "text-anchor": "end" }, String(t)));
  }
  svg.append(s("text", { class: "tick", x: left, y: histTop - 6 }, "单位数"));
  svg.append(s("text", { class: "tick", x: width - right, y: histTop + histH + 28, "text-anchor": "end" }, "总分"));
  counts.forEach((c, i) => {
    const a = lo + i * step, b = a + step;
    const r = s("rect", { class: "hist", x: x(a) + 1, y: yc(c), width: Math.max(1, x(b) - x(a) - 2),
      height: histTop + histH - yc(c), "data-count": c, "data-lo": fmt(a), "data-hi": fmt(b) });
    r.append(s("title", {}, `${fmt(a)}–${fmt(b)} 分：${c} 个单位`));
    svg.append(r);
  });
  svg.append(s("line", { class: "axis", x1: left, x2: width - right, y1: histTop + histH, y2: histTop + histH }));
  // the box plot
  const q = [0, 0.25, 0.5, 0.75, 1].map((p) => quantile(vals, p));
  const mid = boxTop + boxH / 2;
  const box = s("g", { class: "box", "data-min": q[0], "data-q1": q[1], "data-median": q[2], "data-q3": q[3],
    "data-max": q[4] });
  box.append(s("title", {}, `最低 ${fmt(q[0])}，下四分位 ${fmt(q[1])}，中位数 ${fmt(q[2])}，` +
    `上四分位 ${fmt(q[3])}，最高 ${fmt(q[4])}（${vals.length} 个单位）`));
  box.append(s("line", { class: "whisker", x1: x(q[0]), x2: x(q[1]), y1: mid, y2: mid }));
  box.append(s("line", { class: "whisker", x1: x(q[3]), x2: x(q[4]), y1: mid, y2: mid }));
  for (const v of [q[0], q[4]])
    box.append(s("line", { class: "whisker", x1: x(v), x2: x(v), y1: mid - 6, y2: mid + 6 }));
  box.append(s("rect", { class: "iqr", x: x(q[1]), y: boxTop, width: Math.max(1, x(q[3]) - x(q[1])), height: boxH }));
  box.append(s("line", { class: "median", x1: x(q[2]), x2: x(q[2]), y1: boxTop, y2: boxTop + boxH }));
  svg.append(box);
  svg.append(s("text", { class: "tick", x: left, y: 14 },
    `中位数 ${fmt(q[2])} · 四分位 ${fmt(q[1])}–${fmt(q[3])} · 最低 ${fmt(q[0])} · 最高 ${fmt(q[4])}`));
  if (current) {
    const cx = x(current.value);
    const m = s("g", { class: "current", "data-value": current.value });
    m.append(s("line", { x1: cx, x2: cx, y1: boxTop - 8, y2: histTop + histH }));
    const flip = cx > width - 140; // the label on the left of a mark near the right edge
    m.append(s("text", { x: cx + (flip ? -4 : 4), y: histTop + 12, "text-anchor": flip ? "end" : "start" },
      `${current.label} ${fmt(current.value)}`));
    svg.append(m);
  }
  return svg;
}

// points: [{label, value}] in time order. The value axis is fitted to the data (a little room
// above and below, round ticks), so a unit moving between 82 and 88 is not a flat line at the
// top of 0–100; `max` caps it at the scale's end.
export function lineChart(points, max, title) {
  const small = narrow();
  const width = small ? 350 : 760, h = small ? 200 : 240, left = 40, right = 16, top = 18, bottom = 30;
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${h}`, width, height: h,
    role: "img", "aria-label": title });
  svg.append(s("title", {}, title));
  const vals = points.map((p) => p.value).filter((v) => v != null);
  let lo = vals.length ? Math.min(...vals) : 0, hi = vals.length ? Math.max(...vals) : max || 1;
  const pad = Math.max((hi - lo) * 0.15, 1);
  lo = Math.max(0, lo - pad);
  hi = Math.min(max || hi + pad, hi + pad);
  const tk = ticks(lo, hi, 4);
  lo = Math.min(lo, tk[0]);
  hi = Math.max(hi, tk[tk.length - 1]);
  const n = points.length;
  const x = (i) => left + 10 + (n <= 1 ? 0 : ((width - left - right - 20) * i) / (n - 1));
  const y = (v) => top + (h - top - bottom) * (1 - (v - lo) / (hi - lo || 1));
  for (const t of tk) {
    svg.append(s("line", { class: "grid", x1: left, x2: width - right, y1: y(t), y2: y(t) }));
    svg.append(s("text", { class: "tick", x: left - 4, y: y(t) + 4, "text-anchor": "end" }, fmt(t)));
  }
  svg.append(s("line", { class: "axis", x1: left, x2: left, y1: top, y2: h - bottom }));
  const drawn = points.map((p, i) => ({ ...p, i })).filter((p) => p.value != null);
  if (drawn.length > 1)
    svg.append(s("polyline", { class: "line",
      points: drawn.map((p) => `${x(p.i)},${y(p.value)}`).join(" ") }));
  points.forEach((p, i) => {
    if (p.value != null) {
      svg.append(s("circle", { class: "dot", cx: x(i), cy: y(p.value), r: 3.5 }));
      if (!small || n <= 6)
        svg.append(s("text", { x: x(i), y: y(p.value) - 7, "text-anchor": "middle" }, fmt(p.value)));
    }
    if (!small || i % 2 === 0 || i === n - 1)
      svg.append(s("text", { x: x(i), y: h - 10, "text-anchor": "middle" }, p.label));
  });
  return svg;
}
