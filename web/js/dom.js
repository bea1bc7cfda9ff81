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

// The decimals a column of points needs: the most any of its figures has (they come rounded to
// the rule set's digits), so that a column reads 85.00 beside 72.80, never 85 beside 72.8.
export function digitsOf(values) {
  let d = 0;
  for (const v of values) {
    if (v == null || !Number.isFinite(Number(v))) continue;
    const s = String(Number(v)), dot = s.indexOf(".");
    if (dot >= 0 && !s.includes("e")) d = Math.max(d, Math.min(6, s.length - dot - 1));
  }
  return d;
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

// Tables longer than this are shown a page at a time (LONG rows a page), so a group of 2,394
// units is 50 rows in the page, not 28,801 nodes; a table of the Shanwei set's 36 units is
// drawn whole, exactly as before.
export const LONG = 50;

// A table from column headings and rows of cells (strings, numbers or nodes).
// A cell may be {text, class, title, short} (short: the text a phone shows instead); a row may
// carry {cells, onclick, class, unit} (unit becomes data-unit, which names the row for scripts and
// tests). `opts.caption` names the table for a screen reader (shown), `opts.class` classes it; it
// sits in a box that scrolls sideways on its own when it is wider than the screen, so the page
// never does. More than `opts.pageSize` rows (default LONG; `opts.pageSize: Infinity` for a
// table that must stay whole, such as an indicator tree) are paged: only the page's rows are in
// the document, with 首页/上一页/下一页/末页 buttons and a page indicator below. `opts.current`
// (a unit id) marks that unit's row (aria-current) and opens the table on its page. The node
// returned has show(unit), which turns to the page holding that unit's row, marks it and
// returns the row (null when the table has none).
export function table(headings, rows, opts = {}) {
  const head = el("thead", null, el("tr", null, headings.map((h) => el("th", { scope: "col" }, h))));
  const body = el("tbody");
  const t = el("table", { class: opts.class }, opts.caption ? el("caption", null, opts.caption) : null,
    head, body);
  const box = el("div", { class: "scroll" }, t);
  let current = opts.current || null;
  const draw = (list) => body.replaceChildren(...list.map((r) => rowOf(r, current)));
  const size = opts.pageSize || LONG;
  const unitAt = (id) => rows.findIndex((r) => !Array.isArray(r) && r.unit === id);
  if (rows.length <= size) {
    draw(rows);
    box.show = (id) => {
      current = id;
      draw(rows);
      return body.querySelector("tr[aria-current]");
    };
    return box;
  }
  const pages = Math.ceil(rows.length / size);
  const at = current ? unitAt(current) : -1;
  let page = at >= 0 ? Math.floor(at / size) : 0;
  const turn = (to) => {
    page = Math.max(0, Math.min(pages - 1, to));
    draw(rows.slice(page * size, (page + 1) * size));
    p.update(page);
  };
  const p = pager(pages, rows.length, size, (to) => turn(to), opts.caption);
  const wrap = el("div", { class: "paged" }, box, p);
  turn(page);
  wrap.show = (id) => {
    const i = unitAt(id);
    if (i < 0) return null;
    current = id;
    turn(Math.floor(i / size));
    return body.querySelector("tr[aria-current]");
  };
  return wrap;
}

function rowOf(r, current) {
  const cells = Array.isArray(r) ? r : r.cells;
  const mine = !Array.isArray(r) && current != null && r.unit === current;
  const tr = el("tr", Array.isArray(r) ? null : { class: [r.class, mine ? "current" : null].filter(Boolean).join(" ") || null,
    onclick: r.onclick, tabindex: r.onclick ? "0" : mine ? "-1" : null, "data-unit": r.unit,
    "aria-current": mine ? "true" : null });
  if (!Array.isArray(r) && r.onclick)
    tr.addEventListener("keydown", (ev) => { if (ev.key === "Enter") r.onclick(ev); });
  for (const c of cells) {
    const isObj = c != null && typeof c === "object" && !(c instanceof Node);
    tr.append(el("td", isObj ? { class: c.class, title: c.title,
      "data-short": c.short && c.short !== c.text ? c.short : null } : null,
      isObj ? c.text : c));
  }
  return tr;
}

// The buttons under a paged list: 首页, 上一页, the page indicator (a live region, so a screen
// reader hears the new page), 下一页, 末页. `onturn(page)` with the 0-based page; update(page)
// sets the indicator and disables the buttons that lead nowhere. Plain buttons, so Tab and
// Enter/Space reach them; the focus stays on the button pressed.
export function pager(pages, count, size, onturn, label) {
  let page = 0;
  const status = el("span", { class: "pageno", role: "status", "aria-live": "polite" });
  const btn = (text, to, aria) => el("button", { type: "button", "data-go": aria,
    onclick: () => onturn(to(page)) }, text);
  const first = btn("首页", () => 0, "first"), prev = btn("上一页", (p) => p - 1, "prev");
  const next = btn("下一页", (p) => p + 1, "next"), last = btn("末页", () => pages - 1, "last");
  const nav = el("nav", { class: "pager", "aria-label": (label ? label + " " : "") + "分页" },
    first, prev, status, next, last);
  nav.update = (to) => {
    page = to;
    const lo = page * size + 1, hi = Math.min(count, (page + 1) * size);
    status.textContent = `第 ${page + 1} / ${pages} 页（第 ${lo}–${hi} 行，共 ${count} 行）`;
    first.disabled = prev.disabled = page === 0;
    next.disabled = last.disabled = page === pages - 1;
    // a button disabled under the focus (下一页 onto the last page) hands the focus on
    const f = document.activeElement;
    if (f && f.disabled && nav.contains(f)) (page === 0 ? next : prev).focus();
  };
  return nav;
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

// The note on a result served while its re-score runs (api.js's `outdated`: "data" or "rules"),
// or null on a current one. The numbers under it are the previous evaluation's: the note says
// so, and the view is drawn again a few seconds later while the note is still on the page.
export function outdatedNote(data, redraw) {
  if (!data || !data.outdated) return null;
  const why = data.outdated === "rules" ? "规则已更新" : "数据已更新";
  const note = el("p", { class: "live", role: "status", "data-outdated": data.outdated },
    `${why}，正在重新计算；以下为上一次计算的结果，稍后自动刷新。`);
  setTimeout(() => { if (note.isConnected) redraw(); }, 3000);
  return note;
}
