/* totals.h — the active batches' partials compacted per definition and period (totals.c).
 * Not a public header. */
#ifndef PG_TOTALS_H
#define PG_TOTALS_H

#include "aggregate.h"
#include "cells.h"
#include "data.h"
#include "store.h"

/* The active batches of `source` as total_state lists them ("seq:keys_gen,..." in seq order,
 * malloc'd into *out, "" for none) and how many (*n). */
int pg_totals_active(pg_store *st, const char *source, char **out, int *n, pg_diags *d);
/* How many leading batches of `active` the stored totals of (source, def) merge: all of them
 * when the lists are equal, fewer when the stored list is a prefix, 0 when there are no totals
 * or they merge something else. Negative: a store error. */
int pg_totals_prefix(pg_store *st, const char *source, const char *def, const char *active,
                     pg_diags *d);
/* Calls each(arg, metric, unit, bucket, p) for every stored cell of the totals of source s's
 * definition `def`, once per metric of the source with that definition (not fed), each cell
 * decoded once; p is the cell, valid during the call. Stops at each's first non-zero return
 * (other than -1, which says the cell cannot count), returning it; -EINVAL with a diagnostic
 * for a damaged cell or one that names a unit no longer in the rules. */
int pg_totals_each(pg_store *st, const pg_ruleset *rs, int s, const char *def,
                   int (*each)(void *arg, int metric, int unit, int bucket, pg_partial *p),
                   void *arg, pg_diags *d);
/* Merges the stored totals of source s's definition `def` into the cells of every metric of
 * the source with that definition. */
int pg_totals_merge(pg_store *st, const pg_ruleset *rs, int s, const char *def, pg_agg *table,
                    pg_diags *d);

/* One period's row of totals, encoded. */
typedef struct {
    int bucket;
    pg_bytes cells;
} pg_totals_row;

/* The totals of one definition to write once the read is over. */
typedef struct {
    const char *source, *def; /* borrowed from the rule set */
    char *batches;            /* the list they merge */
    int whole;                /* 1: every period (the old rows go); 0: these periods only */
    pg_totals_row *rows;
    int nrows;
} pg_totals_put;

/* Encodes the cells of `metric` in `table` (the merge of `active`) as definition def's totals:
 * every period when `touched` is NULL, else the periods it lists. */
void pg_totals_encode(const pg_ruleset *rs, int s, const char *def, int metric, const pg_agg *table,
                      const char *active, const pg_buckets *touched, pg_totals_put *out);
/* Writes them, inside the caller's write transaction, for each source whose active batches are
 * still those they merge (a concurrent ingest or withdrawal makes them stale: not written). */
int pg_totals_store(pg_store *st, const pg_totals_put *v, int n, pg_diags *d);
void pg_totals_put_free(pg_totals_put *v, int n);

#endif
