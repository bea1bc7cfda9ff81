// search.js — finding a unit among thousands by its name, its 简称 (units.csv short), its code or
// its id: a search box whose matches are listed under it as the reader types (a combobox: the
// arrow keys move through the matches, Enter picks one, Escape closes the list). Chinese typed
// with an input method is matched once the characters are committed, never on the pinyin being
// composed. What picking does is the caller's: the 排名 tab turns its table to the unit's page,
// the 单位 tab opens the unit, the 通报 page finds it in its group's table.
import { el } from "./dom.js";

const SHOWN = 10; // matches listed at once; the rest are counted

// Full-width letters and digits (ＡＢＣ１２３, as a Chinese keyboard may type them) as
// half-width, Latin letters in lower case, no spaces at the ends.
export function fold(text) {
  return String(text == null ? "" : text).normalize("NFKC").trim().toLowerCase();
}

// The units matching `query`, best first: an exact name, 简称, code or id; then those that begin
// with it; then those that contain it; within each, in the order given. units: [{id, name, short,
// code, …}].
export function matchUnits(units, query) {
  const q = fold(query);
  if (!q) return [];
  const scored = [];
  units.forEach((u, i) => {
    const keys = [u.name, u.short, u.code, u.id].filter(Boolean).map(fold);
    const score = keys.some((k) => k === q) ? 0 : keys.some((k) => k.startsWith(q)) ? 1
      : keys.some((k) => k.includes(q)) ? 2 : -1;
    if (score >= 0) scored.push([score, i, u]);
  });
  return scored.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
}

let boxes = 0; // ids for the list each box controls

// The search box. units: as for matchUnits; describe(u): the words after a match's name (its
// group, its rank); onpick(u) when one is picked.
export function unitSearch(units, onpick, { describe = () => "", label = "查找单位" } = {}) {
  const id = "unit-search-" + ++boxes;
  const input = el("input", { type: "search", "aria-label": label, placeholder: "名称、简称或代码",
    autocomplete: "off", spellcheck: "false", role: "combobox", "aria-autocomplete": "list",
    "aria-expanded": "false", "aria-controls": id + "-list" });
  const list = el("ul", { id: id + "-list", class: "found", role: "listbox", "aria-label": "匹配的单位", hidden: true });
  const note = el("p", { class: "found-note", role: "status", "aria-live": "polite" });
  let found = [], active = -1;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const mark = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    if (i >= 0) {
      input.setAttribute("aria-activedescendant", list.children[i].id);
      list.children[i].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const choose = (u) => {
    close();
    note.textContent = "";
    onpick(u);
  };
  const update = () => {
    found = matchUnits(units, input.value);
    const q = fold(input.value);
    list.replaceChildren(...found.slice(0, SHOWN).map((u, i) => el("li", { id: `${id}-${i}`, role: "option",
      "aria-selected": "false", "data-unit": u.id,
      // mousedown, not click: the input keeps its focus (and the list) until the choice is made
      onmousedown: (ev) => { ev.preventDefault(); choose(u); } },
    el("span", { class: "name" }, u.name), u.short && u.short !== u.name ? `（${u.short}）` : "",
    u.code ? el("span", { class: "muted" }, " " + u.code) : "", el("span", { class: "muted" }, describe(u)))));
    note.textContent = !q ? "" : !found.length ? `没有名称、简称或代码含“${input.value.trim()}”的单位。`
      : found.length > SHOWN ? `共 ${found.length} 个单位匹配，列出前 ${SHOWN} 个；请输入更多字以缩小范围。`
        : `${found.length} 个单位匹配。`;
    list.hidden = !found.length;
    input.setAttribute("aria-expanded", String(found.length > 0));
    mark(-1);
  };

  input.addEventListener("input", (ev) => { if (!ev.isComposing) update(); });
  input.addEventListener("compositionend", update);
  input.addEventListener("keydown", (ev) => {
    // keys that drive an input method's candidate list are not ours
    if (ev.isComposing || ev.keyCode === 229) return;
    const n = Math.min(found.length, SHOWN);
    if (ev.key === "ArrowDown" && n) { ev.preventDefault(); list.hidden = false; mark((active + 1) % n); }
    else if (ev.key === "ArrowUp" && n) { ev.preventDefault(); mark((active - 1 + n) % n); }
    else if (ev.key === "Enter") {
      ev.preventDefault();
      if (found.length) choose(found[Math.max(0, active)]);
    } else if (ev.key === "Escape") close();
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
  input.addEventListener("focus", () => { if (found.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } });
  return el("div", { class: "search", role: "search" }, el("label", null, label + " ", input), list, note);
}
