/* ingest_stream.c — a batch read once: hashed, copied and parsed from one sequential read (see
 * ingest_stream.h).
 *
 * The reading thread (rawcopy.c) reads every block straight into the chunk being filled (place
 * below: at its end, on a 4 KiB boundary, for the raw copy's O_DIRECT write), and on_block
 * finds its record ends there; the hash and the raw copy take the block from the chunk too. A
 * chunk is cut once it holds `target` bytes (4 MiB), right after the last record end in it;
 * the bytes after the cut are copied to start the next chunk (placed so that its next block
 * lands aligned). A chunk is parsed only once every block read into it is hashed and written
 * (placed_done): the readers write into their input (the sentinel LF, strings unescaped in
 * place), and those bytes must reach the hash and the copy as they were read. A chunk is
 * reused only then as well. A target below a block (tests: a few bytes, so that cuts fall
 * anywhere) has each block read into rawcopy's ring instead and copied into the chunks, in
 * pieces of at most the target. Parser threads take the chunks in file order, each into an
 * aggregator of its own, and the aggregators are merged in file order as they come in (at most
 * one per chunk in flight), so the result is that of one read from the top. A keyed source is
 * parsed on one thread into one aggregator: which of two equal keys counts depends on the order
 * of the whole file, and the key filter (SQLite) belongs to the caller's thread.
 *
 * Where a record ends. NDJSON: at every LF (a JSON text cannot hold a raw newline). CSV: at an
 * LF outside quotes, and the reader's quoting is RFC 4180's, where every '"' toggles "inside a
 * quoted field" ("" inside one toggles twice), so an LF ends a record exactly when the '"'
 * before it in the file are even in number. The count is kept across blocks, 64 bytes at a time
 * (SSE2). A CSV chunk after the first starts with a copy of the file's header (its bytes up to
 * the first LF outside quotes that ends a line not blank), so that every chunk is read as a
 * file of its own: the same header checks, the same column map.
 *
 * Why this is exact, bad files included. Each chunk is read by the same reader as a whole file,
 * in place (pg_read_csv_buf, pg_read_ndjson_buf), with the end of the chunk as the end of the
 * file. Suppose chunk k starts where a record starts for a reader of the whole file (chunk 0
 * does). Until its last byte it is read exactly as the whole file is there. Its last byte is an
 * LF; if the whole-file reader is not at a record's end after it, that LF is inside a quoted
 * field for it, and so for the chunk's reader, which then meets the end of its input inside
 * quotes: an error ("quoted field not closed"). So when no chunk has an error, every chunk
 * starts where a record starts and the records are exactly the file's. The '"' count only makes
 * good cuts likely; in a file without errors it is exact, since a '"' there is always a field's
 * opening or closing quote or half of a "" pair. Two things a chunk's reader cannot see the
 * same way are made to take the slow road: a record longer than the readers' limit
 * (PG_INPUT_MAX_RECORD: the whole-file reader refuses it, a chunk holds it whole), and a chunk
 * that finds no record end within target + that limit (memory). Then, and whenever a chunk has
 * a bad record or cannot be read, parsing stops, the input is still read to its end for the
 * hash and the copy, and the copy is read again from the top by ingest_parallel.c: the result,
 * the first 20 diagnostics with their lines, and the count are exactly a single read's (a bad
 * batch is refused anyway; reading it twice costs only when there is nothing to store).
 *
 * Memory: threads + 2 chunks of about target + 2 MiB each (a chunk grows past that only for a
 * record that straddles it, up to the readers' limit; it moves only while no block of it is out
 * for the hash and the copy), on huge pages where the kernel gives them (the O_DIRECT write of
 * a block is then one request: rawcopy.c), the rawcopy ring (8 MiB, touched only when blocks
 * are not read into chunks), and the aggregators of the chunks in flight: bounded whatever the
 * input's size. */
