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
    int eof;
} pg_input;

/* Allocates the buffer (one block). */
void pg_input_start(pg_input *in);
/* Moves the unconsumed bytes to the front and reads up to a block more after them. Returns
 * 0, PG_INPUT_TOO_LONG, or -errno. */
int pg_input_refill(pg_input *in);
void pg_input_end(pg_input *in);

#endif
