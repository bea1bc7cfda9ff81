/* aggregate.h — one pass over a batch computes every metric that reads its source.
 *
 * For each record, the aggregator finds the unit (through units.csv: id, code, name or
 * alias) and the period buckets of each metric's windows (the sampling month; every month a
 * `year_to_date` or rolling window covers; the year, YYYY00, for `year` and `year_end`), then
 * updates one partial aggregate per (metric, unit, bucket). A bucket is its whole window, each
 * seen at its own cut-off (`cutoff` in expressions), so nothing is merged across months when a
 * value is taken. Partials merge across batches: the value of a metric is the merge of the
 * partials of every active batch, so a batch can be withdrawn or replaced without re-reading
 * the others.
 *
 * Keys. A source with a key counts a key once. Read for a batch that goes into the store, the
 * aggregator asks a key filter (pg_agg_key_filter: batch.c keeps the keys in SQLite, so memory
 * does not grow with them) whether a record counts; without one it remembers the keys itself,
 * as 64-bit hashes in memory (checks and tests that store nothing).
 *
 * Distinct values are kept as 128-bit hashes (pg_h128): n distinct values collide with odds
 * about n^2 / 2^129, below 10^-20 for a billion values; numbers are kept exactly (their bits).
 *
 * Lifetime: an aggregator borrows its rule set. Not thread-safe; one per ingesting thread. */
#ifndef PG_AGGREGATE_H
#define PG_AGGREGATE_H

#include "rules.h"

#include <stdint.h>

/* A 128-bit hash of a distinct value; {0, 0} marks a free slot of a set. */
typedef struct {
    uint64_t lo, hi;
} pg_h128;

typedef struct {
    double n;      /* records in the population (after `where`) */
    double sum;    /* Σ value (sum, mean, ratio numerator) */
    double den;    /* Σ denominator (ratio) */
    double hits;   /* records meeting the condition (share) */
    double valued; /* records whose value was not null (mean, min, max) */
    double min, max;
    /* The rounding errors of sum and den, kept apart (compensated summation): sum + sum_c is
     * the sum of the values to about 2^-106, whatever order they came in, so a file read on
     * two threads and merged gives the same figures as one read in a row. */
    double sum_c, den_c;
    pg_h128 *hashes; /* distinct: a hash set of the values (open addressing, {0,0} = free) */
    int nhashes, caphashes;
    double *values; /* p50/p90: every non-null value */
    int nvalues, capvalues;
} pg_partial;

typedef struct {
    int metric; /* index into rs->metrics */
    int unit;
    int bucket; /* period code: YYYYMM, or YYYY00 */
    pg_partial p;
} pg_agg_cell;

typedef struct pg_agg pg_agg;

/* An aggregator for the computed metrics of `source`. */
pg_agg *pg_agg_new(const pg_ruleset *rs, int source);
void pg_agg_free(pg_agg *a);

/* Feeds one record. Returns 0, or -1 with a reason in *why (a static string or one that
 * lives until the next call) when the record's unit is not in units.csv. */
int pg_agg_add(pg_agg *a, const pg_value *rec, const char **why);
/* Sizes the key set (a source with a key) for about this many records, so that it does not
 * grow, holding two tables at once, while the file is read. */
void pg_agg_expect(pg_agg *a, long records);
/* Records seen, those skipped as duplicates of an earlier key of the same file, and those
 * skipped because another batch's record with their key counts instead (the filter's 2). */
long pg_agg_records(const pg_agg *a);
long pg_agg_duplicates(const pg_agg *a);
long pg_agg_shadowed(const pg_agg *a);

/* Decides whether a keyed record counts: `key` (len bytes: the text of a string key, %.17g of a
 * number) of the record-th record (1-based, in file order) is asked. Returns 1: it counts; 0:
 * it repeats a key of this file (a duplicate); 2: another batch's record counts for this key;
 * -1: the filter failed (a store error; the record is reported bad with *why). */
typedef int (*pg_key_filter)(void *ud, const char *key, int len, long record, const char **why);
/* Makes the aggregator ask `fn` instead of keeping its own key set. */
void pg_agg_key_filter(pg_agg *a, pg_key_filter fn, void *ud);

/* The partial of (metric, unit, bucket), created empty if absent: merging stored partials
 * into an aggregator uses it as the merge table. */
pg_partial *pg_agg_partial(pg_agg *a, int metric, int unit, int bucket);
/* The same without creating it: NULL when absent. */
pg_partial *pg_agg_find(const pg_agg *a, int metric, int unit, int bucket);
/* Adds a value hash to a distinct set (used when stored partials are read back). */
void pg_partial_add_hash(pg_partial *p, pg_h128 h);
/* The distinct hash of a string value. */
pg_h128 pg_h128_bytes(const char *s, int len);

/* Adds every cell and count of `from` into `into` (both for the same source): `from` read
 * the records after those of `into`. */
void pg_agg_merge(pg_agg *into, const pg_agg *from);

/* The cells, in no particular order; valid until the aggregator is freed or grows. */
int pg_agg_cells(const pg_agg *a, const pg_agg_cell **cells);

/* Σ value and Σ denominator of a partial, compensation included. */
double pg_partial_sum(const pg_partial *p);
double pg_partial_den(const pg_partial *p);
/* Adds b into a (a must start zeroed or be a partial of the same metric). */
void pg_partial_merge(pg_partial *a, const pg_partial *b);
void pg_partial_free(pg_partial *p);
/* The metric's value and sample size from a merged partial. Returns 0, or -1 when there is no
 * value (no records, all null, or a zero denominator). */
int pg_partial_value(const pg_metric *m, pg_partial *p, double *value, double *n);

#endif