#define _GNU_SOURCE
#include "ingest_stream.h"
#include "ingest_parallel.h"
#include "rawcopy.h"
#include "reader.h"
#include "reader_input.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define CHUNK_DEFAULT ((size_t)4 << 20)
/* A stretch between two record ends this long may be a record the readers refuse as too long,
 * which a chunk's reader would take: the copy is read again to be sure (a margin below the
 * limit, so that the exact limit never matters here). */
#define LONG_RECORD ((long long)(PG_INPUT_MAX_RECORD - 4096))
#define HUGE_ALIGN ((size_t)2 << 20)

enum { FREE, FILLING, READY, PARSING };

typedef struct {
    char *buf;       /* the allocation, on a PG_RAWCOPY_ALIGN boundary */
    size_t cap, org; /* the chunk's bytes start at buf + org (so that blocks land aligned) */
    size_t len;      /* bytes at buf + org, the header's copy included */
    size_t head;     /* bytes of the header's copy at the front */
    long seq;
    int state;
    int inflight; /* blocks read into it that are not hashed and written yet: until then its
                   * bytes are neither parsed (the parse writes into them) nor reused */
} chunk;

static inline char *chunk_data(const chunk *c)
{
    return c->buf + c->org;
}

typedef struct {
    long seq;
    pg_agg *agg;
} parsed;

typedef struct {
    const pg_ruleset *rs;
    const pg_source *src;
    int source, ndjson, keyed;
    const char *name;
    size_t target;
    int direct;  /* blocks are read straight into the chunks (a target of a block or more) */
    long placed; /* blocks that were (the reading thread's) */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    chunk *ch;
    int nch;
    long nseq;       /* chunks handed to the parsers so far */
    long taken;      /* the next chunk a parser takes */
    int ended;       /* no more chunks will come */
    atomic_int stop; /* parse no more: a bad record, a record too long, no record end found:
                      * the copy is read again */
    /* the merge in file order */
    pg_agg *agg; /* the chunks before `merged`, merged */
    long merged;
    parsed *done; /* nch slots: parsed chunks waiting for those before them */

    /* the reading thread's own */
    chunk *cur;          /* being filled */
    long long cur_start; /* where cur's first byte after the header's copy is in the input */
    int inq;             /* CSV: an odd number of '"' so far */
    long long last_end;  /* just after the last record end seen, as an offset in the input */
    /* CSV: the header, found in the first chunk */
    int head_found, head_inq;
    size_t head_scan, head_line;
    char *head;
    size_t head_len;
} stream;

/* ---- chunks ---- */

/* Room for `need` bytes from the chunk's start (the readers' sentinel and padding added). A
 * chunk moves in memory only while no block read into it is out for hashing or writing: until
 * then the reading thread waits (the hashing and writing threads never wait for it). */
static void chunk_room(stream *s, chunk *c, size_t need)
{
    need += c->org + PG_INPUT_PAD + 1;
    if (need <= c->cap) return;
    pthread_mutex_lock(&s->mu);
    while (c->inflight > 0) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    size_t cap = c->cap ? c->cap : 1;
    while (cap < need) cap *= 2;
    char *buf;
    /* Blocks read straight in are written from here with O_DIRECT: on huge pages a 1 MiB
     * write is one segment and one request, as from the raw copy's ring (rawcopy.c) */
    if (posix_memalign((void **)&buf, s->direct ? HUGE_ALIGN : PG_RAWCOPY_ALIGN, cap) != 0) {
        fputs("pinggu: out of memory\n", stderr); /* as pg_xmalloc does */
        abort();
    }
    if (s->direct) (void)madvise(buf, cap, MADV_HUGEPAGE); /* a hint: may be refused */
    if (c->buf) memcpy(buf, c->buf, c->org + c->len);
    free(c->buf);
    c->buf = buf;
    c->cap = cap;
}

