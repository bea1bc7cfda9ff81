// chart.js — small SVG charts drawn here, so the dashboard needs no library: a horizontal bar
// chart for a ranking and a line chart for a unit's trend. Labels are text nodes.
const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text != null) e.textContent = String(text);
  return e;
}

// items: [{label, value}] in display order; max: the scale's end (e.g. the scheme's 100).
export function barChart(items, max, title) {
  const rowH = 20, left = 200, width = 760, right = 60;
  const h = items.length * rowH + 30;
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${h}`, width, height: h,
    role: "img", "aria-label": title });
  svg.append(s("title", {}, title));
  const scale = (v) => ((width - left - right) * Math.max(0, v)) / (max || 1);
  items.forEach((it, i) => {
    const y = 10 + i * rowH;
    svg.append(s("text", { x: left - 6, y: y + 13, "text-anchor": "end" }, it.label));
    if (it.value != null) {
      svg.append(s("rect", { class: "bar", x: left, y: y + 2, height: rowH - 6,
        width: scale(it.value) }));
      svg.append(s("text", { x: left + scale(it.value) + 4, y: y + 13 }, it.value));
    }
  });
  svg.append(s("line", { class: "axis", x1: left, x2: left, y1: 8, y2: h - 18 }));
  return svg;
}

// points: [{label, value}] in time order, max the scale's end.
export function lineChart(points, max, title) {
  const width = 760, h = 240, left = 40, right = 20, top = 16, bottom = 30;
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${h}`, width, height: h,
    role: "img", "aria-label": title });
  svg.append(s("title", {}, title));
  const n = points.length;
  const x = (i) => left + (n <= 1 ? 0 : ((width - left - right) * i) / (n - 1));
  const y = (v) => top + (h - top - bottom) * (1 - v / (max || 1));
  for (const t of [0, 0.5, 1]) {
    svg.append(s("line", { class: "axis", x1: left, x2: width - right, y1: y(t * max),
      y2: y(t * max), "stroke-dasharray": t ? "2 3" : "" }));
    svg.append(s("text", { x: left - 4, y: y(t * max) + 4, "text-anchor": "end" }, t * max));
  }
  if (n > 1)
    svg.append(s("polyline", { class: "line",
      points: points.map((p, i) => `${x(i)},${y(p.value)}`).join(" ") }));
  points.forEach((p, i) => {
    svg.append(s("circle", { class: "dot", cx: x(i), cy: y(p.value), r: 3.5 }));
    svg.append(s("text", { x: x(i), y: y(p.value) - 7, "text-anchor": "middle" }, p.value));
    svg.append(s("text", { x: x(i), y: h - 10, "text-anchor": "middle" }, p.label));
  });
  return svg;
}
