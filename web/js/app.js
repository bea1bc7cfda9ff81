// app.js — the dashboard's shell: the login box, who is logged in, the tabs, and the small
// shared state (the rule set, the picked scheme/period/group) kept across tabs. Views live in
// their own modules and draw into <main>; the hash names the view (#/rank, #/unit/lufeng, …).
import { get, explain, token, setUnauthorizedHandler, defaultPeriod } from "./api.js";
import { el, clear, tabs } from "./dom.js";
import * as ranking from "./ranking.js";
import * as unit from "./unit.js";
import * as rules from "./rules.js";
import * as batches from "./batches.js";
import * as runs from "./runs.js";
import * as bulletins from "./bulletins.js";
import * as rectify from "./rectify.js";
import * as reports from "./reports.js";

const $ = (id) => document.getElementById(id);

// The only app state: who is logged in, the rule set, and the current picks.
const state = { me: null, rules: null, scheme: null, period: null, group: null };

const VIEWS = [
  // a viewer sees rankings only in published bulletins (the live ranking answers 403)
  { id: "rank", label: "排名", mod: ranking, roles: ["admin", "evaluator", "unit"] },
  { id: "unit", label: "单位", mod: unit, roles: ["admin", "evaluator", "unit"] },
  { id: "issues", label: "问题清单", mod: rectify, roles: ["admin", "evaluator", "unit"] },
  { id: "reports", label: "自报与申诉", mod: reports, roles: ["admin", "evaluator", "unit"] },
  { id: "rules", label: "规则", mod: rules, roles: ["admin", "evaluator"] },
  { id: "data", label: "数据", mod: batches, roles: ["admin", "evaluator"] },
  { id: "bulletins", label: "通报", mod: bulletins, roles: ["admin", "evaluator", "unit", "viewer"] },
  { id: "runs", label: "评估记录", mod: runs, roles: ["admin", "evaluator"] },
  // one bulletin, opened from the 通报 list; it lights the 通报 tab
  { id: "bulletin", tab: "bulletins", mod: bulletins, roles: ["admin", "evaluator", "unit", "viewer"] },
];

// Where each role lands: a unit on its own unit, a viewer (who sees published bulletins only)
// on the bulletins, staff on the live ranking.
function home(me) {
  if (me.role === "unit") return "#/unit/" + encodeURIComponent(me.unit);
  if (me.role === "viewer") return "#/bulletins";
  return "#/rank";
}

const ROLE_NAMES = { admin: "管理员", evaluator: "评估人员", unit: "被评估单位", viewer: "访客" };

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
    const where = `${e.file || s.directory}${e.line ? ":" + e.line : ""}`;
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

async function login(secret) {
  token.set(secret);
  try {
    state.me = await get("whoami");
    state.rules = await get("rules");
  } catch (e) {
    if (e.status !== 401) showLogin(explain(e));
    return;
  }
  const first = state.rules.schemes[0];
  state.scheme = sessionStorage.getItem("pinggu.scheme") || first.id;
  if (!state.rules.schemes.some((s) => s.id === state.scheme)) state.scheme = first.id;
  const sch = state.rules.schemes.find((s) => s.id === state.scheme);
  state.period = sessionStorage.getItem("pinggu.period") || defaultPeriod(sch, state.rules.year);
  $("login").hidden = true;
  $("tabs").hidden = false;
  const who = $("who");
  clear(who).append(
    `${state.me.name}（${ROLE_NAMES[state.me.role] || state.me.role}${state.me.unit ? "：" + state.me.unit : ""}）`,
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

let drawing = 0;
async function route() {
  if (!state.me) return;
  const [, name = "rank", ...args] = location.hash.replace(/^#/, "").split("/");
  const allowed = VIEWS.filter((v) => v.roles.includes(state.me.role));
  const view = allowed.find((v) => v.id === name);
  const nav = $("tabs");
  clear(nav).append(tabs(allowed.filter((v) => v.label).map((v) => [v.id, v.label]),
    view && (view.tab || view.id),
    (id) => go(id === "unit" && state.me.role === "unit" ? "#/unit/" + state.me.unit : "#/" + id)));
  message("");
  rulesBanner();
  const main = clear($("view"));
  if (!view) {
    message(VIEWS.some((v) => v.id === name) ? "当前角色无权查看此页面。" : "没有这个页面。");
    return;
  }
  const mine = ++drawing;
  main.append(el("p", { class: "muted" }, "加载中…"));
  try {
    const node = await view.mod.render(state, args.map(decodeURIComponent));
    if (mine !== drawing) return; // a later click won
    clear(main).append(node);
  } catch (e) {
    if (mine !== drawing || e.status === 401) return;
    clear(main);
    message(explain(e));
  }
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
