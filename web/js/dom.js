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

// A table from column headings and rows of cells (strings, numbers or nodes).
// A cell may be {text, class, title}; a row may carry {cells, onclick, class, unit} (unit becomes
// data-unit, which names the row for scripts and tests).
export function table(headings, rows) {
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
      tr.append(el("td", isObj ? { class: c.class, title: c.title } : null,
        isObj ? c.text : c));
    }
    body.append(tr);
  }
  return el("table", null, head, body);
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
