/* keyset.h — the keys of a keyed source across its batches (keyset.c). Not a public header. */
#ifndef PG_KEYSET_H
#define PG_KEYSET_H

#include "aggregate.h"
#include "data.h"
#include "ingest_stream.h"
#include "store.h"

/* Reads a file of source s with its keys into TEMP table `table` ("new_key" for a file being
 * ingested, emptied first): the file at `path`, or, when `sq` is not NULL, the input it
 * describes, read once, hashed and copied (pg_ingest_stream: *src_rc its code, id its hash;
 * its filter is filled in here). Returns the aggregator, or NULL with diagnostics. */
pg_agg *pg_keys_read(const pg_ruleset *rs, int s, pg_store *st, const char *table, const char *path,
                     const char *format, pg_ingest_stream_req *sq, char id[65], int *src_rc,
                     long *errors, pg_diags *d);
/* Reads a stored batch again, counting only the records that count now. */
pg_agg *pg_keys_read_stored(const pg_ruleset *rs, int s, pg_store *st, const pg_batch *b,
                            const char *path, long *errors, pg_diags *d);
/* Brings record_key up to date with source s's key and on_duplicate (in a write transaction). */
int pg_keys_policy(const pg_ruleset *rs, int s, pg_store *st, pg_diags *d);
/* Copies the keys read into new_key into record_key as batch `seq`'s, to be settled. */
int pg_keys_take_new(pg_store *st, const char *source, long seq, pg_diags *d);
/* Settles source s's keys (keyset.c, top), inside the caller's write transaction; `fresh` is
 * the seq of the batch being ingested or restored (0: none), reported on under `file`.
 * 0, -EEXIST when on_duplicate = "reject" refuses, or a store error. */
int pg_keys_settle(const pg_ruleset *rs, const char *datadir, int s, pg_store *st, long fresh,
                   const char *file, pg_diags *d);
/* Whether source s has keys to settle before its values are taken. */
int pg_keys_unsettled(const pg_ruleset *rs, int s, pg_store *st);
/* Settles every source that needs it, each in its own write transaction. */
int pg_keys_settle_all(const pg_ruleset *rs, const char *datadir, pg_store *st, pg_diags *d);
/* b's shadowed count, keys_gen and seq as stored now. */
void pg_keys_reload_counts(pg_store *st, pg_batch *b);

#endif
