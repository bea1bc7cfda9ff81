// app.js — the dashboard's shell: the login box, who is logged in, the tabs, and the small
// shared state (the year's rule set, its units, the picked scheme/period/group) kept across
// tabs. Views live in their own modules and draw into <main>; the hash names the view (#/rank,
// #/unit/lufeng, …). It opens on the latest period that has data (GET /api/v1/periods), in
// whichever year that is, and the year picker reaches every year the host serves.
import { get, explain, token, setUnauthorizedHandler, setRole, defaultPeriod } from "./api.js";
import { el, clear, tabs } from "./dom.js";
import { pickers } from "./pickers.js";
import * as ranking from "./ranking.js";
import * as unit from "./unit.js";
import * as rules from "./rules.js";
import * as batches from "./batches.js";
import * as runs from "./runs.js";
import * as bulletins from "./bulletins.js";
import * as rectify from "./rectify.js";
import * as reports from "./reports.js";

const $ = (id) => document.getElementById(id);

// The only app state: who is logged in, the years served, the picked year's rule set, units
// (by id) and periods with data, and the current picks.
const state = { me: null, years: [], year: null, rules: null, units: new Map(), withData: [],
  scheme: null, period: null, group: null, found: null, focusFound: false };

const TITLE = "汕尾市数字政府评估";
const VIEWS = [
  // a viewer sees rankings only in published bulletins (the live ranking answers 403)
  { id: "rank", label: "排名", mod: ranking, roles: ["admin", "evaluator", "unit"], pickers: true },
  { id: "unit", label: "单位", mod: unit, roles: ["admin", "evaluator", "unit"], pickers: true },
  { id: "issues", label: "问题清单", mod: rectify, roles: ["admin", "evaluator", "unit"], pickers: true },
  { id: "reports", label: "自报与申诉", mod: reports, roles: ["admin", "evaluator", "unit"], pickers: true },
  { id: "rules", label: "规则", mod: rules, roles: ["admin", "evaluator"] },
  { id: "data", label: "数据", mod: batches, roles: ["admin", "evaluator"] },
  { id: "bulletins", label: "通报", mod: bulletins, roles: ["admin", "evaluator", "unit", "viewer"] },
  { id: "runs", label: "评估记录", mod: runs, roles: ["admin", "evaluator"] },
  // one bulletin, opened from the 通报 list; it lights the 通报 tab
  { id: "bulletin", tab: "bulletins", label: "通报", mod: bulletins,
    roles: ["admin", "evaluator", "unit", "viewer"] },
];

// Where each role lands: a unit on its own unit, a viewer (who sees published bulletins only)
// on the bulletins, staff on the live ranking.
function home(me) {
  if (me.role === "unit") return "#/unit/" + encodeURIComponent(me.unit);
  if (me.role === "viewer") return "#/bulletins";
  return "#/rank";
}

const ROLE_NAMES = { admin: "管理员", evaluator: "评估人员", unit: "被评估单位", viewer: "领导（查阅）" };

// A unit's name for a reader (never its id); `short` for narrow places when units.csv has one.
export function unitName(id, short = false) {
  const u = state.units.get(id);
  return u ? (short && u.short) || u.name : id;
}

// The banner above every view for staff while a year's latest rule files fail to load: the
// last good rules still serve, so nothing else on the page looks wrong, and the author must
// learn which file:line to fix. Units and viewers may not read the reload status; they see
// nothing.
async function rulesBanner() {
  const b = $("rules-banner");
  if (!state.me || !["admin", "evaluator"].includes(state.me.role)) { b.hidden = true; return; }
  let st;
  try { st = await get("rules/status"); } catch { return; }
  const failing = (st.sets || []).filter((s) => s.last_attempt && !s.last_attempt.ok);
  clear(b);
  for (const s of failing) {
    const e = (s.last_attempt.errors || [])[0] || {};
    // the file within the rule set, not where the server keeps it
    const where = `${(e.file || "").split("/").slice(-2).join("/") || "规则目录"}${e.line ? "：第 " + e.line + " 行" : ""}`;
    b.append(el("span", null, `${s.year || ""} 年规则文件载入失败，仍在使用上一版本（${(s.revision || "").slice(0, 12)}）：`),
      el("span", { class: "where" }, where), ` ${e.message || ""}`, el("br"));
  }
  b.hidden = failing.length === 0;
}

export function message(text) {
  const m = $("message");
  m.textContent = text || "";
  m.hidden = !text;
}

// Goes to a view: "#/rank", "#/unit/lufeng".
export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function showLogin(why) {
  token.clear();
  state.me = null;
  $("login").hidden = false;
  $("tabs").hidden = true;
  $("rules-banner").hidden = true;
  clear($("view"));
  clear($("who"));
  message("");
  $("login-error").textContent = why || "";
  $("token").focus();
}

