/* rawcopy.h — one sequential read of a batch file that hashes it, copies it and hands its
 * blocks on (rawcopy.c; pg_rawcopy_start and pg_rawcopy_finish are in base.h).
 *
 * Ingest needs three things from a batch file's bytes: its SHA-256 (the batch id), a durable
 * copy in the store, and its records. All three come from one read: pg_rawcopy_start_fd gives
 * each block to a function (the parse, core/data/ingest_stream.c) as it reads it, and returns
 * at once; pg_rawcopy_finish waits for the hash and the copy. One read means the input may be
 * a pipe or a FIFO, which can be read only once. */
#ifndef PG_RAWCOPY_H
#define PG_RAWCOPY_H

#include "base.h"

#include <stddef.h>

/* Called on the reading thread with each block of the input, in order: `len` bytes at buf,
 * which start at byte `off` of the input; buf is valid only during the call. After the last
 * block it is called once more with buf NULL and len 0: off is then the input's size, or -1
 * when the input could not be read to its end or the copy failed (pg_rawcopy_finish says
 * why). */
typedef void (*pg_rawcopy_fn)(void *ud, const char *buf, size_t len, long long off);

/* Starts reading the open descriptor `in` (a file, a pipe, a FIFO: from where it is, to its
 * end, once; not closed), hashing it and, when `to` is not NULL, copying it into a new file
 * `to` (replaced if present), on new threads; fn (NULL: none) sees every block. `name` is what
 * messages call the input. Returns 0 with the handle in *out, or a negative errno with a
 * diagnostic when `to` cannot be created or a thread cannot start (then nothing is left
 * behind, and fn is never called). pg_rawcopy_finish waits for it and gives the hash. */
int pg_rawcopy_start_fd(int in, const char *name, const char *to, pg_rawcopy_fn fn, void *ud,
                        pg_rawcopy **out, pg_diags *d);

#endif
