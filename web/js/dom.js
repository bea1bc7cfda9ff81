// dom.js — building the page safely: every piece of text goes in as textContent, never as
// HTML, so nothing the API returns can become markup.

// el("td", {class: "num"}, "12.5", child, …): an element; null/undefined children are skipped.
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c == null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// A number for a table: fixed digits, "—" for none.
export function num(v, digits = 2) {
  if (v == null || Number.isNaN(v)) return "—";
  return Number(v).toFixed(digits).replace(/\.?0+$/, (m) => (m.startsWith(".") ? "" : m));
}

// A time for a reader: Beijing time, one format everywhere ("2021-12-26 14:49"), whatever the
// reader's own time zone; the API keeps ISO 8601 with its offset. "—" for none.
const BEIJING = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hourCycle: "h23",
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
export function when(iso) {
  if (!iso) return "—";
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso);
  const p = Object.fromEntries(BEIJING.formatToParts(t).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// A table from column headings and rows of cells (strings, numbers or nodes).
// A cell may be {text, class, title, short} (short: the text a phone shows instead); a row may carry {cells, onclick, class, unit} (unit becomes
// data-unit, which names the row for scripts and tests). `opts.caption` names the table for a
// screen reader (shown), `opts.class` classes it; it sits in a box that scrolls sideways on its
// own when it is wider than the screen, so the page never does.
export function table(headings, rows, opts = {}) {
  const head = el("thead", null, el("tr", null, headings.map((h) => el("th", { scope: "col" }, h))));
  const body = el("tbody");
  for (const r of rows) {
    const cells = Array.isArray(r) ? r : r.cells;
    const tr = el("tr", Array.isArray(r) ? null : { class: r.class, onclick: r.onclick,
      tabindex: r.onclick ? "0" : null, "data-unit": r.unit });
    if (!Array.isArray(r) && r.onclick)
      tr.addEventListener("keydown", (ev) => { if (ev.key === "Enter") r.onclick(ev); });
    for (const c of cells) {
      const isObj = c != null && typeof c === "object" && !(c instanceof Node);
      tr.append(el("td", isObj ? { class: c.class, title: c.title,
        "data-short": c.short && c.short !== c.text ? c.short : null } : null,
        isObj ? c.text : c));
    }
    body.append(tr);
  }
  const t = el("table", { class: opts.class }, opts.caption ? el("caption", null, opts.caption) : null,
    head, body);
  return el("div", { class: "scroll" }, t);
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

// A <select> of [value, label] pairs.
export function select(options, value, onchange, label) {
  const s = el("select", { "aria-label": label, onchange: (ev) => onchange(ev.target.value) },
    options.map(([v, l]) => el("option", { value: v, selected: v === value }, l)));
  return el("label", null, label + " ", s);
}

// A row of tab buttons; `onpick(id)` when one is clicked.
export function tabs(items, current, onpick, cls) {
  return el("div", { class: cls, role: "tablist" }, items.map(([id, label]) =>
    el("button", { type: "button", role: "tab", "aria-selected": String(id === current),
      onclick: () => onpick(id) }, label)));
}
