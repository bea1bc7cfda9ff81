/* months.h — an annual composite over months governed by different rule generations.
 *
 * The core evaluates the monthly totals a scheme of schemes averages inside the one rule set it
 * is given (core/score, pg_eval). When a change took effect within the year (reload.c's chain),
 * the months before it must keep their own rules, so a job evaluating such a composite gives the
 * core each of those months' totals computed under the month's own generation, from its own
 * rule set and its own data loading (pg_eval_months_set, score.h). The composite is then
 * 0.4 × the mean of the monthly totals as each month is served + 0.6 × year_end, never a mix
 * computed with the newest rules for every month. */
#ifndef PG_MONTHS_H
#define PG_MONTHS_H

#include "host.h"

typedef struct pg_mix pg_mix;

/* Loop thread: when scheme `scheme` (an index into the current generation of `period`'s year)
 * for yearly `period` averages monthly totals of months another generation governs, the mix
 * that supplies them, holding references to those generations; NULL when there are none. */
pg_mix *pg_mix_new(const pg_host *h, int scheme, int period);
/* Pool thread: loads each of the mix's generations (its own Lua state, under the job's
 * deadline) and its data, and puts the mix in force for pg_eval on this thread. `rs` is the
 * job's rule set of the composite, whose units the months' results must have. Returns 0, or a
 * negative errno with the reasons in `d`. */
int pg_mix_begin(pg_mix *m, const pg_ruleset *rs, const char *datadir, unsigned deadline_ms,
                 pg_diags *d);
/* Pool thread, after every result made under the mix is freed: takes it out of force and frees
 * the rule sets and data it loaded. */
void pg_mix_end(pg_mix *m);
/* Loop thread: drops the references. NULL is fine. */
void pg_mix_free(pg_mix *m);

#endif
