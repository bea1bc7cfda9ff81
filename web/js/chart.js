// chart.js — small SVG charts drawn here, so the dashboard needs no library: a horizontal bar
// chart for a ranking and a line chart for a unit's trend. Labels are text nodes. Both are drawn
// at the width they will be shown at (a phone gets a narrow chart with short names, never a wide
// one scaled down until its labels are 4 px), with ticks on the value axis.
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

// items: [{label, value, band}] in display order; max: the scale's end (e.g. the scheme's 100);
// bands as for bandClass.
export function barChart(items, max, title, bands) {
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
    svg.append(s("text", { x: left - 6, y: y + 14, "text-anchor": "end" }, it.label));
    if (it.value != null) {
      svg.append(s("rect", { class: "bar " + bandClass(bands, it.band), x: left, y: y + 3,
        height: rowH - 7, width: scale(it.value) }, null));
      svg.append(s("text", { x: left + scale(it.value) + 4, y: y + 14 }, fmt(it.value)));
    }
  });
  svg.append(s("line", { class: "axis", x1: left, x2: left, y1: 8, y2: bottom }));
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