// Loads a year: its rules, its units and which of its periods have data; the period becomes the
// latest with data (or the one remembered, when it is of this year), else the default.
export async function setYear(year, remembered) {
  const q = year ? "?year=" + year : "";
  const [rules, units, periods] = await Promise.all([get("rules" + q), get("units" + q),
    get("periods" + q)]);
  state.rules = rules;
  state.year = rules.year;
  state.units = new Map(units.units.map((u) => [u.id, u]));
  state.withData = periods.periods || [];
  const schemes = rules.schemes;
  if (!schemes.some((s) => s.id === state.scheme)) state.scheme = schemes[0].id;
  const sch = schemes.find((s) => s.id === state.scheme);
  const own = (p) => p && p.startsWith(String(state.year)) && (sch.period === "year") === !p.includes("-");
  const latest = sch.period === "year" ? state.withData.find((p) => !p.includes("-"))
    : periods.latest && periods.latest.includes("-") ? periods.latest : null;
  state.period = own(remembered) ? remembered : latest || defaultPeriod(sch, state.year);
  pick({});
}

// The year to open: the newest that has any data, else the newest.
async function landingYear() {
  const first = await get("periods");
  state.years = first.years || [first.year];
  if (first.latest) return first.year;
  for (const y of state.years.slice(1)) {
    const p = await get("periods?year=" + y);
    if (p.latest) return y;
  }
  return first.year;
}

async function login(secret) {
  token.set(secret);
  try {
    state.me = await get("whoami");
    setRole(state.me.role);
    const remembered = sessionStorage.getItem("pinggu.period");
    state.scheme = sessionStorage.getItem("pinggu.scheme");
    const year = remembered ? Number(remembered.slice(0, 4)) : null;
    const landing = await landingYear();
    await setYear(state.years.includes(year) ? year : landing, remembered);
  } catch (e) {
    if (e.status !== 401) showLogin(explain(e));
    return;
  }
  $("login").hidden = true;
  $("tabs").hidden = false;
  const who = $("who");
  clear(who).append(
    `${state.me.name}（${ROLE_NAMES[state.me.role] || state.me.role}${state.me.unit ? "：" + unitName(state.me.unit) : ""}）`,
    el("button", { type: "button", onclick: () => showLogin("已退出登录。") }, "退出"));
  if (!location.hash || location.hash === "#" || location.hash === "#/") location.hash = home(state.me);
  else route();
}

// Remembers the picks across reloads of the tab.
export function pick(changes) {
  Object.assign(state, changes);
  if (state.scheme) sessionStorage.setItem("pinggu.scheme", state.scheme);
  if (state.period) sessionStorage.setItem("pinggu.period", state.period);
}

// The tabs; the arrow keys, Home and End move between them (and open the view, focus staying on
// the tab), as a tab list does.
function drawTabs(allowed, current, keyed) {
  const nav = $("tabs");
  const items = allowed.filter((v) => v.label && !v.tab).map((v) => [v.id, v.label]);
  const open = (id) => go(id === "unit" && state.me.role === "unit" ? "#/unit/" + state.me.unit : "#/" + id);
  clear(nav).append(tabs(items, current, (id) => { focusView = true; open(id); }));
  const buttons = [...nav.querySelectorAll("[role=tab]")];
  buttons.forEach((b, i) => {
    b.tabIndex = items[i][0] === current ? 0 : -1;
    b.addEventListener("keydown", (ev) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      const j = (to + buttons.length) % buttons.length;
      keyedTab = items[j][0];
      open(items[j][0]);
    });
  });
  if (keyed) buttons.find((b, i) => items[i][0] === keyed)?.focus();
}

let drawing = 0;
let focusView = false; // a tab was clicked: focus goes to the new view once drawn
let keyedTab = null;   // a tab was reached by the keyboard: focus stays on it
async function route() {
  if (!state.me) return;
  const [, name = "rank", ...args] = location.hash.replace(/^#/, "").split("/");
  const allowed = VIEWS.filter((v) => v.roles.includes(state.me.role));
  const view = allowed.find((v) => v.id === name);
  drawTabs(allowed, view && (view.tab || view.id), keyedTab);
  keyedTab = null;
  message("");
  rulesBanner();
  const main = $("view");
  document.title = (view ? view.label + " · " : "") + TITLE;
  if (!view) {
    clear(main);
    message(VIEWS.some((v) => v.id === name) ? "当前角色无权查看此页面。" : "没有这个页面。");
    return;
  }
  const mine = ++drawing;
  // the page stays while the next one loads; a bar at the top says it is loading
  main.setAttribute("aria-busy", "true");
  $("progress").hidden = false;
  let node;
  try {
    node = await view.mod.render(state, args.map(decodeURIComponent));
  } catch (e) {
    if (mine !== drawing || e.status === 401) return;
    // the pickers stay, so another period or year is one choice away
    node = el("div", null, view.pickers ? pickers(state, route) : null);
    message(explain(e));
  }
  if (mine !== drawing) return; // a later click won
  clear(main).append(node);
  main.removeAttribute("aria-busy");
  main.dataset.drawn = String(mine); // for scripts and tests: which draw the view shows
  $("progress").hidden = true;
  if (focusView) main.focus({ preventScroll: true });
  focusView = false;
}

setUnauthorizedHandler((msg) => showLogin("令牌无效或已失效，请重新登录（" + msg + "）"));
window.addEventListener("hashchange", route);
$("login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const t = $("token").value.trim();
  $("token").value = "";
  if (t) login(t);
});
if (token.get()) login(token.get());
else showLogin("");
