/* ingest_stream.h — a batch read once: hashed, copied and parsed from one sequential read
 * (ingest_stream.c). Not a public header.
 *
 * pg_batch_ingest needs the file's SHA-256 (the batch id), a durable raw copy and the file's
 * records. One reading thread (core/base/rawcopy.c) reads the input a block at a time; the
 * hash and the copy take the blocks there, and this module cuts them into chunks that end
 * where records end and hands the chunks to parser threads. The input is read exactly once,
 * so it may be a pipe or a FIFO.
 *
 * The result equals pg_ingest_aggregate's on the same bytes: the same records, the same cells,
 * and, for a file with bad records, exactly its diagnostics (file:line: field: reason, the
 * first PG_READER_MAX_ERRORS, the count), which come from the raw copy read again on one
 * thread, under the name the input came by. */
#ifndef PG_INGEST_STREAM_H
#define PG_INGEST_STREAM_H

#include "aggregate.h"
#include "data.h"

#include <stddef.h>

/* How a stream went, for tests: the chunks parsed, whether the copy was read again (a bad
 * record, or a record too long to be sure of: see ingest_stream.c), and the blocks read
 * straight into the parsers' chunks. */
typedef struct {
    long chunks;
    int reread;
    long placed; /* blocks read straight into a chunk (no copy): a chunk target of a block
                  * (1 MiB) or more */
} pg_ingest_stream_stats;

typedef struct {
    const pg_ruleset *rs;
    int source;         /* index into rs->sources */
    int in;             /* the input: read from where it is to its end, not closed */
    const char *name;   /* what messages call the input (the path given) */
    const char *format; /* "csv" or "ndjson" */
    const char *copy;   /* the raw copy: a new file, complete and flushed when this returns 0 */
    int threads;        /* parser threads; a keyed source is parsed on one, in file order */
    /* a keyed source's filter, as pg_ingest_aggregate_keyed (NULL: the aggregator's own key
     * set); rewind, if not NULL, is called before the input is read again from its copy and
     * makes the filter forget the keys it has seen (returns 0, or a negative errno) */
    pg_key_filter filter;
    int (*rewind)(void *ud);
    void *ud;
    size_t chunk; /* bytes a chunk holds at least before it is cut; 0: the default (4 MiB).
                   * Tests use a few bytes, so that cuts fall everywhere. */
    pg_ingest_stream_stats *stats; /* NULL, or filled in */
} pg_ingest_stream_req;

/* Reads rq->in once into a new aggregator of rq->source while hashing it and copying it to
 * rq->copy. Returns a negative errno with a diagnostic when the input cannot be read or copied
 * (then the copy is removed and *agg is NULL). Otherwise returns 0 with the lower-case hex
 * SHA-256 in id and the complete copy at rq->copy, and *agg the aggregator, or NULL when a
 * record is bad (*errors bad records, the diagnostics in d). */
int pg_ingest_stream(const pg_ingest_stream_req *rq, pg_agg **agg, char id[65], long *errors,
                     pg_diags *d);

#endif
