/* batch_row.h — a batch as a row of table batch (batch_row.c). Not a public header. */
#ifndef PG_BATCH_ROW_H
#define PG_BATCH_ROW_H

#include "data.h"
#include "store.h"

/* The columns pg_batch_from_row reads, in its order: SELECT PG_BATCH_COLS FROM batch ... */
#define PG_BATCH_COLS                                                                              \
    "id, source, file, format, records, duplicates, actor, ingested_at, status, "                  \
    "coalesce(replaced_by, ''), shadowed, seq, keys_gen"

/* A row of SELECT PG_BATCH_COLS into *b (overwritten; free with pg_batch_clear). */
void pg_batch_from_row(pg_batch *b, sqlite3_stmt *s);
/* A deep copy of `from` into *to. */
void pg_batch_copy(pg_batch *to, const pg_batch *from);
/* Sets b's status and b->active with it. */
void pg_batch_set_status(pg_batch *b, const char *status);
/* DATA/batches/raw/<id>.<format>, malloc'd. */
char *pg_batch_raw_path(const char *datadir, const pg_batch *b);

#endif
