/* batch.h — ingested batches in a data directory.
 *
 * A batch is one delivered file of one source, identified by the SHA-256 of its bytes. It is
 * taken whole or not at all: ingest reads every record, and only when none is bad does it
 * store, in DATA/batches/, a content-addressed copy of the raw file (raw/<id>.<ext>), the
 * partial aggregates of every metric that reads the source, keyed by the metric's definition
 * hash (partials/<id>.json), and a line in the index (index.json) with the batch's status.
 * Each file is written to a temporary name, flushed to disk and renamed, so a crash leaves the
 * last complete state. Ingesting the same bytes again changes nothing.
 *
 * When a metric's definition changes, its partials are recomputed from the stored raw files
 * the next time values are taken (pg_batch_feed); metrics whose definition did not change are
 * not. The record issue moves this store into SQLite. */
#ifndef PG_BATCH_H
#define PG_BATCH_H

#include "dataset.h"
#include "ruleset.h"

typedef struct {
    char id[65];
    char *source, *file, *format, *ingested_at;
    long records, duplicates;
    int active;
} pg_batch;

/* Ingests `path` as a batch of `source`, reading it with up to `threads` threads
 * (pg_ingest_threads() is the machine's CPUs; the result does not depend on it). Returns 0 and
 * fills *out (free with pg_batch_clear) with *again = 1 when the same bytes were already active; or
 * a negative errno with diagnostics: -EINVAL when records are bad (the first 20 as file:line:
 * field: reason, then the total), nothing stored. */
int pg_batch_ingest(const pg_ruleset *rs, const char *datadir, const char *source, const char *path,
                    int threads, pg_batch *out, int *again, pg_diags *d);
/* The batches in the index, in ingestion order. */
int pg_batch_list(const char *datadir, pg_batch **out, int *n, pg_diags *d);
/* Marks a batch (by id or unique id prefix) withdrawn; its partials stop counting. */
int pg_batch_withdraw(const char *datadir, const char *id, pg_diags *d);
void pg_batch_clear(pg_batch *b);
void pg_batch_list_free(pg_batch *b, int n);

/* Stores the values of every computed metric, merged over the active batches, into ds.
 * Returns 0, or a negative errno with diagnostics (a value both fed and computed is an
 * error). */
int pg_batch_feed(const pg_ruleset *rs, const char *datadir, pg_dataset *ds, pg_diags *d);

#endif
