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

/* A block is PG_RAWCOPY_BLOCK bytes (the last one of the input may be shorter). */
#define PG_RAWCOPY_BLOCK ((size_t)1 << 20)
#define PG_RAWCOPY_ALIGN ((size_t)4096)

/* Where the caller wants the blocks read, so that it need not copy them (ingest_stream.c reads
 * them straight into its parser chunks). `place`, on the reading thread before each read,
 * returns a buffer on a PG_RAWCOPY_ALIGN boundary with PG_RAWCOPY_BLOCK + PG_RAWCOPY_ALIGN
 * bytes free (the copy's last block is padded there for O_DIRECT), or NULL for the ring's own.
 * The block read into it goes to fn with that buf, then to the hash and the copy; the caller
 * must neither change nor free those bytes until `done` is called with the buffer, from
 * another thread, once the block is hashed and written (or will never be: the read or copy
 * failed). Every buffer `place` gave is given back exactly once, by the time
 * pg_rawcopy_finish returns, an empty read's and a failed one's included. */
typedef struct {
    char *(*place)(void *ud);
    void (*done)(void *ud, char *buf);
} pg_rawcopy_place;

/* pg_rawcopy_start_fd with the blocks read where `pl` says (NULL: into the ring). */
int pg_rawcopy_start_into(int in, const char *name, const char *to, pg_rawcopy_fn fn,
                          const pg_rawcopy_place *pl, void *ud, pg_rawcopy **out, pg_diags *d);

#endif
