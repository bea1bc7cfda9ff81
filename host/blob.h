/* blob.h — an immutable, reference-counted byte string for response bodies.
 *
 * A cached ranking is written to many connections at once and may be replaced by a re-score
 * while some of those writes are still queued. Each write holds a reference, so the bytes live
 * until the last write completes. Blobs are created on any thread but referenced and released
 * only on the loop thread, so the count is a plain int. */
#ifndef PG_BLOB_H
#define PG_BLOB_H

#include "base.h"

#include <stddef.h>

typedef struct pg_blob {
    int refs;
    size_t len;
    char data[]; /* len bytes plus a terminating NUL, so text blobs are C strings */
} pg_blob;

/* A new blob with one reference, holding a copy of `len` bytes of `p` (NULL: zeroed). */
pg_blob *pg_blob_new(const void *p, size_t len);
/* A blob written in place, for a large one that a copy would fault in twice: pg_blob_begin
 * makes t (a pg_jtext, its text discarded) hold the blob's header, the bytes are appended to t,
 * and pg_blob_end makes them a blob with one reference and empties t. */
void pg_blob_begin(pg_jtext *t);
pg_blob *pg_blob_end(pg_jtext *t);
/* A new blob holding a copy of the string. */
pg_blob *pg_blob_str(const char *s);
pg_blob *pg_blob_ref(pg_blob *b);
/* Drops one reference; frees at zero. NULL is ignored. */
void pg_blob_unref(pg_blob *b);

#endif