/* A free chunk for the reading thread, or NULL once parsing has stopped. */
static chunk *take_chunk(stream *s)
{
    pthread_mutex_lock(&s->mu);
    chunk *c = NULL;
    while (!atomic_load(&s->stop)) {
        for (int i = 0; i < s->nch && !c; i++)
            if (s->ch[i].state == FREE && s->ch[i].inflight == 0) c = &s->ch[i];
        if (c) break;
        pthread_cond_wait(&s->cv, &s->mu);
    }
    if (c) {
        c->state = FILLING;
        c->len = c->head = c->org = 0;
    }
    pthread_mutex_unlock(&s->mu);
    /* the target, a block over it, and the block that may be read in before the cut */
    if (c) chunk_room(s, c, s->target + (s->direct ? 2 * PG_RAWCOPY_BLOCK : PG_RAWCOPY_BLOCK));
    return c;
}

static void release_chunk(stream *s, chunk *c)
{
    pthread_mutex_lock(&s->mu);
    c->state = FREE;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void submit(stream *s, chunk *c)
{
    pthread_mutex_lock(&s->mu);
    c->seq = s->nseq++;
    c->state = READY;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Parsing stops; the copy will be read again. */
static void stop_parsing(stream *s)
{
    pthread_mutex_lock(&s->mu);
    atomic_store(&s->stop, 1);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- where records end ---- */

/* A record ends just before input offset `end` (after its LF). */
static inline void record_end(stream *s, long long end)
{
    if (end - s->last_end > LONG_RECORD) stop_parsing(s);
    s->last_end = end;
}

/* Finds the record ends in the n bytes at p, which are at input offset `at`. */
static void scan(stream *s, const char *p, size_t n, long long at)
{
    if (s->ndjson) {
        const char *first = memchr(p, '\n', n);
        if (!first) return;
        record_end(s, at + (first - p) + 1);
        const char *last = memrchr(p, '\n', n);
        s->last_end = at + (last - p) + 1;
        return;
    }
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), lf = _mm_set1_epi8('\n');
    /* 64 bytes a step: most such stretches hold no '"' (a few fields are quoted), and then
     * only their first LF (the distance check) and their last (where records end) count */
    for (; i + 64 <= n; i += 64) {
        uint64_t q = 0, l = 0;
        for (int k = 0; k < 4; k++) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16 * k));
            q |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote)) << (16 * k);
            l |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, lf)) << (16 * k);
        }
        if (!q) {
            if (!s->inq && l) {
                record_end(s, at + (long long)(i + (size_t)__builtin_ctzll(l)) + 1);
                s->last_end = at + (long long)(i + 63 - (size_t)__builtin_clzll(l)) + 1;
            }
            continue;
        }
        for (uint64_t m = q | l; m; m &= m - 1) {
            size_t j = i + (size_t)__builtin_ctzll(m);
            if (p[j] == '"')
                s->inq ^= 1;
            else if (!s->inq)
                record_end(s, at + (long long)j + 1);
        }
    }
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned q = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote));
        unsigned l = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, lf));
        if (!q) { /* the common case: the quote count does not change here */
            if (!s->inq && l) {
                record_end(s, at + (long long)(i + (size_t)__builtin_ctz(l)) + 1);
                s->last_end = at + (long long)(i + 31 - (size_t)__builtin_clz(l)) + 1;
            }
            continue;
        }
        for (unsigned m = q | l; m; m &= m - 1) {
            size_t j = i + (size_t)__builtin_ctz(m);
            if (p[j] == '"')
                s->inq ^= 1;
            else if (!s->inq)
                record_end(s, at + (long long)j + 1);
        }
    }
#endif
    for (; i < n; i++) {
        if (p[i] == '"')
            s->inq ^= 1;
        else if (p[i] == '\n' && !s->inq)
            record_end(s, at + (long long)i + 1);
    }
}

/* CSV: looks for the end of the header in the first chunk (the first LF outside quotes that
 * ends a line not blank, after a byte-order mark), as the reader finds it; `final`: the input
 * has ended. */
