/* ingest_parallel.h — reading one batch file into an aggregator, on one thread or several
 * (ingest_parallel.c).
 *
 * The result does not depend on the number of threads: the same records, the same cells in the
 * same order, the same counts, and sums that agree to the last bit in practice (they are
 * compensated; see aggregate.h). A file with any bad record is read again on one thread, so
 * its diagnostics are exactly those of a single read: the first PG_READER_MAX_ERRORS as
 * file:line: field: reason, counted in *errors. */
#ifndef PG_INGEST_PARALLEL_H
#define PG_INGEST_PARALLEL_H

#include "aggregate.h"
#include "data.h"

/* Below this many bytes a part of a file is not worth a thread of its own. */
#define PG_INGEST_MIN_PART ((long long)8 << 20)

/* A batch file's format from its name: .ndjson, .jsonl and .json are "ndjson", anything else
 * "csv" (the ingest and its dry run decide the same way). */
const char *pg_ingest_format(const char *path);

/* Reads path ("csv" or "ndjson" format) into a new aggregator for rs->sources[source] with up
 * to `threads` threads, each taking at least min_part bytes (PG_INGEST_MIN_PART; tests use
 * less). A source with a key is read on one thread: which of two equal keys counts depends on
 * the order of the whole file. Returns the aggregator, or NULL with diagnostics when the file
 * cannot be read or any record is bad (*errors says how many; 0 for a file that cannot be
 * read). */
pg_agg *pg_ingest_aggregate(const pg_ruleset *rs, int source, const char *path, const char *format,
                            int threads, long long min_part, long *errors, pg_diags *d);
/* The same, asking `filter` whether each keyed record counts (pg_agg_key_filter) instead of
 * keeping the file's keys in memory; NULL: as pg_ingest_aggregate. A keyed source is read on
 * one thread, so the filter sees the records in file order. */
pg_agg *pg_ingest_aggregate_keyed(const pg_ruleset *rs, int source, const char *path,
                                  const char *format, int threads, long long min_part,
                                  pg_key_filter filter, void *ud, long *errors, pg_diags *d);
/* The same, reading `path` but naming it `name` in messages (a batch read again from its raw
 * copy is reported under the name it came by), and adding to the progress counts only when
 * `counted`. */
pg_agg *pg_ingest_aggregate_as(const pg_ruleset *rs, int source, const char *path, const char *name,
                               const char *format, int threads, long long min_part,
                               pg_key_filter filter, void *ud, int counted, long *errors,
                               pg_diags *d);

/* Adds to the progress counts (pg_ingest_progress): ingest_stream.c counts its own reading. */
void pg_ingest_progress_add(long long bytes, long long records);

#endif
