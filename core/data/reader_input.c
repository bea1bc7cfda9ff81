/* reader_input.c — block input for the CSV and NDJSON readers (see reader_input.h). */
#include "reader_input.h"
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int pg_input_open(pg_input *in, const char *path, pg_diags *d)
{
    *in = (pg_input){.fd = open(path, O_RDONLY | O_CLOEXEC), .block = PG_INPUT_BLOCK};
    if (in->fd < 0) {
        int e = errno;
        pg_diag_add(d, PG_ERROR, path, 0, 0, "cannot open: %s", strerror(e));
        return -e;
    }
    (void)posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return 0;
}

pg_input pg_input_memory(const char *data, size_t len, size_t block)
{
    /* mem must not be NULL even for an empty input: it tells refill where to read from */
    return (pg_input){.fd = -1,
                      .mem = data ? data : "",
                      .memlen = data ? len : 0,
                      .block = block ? block : PG_INPUT_BLOCK};
}

pg_input pg_input_borrow(char *buf, size_t len)
{
    buf[len] = '\n';
    memset(buf + len + 1, 0, PG_INPUT_PAD - 1);
    return (pg_input){.fd = -1, .buf = buf, .cap = len, .len = len, .eof = 1, .borrowed = 1};
}

void pg_input_close(pg_input *in)
{
    if (in->fd >= 0) close(in->fd);
    in->fd = -1;
}

void pg_input_start(pg_input *in)
{
    if (in->borrowed) return; /* all there already */
    in->cap = in->block;
    in->buf = pg_xmalloc(in->cap + PG_INPUT_PAD);
    in->len = in->pos = 0;
    in->base = 0;
    in->buf[0] = '\n';
    memset(in->buf + 1, 0, PG_INPUT_PAD - 1);
}

int pg_input_seek(pg_input *in, long long off)
{
    if (in->borrowed) return -EINVAL;
    if (in->mem)
        in->mempos = (size_t)off < in->memlen ? (size_t)off : in->memlen;
    else if (lseek(in->fd, (off_t)off, SEEK_SET) < 0)
        return -errno;
    in->len = in->pos = 0;
    in->base = off;
    in->eof = 0;
    in->buf[0] = '\n';
    return 0;
}

void pg_input_end(pg_input *in)
{
    if (in->borrowed) return;
    free(in->buf);
    in->buf = NULL;
}

int pg_input_refill(pg_input *in)
{
    if (in->borrowed) { /* everything is there: the end of the data is the end of the input */
        in->eof = 1;
        return 0;
    }
    size_t tail = in->len - in->pos;
    in->base += (long long)in->pos;
    if (in->pos) memmove(in->buf, in->buf + in->pos, tail);
    in->len = tail;
    in->pos = 0;
    if (in->len == in->cap) {
        if (in->cap >= PG_INPUT_MAX_RECORD) return PG_INPUT_TOO_LONG;
        in->cap *= 2;
        in->buf = pg_xrealloc(in->buf, in->cap + PG_INPUT_PAD);
    }
    size_t want = in->cap - in->len < in->block ? in->cap - in->len : in->block;
    size_t got = 0;
    if (in->mem) {
        got = in->memlen - in->mempos < want ? in->memlen - in->mempos : want;
        memcpy(in->buf + in->len, in->mem + in->mempos, got);
        in->mempos += got;
    } else {
        /* fill the request: a pipe gives less per read, and every short read would mean one
         * more scan of the record that straddles */
        while (got < want) {
            ssize_t n = read(in->fd, in->buf + in->len + got, want - got);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return -errno;
            if (n == 0) break;
            got += (size_t)n;
        }
    }
    if (got == 0) in->eof = 1;
    in->len += got;
    in->buf[in->len] = '\n';                            /* the sentinel every search stops at */
    memset(in->buf + in->len + 1, 0, PG_INPUT_PAD - 1); /* what the wide loads see past it */
    return 0;
}

int pg_input_stop(const pg_input *in, const long long *stops, int n, int *next)
{
    long long at = in->base + (long long)in->pos;
    while (*next < n && stops[*next] < at) ++*next;
    return *next < n && stops[*next] == at ? *next : -1;
}
