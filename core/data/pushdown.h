/* pushdown.h — a source's metric plan compiled to plain PostgreSQL, and the result rows turned
 * back into partials (pushdown.c).
 *
 * Internal to core/data: reader_plugin.c runs the statements through a source plugin's query
 * function (plugin.h, ABI 4) and hands every row to pg_pushdown_row; data.h's
 * pg_pushdown_check is what `pinggu check` asks.
 *
 * Lifetime: a plan borrows its rule set; the statements live as long as the plan. Not
 * thread-safe; one plan per pull. */
#ifndef PG_PUSHDOWN_H
#define PG_PUSHDOWN_H

#include "aggregate.h"
#include "data.h"
#include "rules.h"

typedef struct pg_pushdown pg_pushdown;

/* Compiles the metrics of source s for the table `table` ("name" or "schema.name", already
 * checked by the plugin). Returns the plan, or NULL with a located error in d for each metric
 * that cannot be pushed down (and why). */
pg_pushdown *pg_pushdown_compile(const pg_ruleset *rs, int s, const char *table, pg_diags *d);
void pg_pushdown_free(pg_pushdown *p);

/* The statements, in the order the plugin runs them. */
int pg_pushdown_statements(const pg_pushdown *p, const char *const **out);

/* One result row of statement stmt; 0, or -1 with the reason in the plan (pg_pushdown_error). */
int pg_pushdown_row(pg_pushdown *p, int stmt, int ncols, const char *const *values,
                    const size_t *lens);

/* After every row: checks what the engine said (column types, bad values, units), builds the
 * partials and the batch id (SHA-256 of the statements, `about` and the content fingerprint,
 * in hex). Returns the aggregator (caller frees), or NULL with the reason in
 * pg_pushdown_error. *records and *duplicates: the rows read and those whose key repeated. */
pg_agg *pg_pushdown_finish(pg_pushdown *p, const char *about, char id[65], long *records,
                           long *duplicates);
const char *pg_pushdown_error(const pg_pushdown *p);

/* A text of what was pulled, kept as the batch's copy: the statements and every result row. */
const char *pg_pushdown_transcript(const pg_pushdown *p, size_t *len);

/* batch.c: stores a pushed-down pull as a batch of rq->source named `label`, with the id
 * pg_pushdown_finish made and `transcript` as its kept copy. Returns what pg_batch_ingest
 * returns; refused when another batch of the source is active (but the one replaced). */
int pg_batch_ingest_partials(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                             const char *label, const char id[65], const char *transcript,
                             size_t len, pg_agg *agg, long records, long duplicates, pg_batch *out,
                             int *again, pg_diags *d);

#endif
