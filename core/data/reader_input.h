/* reader_input.h — the block input both record readers share (reader_input.c). Not a public
 * header.
 *
 * A file descriptor or bytes in memory are read a block at a time into one buffer; the
 * unconsumed tail moves to the front on each refill, and the buffer doubles when one record
 * fills it, up to PG_INPUT_MAX_RECORD. The byte after the data is always an LF and PG_INPUT_PAD
 * bytes after it are initialised, so wide delimiter searches may look past the end and every
 * search stops at the data's end at the latest. Memory is a block plus the longest record. */
#ifndef PG_READER_INPUT_H
#define PG_READER_INPUT_H

#include "base.h"

#include <stddef.h>

#define PG_INPUT_BLOCK ((size_t)1 << 20)
#define PG_INPUT_MAX_RECORD ((size_t)8 << 20)
#define PG_INPUT_PAD 64
/* pg_input_refill's answer when the record at pos does not fit in PG_INPUT_MAX_RECORD */
#define PG_INPUT_TOO_LONG 1

typedef struct {
    int fd; /* -1 when reading `mem` */
    const char *mem;
    size_t memlen, mempos;
    size_t block;
    char *buf;
    size_t cap, len, pos; /* buf holds len bytes (+ LF + padding); pos: first unconsumed */
    long long base;       /* where buf[0] is in the file (or mem): base + pos is the offset */
    int eof;
    int borrowed; /* buf is the caller's, read in place (pg_input_borrow): never freed or grown */
} pg_input;

/* An input on the file at `path`. Returns 0, or -errno with "path: cannot open: why" added to
 * d and in->fd = -1. pg_input_close() closes the file. */
int pg_input_open(pg_input *in, const char *path, pg_diags *d);
/* An input on `len` bytes of `data` (NULL when len is 0), read `block` bytes at a time (0: the
 * default block). */
pg_input pg_input_memory(const char *data, size_t len, size_t block);
void pg_input_close(pg_input *in);
/* An input on `len` bytes at buf that the reader may change in place (unescaping), all of
 * them there at once: no copy, no refill. buf must have PG_INPUT_PAD + 1 bytes of room after
 * len (the sentinel LF and the padding go there). pg_input_start and pg_input_end leave it
 * alone; it stays the caller's (ingest_stream.c reads its chunks this way). */
pg_input pg_input_borrow(char *buf, size_t len);

/* Allocates the buffer (one block). */
void pg_input_start(pg_input *in);
/* Moves the unconsumed bytes to the front and reads up to a block more after them. Returns
 * 0, PG_INPUT_TOO_LONG, or -errno. */
int pg_input_refill(pg_input *in);
void pg_input_end(pg_input *in);
/* Drops what is buffered and goes on reading at byte `off` (reading part of a file). Returns 0
 * or -errno. */
int pg_input_seek(pg_input *in, long long off);
/* The index of the offset among stops[0..n) (ascending) that the unconsumed data starts at, or
 * -1. *next remembers how far the search got: stops behind the reader are never looked at
 * again. */
int pg_input_stop(const pg_input *in, const long long *stops, int n, int *next);

#endif
