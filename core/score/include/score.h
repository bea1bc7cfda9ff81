/* eval.h — evaluating one scheme for one period: scores, roll-up, totals, ranks, movement.
 *
 * pg_eval() scores every unit on every indicator of the scheme's trees, rolls the points up
 * (rescaling when indicators are dropped, clamping at caps), combines the parts into a total,
 * rounds it, ranks each group and compares with the previous period. For a scheme of
 * schemes (the annual composite) it evaluates the schemes it aggregates first and keeps those
 * results in `sub` so that every number stays explainable.
 *
 * The result borrows the rule set, which must outlive it. pg_eval calls custom Lua methods
 * through the rule set's sandbox, so one rule set is evaluated by one thread at a time. */
#ifndef PG_EVAL_H
#define PG_EVAL_H

#include "result.h"

/* Evaluates `scheme` for `period` (a period code, see period.h). Returns 0 and *out, or a
 * negative errno with a diagnostic: -EINVAL for a period of the wrong kind or year, -ENOENT
 * when the data hold nothing for it. */
int pg_eval(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period, pg_result **out,
            pg_diags *d);

#endif