static void find_header(stream *s, int final)
{
    chunk *c = s->cur;
    const char *b = chunk_data(c);
    if (s->head_scan == 0) {
        if (c->len < 3 && !final) return;
        if (c->len >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) s->head_scan = s->head_line = 3;
    }
    size_t i = s->head_scan;
    for (; i < c->len; i++) {
        if (b[i] == '"') {
            s->head_inq ^= 1;
        } else if (b[i] == '\n' && !s->head_inq) {
            size_t len = i - s->head_line;
            if (len == 0 || (len == 1 && b[s->head_line] == '\r')) { /* a blank line */
                s->head_line = i + 1;
                continue;
            }
            s->head_len = i + 1;
            s->head = pg_xmalloc(s->head_len);
            memcpy(s->head, b, s->head_len);
            s->head_found = 1;
            break;
        }
    }
    s->head_scan = i;
}

/* Cuts the chunk being filled after its last record end once it holds the target, and starts
 * the next with the bytes after the cut. */
static void maybe_cut(stream *s)
{
    chunk *c = s->cur;
    size_t data = c->len - c->head;
    if (!s->ndjson && !s->head_found) find_header(s, 0);
    int ready = s->ndjson || s->head_found;
    if (ready && data >= s->target && s->last_end > s->cur_start) {
        size_t cut = c->head + (size_t)(s->last_end - s->cur_start);
        chunk *next = take_chunk(s);
        if (!next) return; /* parsing has stopped */
        size_t rest = c->len - cut, head = s->ndjson ? 0 : s->head_len;
        /* the next block then lands on an aligned address (rawcopy.h) */
        if (s->direct)
            next->org = (PG_RAWCOPY_ALIGN - (head + rest) % PG_RAWCOPY_ALIGN) % PG_RAWCOPY_ALIGN;
        chunk_room(s, next, head + rest + (s->direct ? 2 * PG_RAWCOPY_BLOCK : 0));
        if (head) memcpy(chunk_data(next), s->head, head);
        memcpy(chunk_data(next) + head, chunk_data(c) + cut, rest);
        next->head = head;
        next->len = head + rest;
        c->len = cut;
        submit(s, c);
        s->cur = next;
        s->cur_start = s->last_end;
    } else if (data > s->target + PG_INPUT_MAX_RECORD) {
        stop_parsing(s); /* no record end in sight: the whole-file read will say why */
    }
}

/* Where the reading thread reads the next block (pg_rawcopy_place): the end of the chunk being
 * filled, when that is on an aligned address (after every whole block; not after a short one,
 * the input's last) and parsing goes on; else the ring, and on_block copies. */
static char *place(void *ud)
{
    stream *s = ud;
    if (!s->direct || atomic_load(&s->stop)) return NULL;
    if (!s->cur && !(s->cur = take_chunk(s))) return NULL;
    chunk *c = s->cur;
    chunk_room(s, c, c->len + PG_RAWCOPY_BLOCK + PG_RAWCOPY_ALIGN);
    char *at = chunk_data(c) + c->len;
    if ((uintptr_t)at % PG_RAWCOPY_ALIGN) return NULL;
    pthread_mutex_lock(&s->mu);
    c->inflight++;
    pthread_mutex_unlock(&s->mu);
    return at;
}

