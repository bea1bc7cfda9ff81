// pickers.js — the year, scheme and period pickers shared by the ranking and unit pages. The
// year picker appears when the host serves more than one year; a period without data is marked
// so, and stays pickable (a reader may want to see that it is empty).
import { el, select } from "./dom.js";
import { periodsOf, defaultPeriod, explain } from "./api.js";
import { pick, setYear, message } from "./app.js";

// The current scheme object, with the period corrected to fit it (a month for monthly schemes,
// the year for year schemes).
export function currentScheme(state) {
  const schemes = state.rules.schemes;
  const sch = schemes.find((s) => s.id === state.scheme) || schemes[0];
  if (!periodsOf(sch, state.rules.year).includes(state.period))
    pick({ scheme: sch.id, period: defaultPeriod(sch, state.rules.year) });
  return sch;
}

// "2021-05" → "2021年5月", "2021" → "2021年度".
export function periodLabel(p) {
  const m = /^(\d{4})(?:-(\d\d))?$/.exec(p || "");
  if (!m) return p || "";
  return m[2] ? `${m[1]}年${Number(m[2])}月` : `${m[1]}年度`;
}

// The pickers; `redraw()` after a change.
export function pickers(state, redraw) {
  const sch = currentScheme(state);
  const has = new Set(state.withData || []);
  const years = state.years || [];
  return el("div", { class: "pickers" },
    years.length > 1 ? select(years.map((y) => [String(y), `${y}年`]), String(state.year), async (v) => {
      try {
        await setYear(Number(v));
      } catch (e) {
        message(explain(e));
      }
      redraw();
    }, "年度") : null,
    select(state.rules.schemes.map((s) => [s.id, s.name]), sch.id, (v) => {
      const next = state.rules.schemes.find((s) => s.id === v);
      const latest = [...has].filter((p) => (next.period === "year") === !p.includes("-")).pop();
      pick({ scheme: v, period: latest || defaultPeriod(next, state.rules.year) });
      redraw();
    }, "方案"),
    select(periodsOf(sch, state.rules.year).map((p) => [p, periodLabel(p) + (has.has(p) ? "" : "（无数据）")]),
      state.period, (v) => {
        pick({ period: v });
        redraw();
      }, "期次"));
}
