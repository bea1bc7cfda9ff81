/* rawcopy.h — the content-addressed copy of a batch file, made and hashed on a thread of its
 * own while the records are read (rawcopy.c).
 *
 * Ingest needs three things from a batch file's bytes: its SHA-256 (the batch id), a durable
 * copy in the store, and its records. The first two only read the bytes once more and can run
 * beside the parse, so pg_rawcopy_start returns at once and pg_rawcopy_finish waits. */
#ifndef PG_RAWCOPY_H
#define PG_RAWCOPY_H

#include "diag.h"

typedef struct pg_rawcopy pg_rawcopy;

/* Starts copying `from` into a new file `to` (replaced if present) and hashing it, on a new
 * thread. Returns 0 with the handle in *out, or a negative errno with a diagnostic when a file
 * cannot be opened or the thread cannot start (then nothing is left behind). */
int pg_rawcopy_start(const char *from, const char *to, pg_rawcopy **out, pg_diags *d);
/* Waits for the copy, flushed to disk, and frees the handle. Returns 0 with the lower-case hex
 * SHA-256 of the bytes in id, or a negative errno with a diagnostic (then `to` is removed). */
int pg_rawcopy_finish(pg_rawcopy *c, char id[65], pg_diags *d);

#endif
