// pickers.js — the scheme and period pickers shared by the ranking and unit pages.
import { el, select } from "./dom.js";
import { periodsOf, defaultPeriod } from "./api.js";
import { pick } from "./app.js";

// The current scheme object, with the period corrected to fit it (a month for monthly schemes,
// the year for year schemes).
export function currentScheme(state) {
  const schemes = state.rules.schemes;
  const sch = schemes.find((s) => s.id === state.scheme) || schemes[0];
  if (!periodsOf(sch, state.rules.year).includes(state.period))
    pick({ scheme: sch.id, period: defaultPeriod(sch, state.rules.year) });
  return sch;
}

// The two pickers; `redraw()` after a change.
export function pickers(state, redraw) {
  const sch = currentScheme(state);
  return el("div", { class: "pickers" },
    select(state.rules.schemes.map((s) => [s.id, s.name]), sch.id, (v) => {
      const next = state.rules.schemes.find((s) => s.id === v);
      pick({ scheme: v, period: defaultPeriod(next, state.rules.year) });
      redraw();
    }, "方案"),
    select(periodsOf(sch, state.rules.year).map((p) => [p, p]), state.period, (v) => {
      pick({ period: v });
      redraw();
    }, "期次"));
}
