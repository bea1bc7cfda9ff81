/* reproduce.h — re-running a recorded run from what it froze: the rules snapshot it names
 * (DATA/rules/<hash>, loaded with pg_ruleset_load_at), its inputs (pg_dataset_from_json) and,
 * for a bulletin, the frozen numbers its movement was measured against. Nothing of the data
 * directory's current data or the author's current rules is read, so a published bulletin
 * re-runs to the same bytes however both have changed since. `pinggu reproduce` and
 * corrections (which compare with the revision they correct) use it. */
#ifndef PG_REPRODUCE_H
#define PG_REPRODUCE_H

#include "dataset.h"
#include "eval.h"
#include "run.h"
#include "store.h"

#include <stdio.h>

typedef struct {
    pg_run run;
    pg_ruleset *rs;
    pg_dataset *ds;
    pg_result *res;
    char *text;   /* the result as re-run, in the recorded form (pg_run_result_text) */
    char *stored; /* the result as recorded */
} pg_rerun;

/* Re-runs run `id`. Returns 0 and *r (free with pg_rerun_free, also after a failure), or a
 * negative errno with a diagnostic: -ENOENT for a run, blob or snapshot that is not there. */
int pg_reproduce_run(pg_store *st, const char *datadir, long id, pg_rerun *r, pg_diags *d);
void pg_rerun_free(pg_rerun *r);

/* 0 when the re-run's bytes are the recorded ones; otherwise the number of lines that differ,
 * the first `max` of them printed to `out` (may be NULL) as
 *   line N: recorded …
 *           re-run   … */
int pg_rerun_differences(const pg_rerun *r, int max, FILE *out);

#endif