/* A block place gave is hashed and written (pg_rawcopy_place; another thread). */
static void placed_done(void *ud, char *buf)
{
    stream *s = ud;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nch; i++) {
        chunk *c = &s->ch[i];
        if (c->inflight > 0 && buf >= c->buf && buf < c->buf + c->cap) {
            c->inflight--;
            break;
        }
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* The reading thread's function (pg_rawcopy_fn). */
static void on_block(void *ud, const char *buf, size_t len, long long off)
{
    stream *s = ud;
    /* read into the chunk already (place): only its record ends are to be found */
    if (buf && s->cur && buf == chunk_data(s->cur) + s->cur->len) {
        chunk *c = s->cur;
        s->placed++;
        if (!atomic_load(&s->stop)) {
            scan(s, buf, len, off);
            c->len += len;
            maybe_cut(s);
        }
        if (atomic_load(&s->stop) && s->cur) release_chunk(s, s->cur), s->cur = NULL;
        return;
    }
    /* in pieces of at most the target (a test's few bytes: a cut may fall after any record;
     * the default target is larger than a block, which then goes in whole) */
    for (size_t at = 0; buf && at < len && !atomic_load(&s->stop);) {
        if (!s->cur && !(s->cur = take_chunk(s))) break;
        size_t n = len - at < s->target ? len - at : s->target;
        chunk *c = s->cur;
        chunk_room(s, c, c->len + n);
        memcpy(chunk_data(c) + c->len, buf + at, n);
        scan(s, chunk_data(c) + c->len, n, off + (long long)at);
        c->len += n;
        at += n;
        maybe_cut(s);
    }
    if (buf) {
        if (atomic_load(&s->stop) && s->cur) release_chunk(s, s->cur), s->cur = NULL;
        return;
    }
    /* the end of the input (off >= 0), or a failure (then nothing parsed counts) */
    if (off < 0) {
        stop_parsing(s);
    } else if (!atomic_load(&s->stop)) {
        if (off - s->last_end > LONG_RECORD) stop_parsing(s);
        /* an empty input is still one chunk, so that the reader says what it says of one */
        if (!s->cur && s->nseq == 0) s->cur = take_chunk(s);
    }
    if (s->cur) {
        if (!atomic_load(&s->stop) && (s->cur->len > s->cur->head || s->nseq == 0))
            submit(s, s->cur);
        else
            release_chunk(s, s->cur);
        s->cur = NULL;
    }
    pthread_mutex_lock(&s->mu);
    s->ended = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- parsing ---- */

typedef struct {
    pg_agg *agg;
    pg_read_stats *st;
} feeding;

static int on_record(void *ud, const pg_value *rec, int line)
{
    (void)line;
    feeding *f = ud;
    const char *why;
    if (pg_agg_add(f->agg, rec, &why) != 0) f->st->errors++; /* said by the read again */
    return 0;
}

/* Under mu: merges the parsed chunks that come next in file order. */
static void merge_ready(stream *s)
{
    for (int found = 1; found;) {
        found = 0;
        for (int i = 0; i < s->nch; i++) {
            if (!s->done[i].agg || s->done[i].seq != s->merged) continue;
            if (s->merged == 0) {
                s->agg = s->done[i].agg;
            } else {
                pg_agg_merge(s->agg, s->done[i].agg);
                pg_agg_free(s->done[i].agg);
            }
            s->done[i].agg = NULL;
            s->merged++;
            found = 1;
        }
    }
}

static void parse_chunk(stream *s, chunk *c)
{
    pg_agg *agg = s->keyed ? s->agg : pg_agg_new(s->rs, s->source);
    pg_read_stats st = {0, 0};
    pg_diags d = {0}; /* a bad chunk's words are not the file's: the copy is read again */
    feeding f = {agg, &st};
    int rc = s->ndjson ? pg_read_ndjson_buf(s->src, s->name, chunk_data(c), c->len, c->seq == 0,
                                            s->rs->tz_offset, on_record, &f, &st, &d)
                       : pg_read_csv_buf(s->src, s->name, chunk_data(c), c->len, s->rs->tz_offset,
                                         on_record, &f, &st, &d);
    pg_diags_free(&d);
    pg_ingest_progress_add((long long)(c->len - c->head), st.records);
    pthread_mutex_lock(&s->mu);
    if (rc != 0 || st.errors) {
        atomic_store(&s->stop, 1);
        pthread_cond_broadcast(&s->cv);
    }
    if (!s->keyed) {
        int i = 0;
        while (i < s->nch && s->done[i].agg) i++;
        if (i < s->nch) { /* always: parsers keep no further ahead than the slots (parse) */
            s->done[i] = (parsed){c->seq, agg};
        } else {
            pg_agg_free(agg);
            atomic_store(&s->stop, 1); /* never a chunk lost: the copy is read again */
        }
        merge_ready(s);
        pthread_cond_broadcast(&s->cv); /* a parser may wait for the merge to move on */
    }
    pthread_mutex_unlock(&s->mu);
}

static void *parse(void *arg)
{
    stream *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        chunk *c = NULL;
        for (;;) {
            /* no further ahead of the merge than there are slots for parsed chunks */
            int stopped = atomic_load(&s->stop);
            int room = s->keyed || stopped || s->taken - s->merged < s->nch;
            /* a chunk is parsed once its blocks are hashed and written (the parse writes into
             * its bytes); once parsing has stopped, it is only passed over */
            for (int i = 0; i < s->nch && !c && room; i++)
                if (s->ch[i].state == READY && s->ch[i].seq == s->taken &&
                    (s->ch[i].inflight == 0 || stopped))
                    c = &s->ch[i];
            if (c || (s->ended && s->taken == s->nseq)) break;
            pthread_cond_wait(&s->cv, &s->mu);
        }
        if (!c) {
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        c->state = PARSING;
        s->taken++;
        pthread_mutex_unlock(&s->mu);
        if (!atomic_load(&s->stop)) parse_chunk(s, c);
        release_chunk(s, c);
    }
}

/* ---- the stream ---- */

int pg_ingest_stream(const pg_ingest_stream_req *rq, pg_agg **agg, char id[65], long *errors,
                     pg_diags *d)
{
    *agg = NULL;
    *errors = 0;
    const pg_source *src = &rq->rs->sources[rq->source];
    int keyed = src->key_field >= 0;
    int threads = keyed || rq->threads < 1 ? 1 : rq->threads;
    stream s = {.rs = rq->rs,
                .src = src,
                .source = rq->source,
                .ndjson = strcmp(rq->format, "ndjson") == 0,
                .keyed = keyed,
                .name = rq->name,
                .target = rq->chunk ? rq->chunk : CHUNK_DEFAULT,
                .nch = threads + 2};
    s.direct = s.target >= PG_RAWCOPY_BLOCK;
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    s.ch = pg_xcalloc((size_t)s.nch, sizeof *s.ch);
    s.done = pg_xcalloc((size_t)s.nch, sizeof *s.done);
    if (keyed) {
        s.agg = pg_agg_new(rq->rs, rq->source);
        if (rq->filter) pg_agg_key_filter(s.agg, rq->filter, rq->ud);
    }
    pg_rawcopy *copy;
    pg_rawcopy_place pl = {place, placed_done};
    int rc = pg_rawcopy_start_into(rq->in, rq->name, rq->copy, on_block, &pl, &s, &copy, d);
    if (rc == 0) {
        pthread_t *tids = pg_xcalloc((size_t)threads, sizeof *tids);
        int started = 0;
        /* a thread that cannot start leaves its chunks to the others, this one included */
        while (started < threads - 1 && pthread_create(&tids[started], NULL, parse, &s) == 0)
            started++;
        parse(&s);
        for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
        free(tids);
        rc = pg_rawcopy_finish(copy, id, d);
    }
    for (int i = 0; i < s.nch; i++) {
        free(s.ch[i].buf);
        pg_agg_free(s.done[i].agg); /* only when parsing stopped */
    }
    if (rq->stats) *rq->stats = (pg_ingest_stream_stats){s.nseq, 0, s.placed};
    if (rc == 0 && atomic_load(&s.stop)) {
        /* a bad record somewhere, or a cut not to be trusted: the copy, read again from the
         * top, says exactly what a single read says */
        pg_agg_free(s.agg);
        s.agg = NULL;
        if (rq->rewind && (rc = rq->rewind(rq->ud)) != 0)
            pg_error(d, rq->name, 0, "cannot read the batch again: %s", strerror(-rc));
        else
            s.agg =
                pg_ingest_aggregate_as(rq->rs, rq->source, rq->copy, rq->name, rq->format, threads,
                                       PG_INGEST_MIN_PART, rq->filter, rq->ud, 0, errors, d);
        if (rq->stats) rq->stats->reread = 1;
    }
    if (rc == 0)
        *agg = s.agg;
    else
        pg_agg_free(s.agg);
    free(s.ch);
    free(s.done);
    free(s.head);
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.mu);
    return rc;
}
