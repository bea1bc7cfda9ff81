/* datadir.c — opening a data directory's values (see datadir.h). The *.csv files come first,
 * so that a value batch or a computed metric that gives one of their values again is the one
 * reported with both origins. What evaluators decided comes last: an accepted self-report
 * stands over a fed value of the same cell, and scores and upheld appeals add to the set. */
#include "record.h"
#include "data.h"

#include <errno.h>

int pg_datadir_load(const pg_ruleset *rs, const char *dir, pg_dataset **out, pg_diags *d)
{
    return pg_datadir_reload(rs, dir, NULL, out, d);
}

int pg_datadir_reload(const pg_ruleset *rs, const char *dir, pg_dataset *old, pg_dataset **out,
                      pg_diags *d)
{
    pg_dataset *ds = pg_dataset_new_reusing(rs, old);
    pg_store *st = NULL;
    int rc = pg_dataset_load_dir(ds, dir, d);
    if (rc == 0 && (rc = pg_batch_store_open_existing(dir, &st, d)) == 1) rc = 0; /* no store */
    if (rc == 0 && st) rc = pg_batch_feed_store(rs, dir, st, ds, d);
    if (rc == 0 && st) rc = pg_review_feed_store(rs, st, ds, d);
    pg_store_close(st);
    pg_dataset_drop_spare(ds);
    if (rc == 0 && pg_dataset_count(ds) == 0) {
        pg_error(d, dir, 0, "no data: no *.csv values and no ingested batches here");
        rc = -ENOENT;
    }
    if (rc != 0) {
        pg_dataset_free(ds);
        ds = NULL;
    }
    *out = ds;
    return rc;
}
