/* cells.h — partials as exact binary cells (cells.c). Not a public header. */
#ifndef PG_CELLS_H
#define PG_CELLS_H

#include "aggregate.h"
#include "data.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* A growing byte buffer. */
typedef struct {
    unsigned char *p;
    size_t n, cap;
} pg_bytes;

/* One metric definition's cells over one batch, ready to store. */
typedef struct {
    const pg_metric *m;
    pg_bytes cells;
} pg_def_cells;

/* A small set of buckets (periods). */
typedef struct {
    int *v;
    int n, cap;
    int all; /* every bucket: the caller could not tell which */
} pg_buckets;

void pg_buckets_add(pg_buckets *b, int bucket);

/* What pg_cells_merge merges into: the cells of `metric` in `table`; the buckets merged are
 * added to *touched when it is not NULL. */
typedef struct {
    const pg_ruleset *rs;
    pg_agg *table;
    int metric;
    pg_buckets *touched;
} pg_cells_merger;

/* Calls fn for each cell of a stored blob; returns 0, -1 if it is damaged, or what fn returned
 * when that is not 0 (and stops). */
int pg_cells_each(const void *blob, int len,
                  int (*fn)(void *ud, pg_partial *p, const char *unit, int bucket), void *ud);
/* A pg_cells_each callback (ud: a pg_cells_merger): merges one stored cell into the table;
 * -1 if it names a unit the rule set no longer has or a malformed period. */
int pg_cells_merge(void *ud, pg_partial *p, const char *unit, int bucket);
/* Merges one JSON cell of before schema 5 into the table; -1 if malformed. */
int pg_cells_from_json(const pg_ruleset *rs, pg_agg *table, int metric, const cJSON *a);
/* The aggregator's partials, one entry per metric definition of source s (*n of them). */
pg_def_cells *pg_def_cells_of(const pg_ruleset *rs, int s, const pg_agg *agg, int *n);
void pg_def_cells_free(pg_def_cells *v, int n);
/* Appends a blob of the n cells (the format of partial.cells) to *b. */
void pg_cells_encode(pg_bytes *b, const pg_ruleset *rs, const pg_agg_cell *const *cells, int n);

#endif
