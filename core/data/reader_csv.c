/* reader_csv.c — the CSV batch reader (reader.h): RFC 4180 with a header row, streamed.
 *
 * Why not libcsv, which csvfile.c uses for the small data files: measured on this machine
 * (2 vCPU AMD EPYC, gcc -O2) on 5 million 13-field case records (800 MB), libcsv's
 * csv_parse alone — its callbacks only counting — runs at 2.1–2.35 M records/s (340–380
 * MB/s), strict or not, against 47 M lines/s for a memchr newline scan. It copies every
 * byte of every field into its own buffer and calls back per field, so the read alone is
 * slower than the whole target (≥ 3× DuckDB's 2.4 M/s end to end, with conversion and
 * aggregation). This scanner finds the commas of a 64-byte stretch at once (SSE2; a plain
 * loop elsewhere), leaves values in place and converts only the declared columns: 20 M
 * records/s for the scan alone on the same file, 6 M/s with 12 fields converted (three of
 * them times); the figures are in tests/core/data/readers/README.md.
 *
 * How it reads: the file comes in blocks of 1 MiB into one buffer. A record is scanned
 * whole from its first byte; when it runs past the bytes read so far, the unread tail is
 * moved to the front, the rest of the block is read and the record is scanned again (the
 * buffer doubles for a record longer than a block, up to PG_INPUT_MAX_RECORD; a longer record is an
 * error and is skipped up to its end without being kept). Memory is therefore a block plus
 * the longest record, whatever the file size.
 *
 * The dialect: fields separated by ',' and records by LF or CRLF (a CR elsewhere is data);
 * a field that starts with '"' is quoted, may hold ',', CR and LF, and writes '"' as '""'.
 * A UTF-8 byte-order mark is skipped. Blank lines (empty, or a lone CR before the LF) are
 * skipped; they still count as lines. The last record may lack its newline. Errors, one per
 * record, at the line the record starts on: a '"' inside an unquoted field, text after a
 * closing quote, a quote left open at the end of the file, more or fewer fields than the
 * header, then the first field that does not convert (reader_value.c). A bad record is
 * skipped, and its end is found as if the stray quote were data, so one bad quote does not
 * swallow the records after it.
 *
 * The header row names the columns; they are matched to the source's fields by exact name.
 * A header that does not say what the source declares is refused before any record is read,
 * because a misspelled column would otherwise be a column of nulls: `ratng` for `rating`
 * made every rating null and every mean empty, without a word. So each of these is an error
 * at the header's line (all of them reported, each counted once; the reader then returns
 * -EINVAL without reading records): a column the source does not declare (unless the source
 * says extra_columns = "ignore"), with the nearest declared name that has no column; a
 * declared field without a column, nullable or not, unless it is declared optional = true
 * (then it is null in every record); a declared field named by two columns. A malformed
 * header or an empty file is one error. pg_read_csv_columns reads the header alone, for
 * `pinggu ingest --dry-run` to show how columns map to fields. */
#include "reader.h"
#include "reader_input.h"
#include "reader_value.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The same reader over bytes in memory, read `block` bytes at a time (tests and fuzzing use
 * tiny blocks to put a block boundary everywhere). `name` stands for the path in messages. */
int pg_read_csv_mem(const pg_source *src, const char *name, const char *data, size_t len,
                    size_t block, int offset, pg_record_fn fn, void *ud, pg_read_stats *stats,
                    pg_diags *d);

typedef struct {
    const char *s;
    size_t len;
    unsigned char esc; /* quoted and holds "" pairs to collapse */
} span;

typedef struct {
    pg_input in;
    /* what and where */
    const pg_source *src;
    const char *path;
    int offset;
    long line; /* line of the byte at pos */
    pg_read_stats *stats;
    pg_diags *d;
    /* the columns */
    int ncols;
    int *map; /* column → field index, or -1 */
    span *sp; /* ncols entries */
    pg_rv_plan *plan;
    pg_value *vals;
    /* reading part of the file (NULL: all of it), and the next stop to look for */
    pg_read_part *part;
    int next_stop;
    pg_read_columns *columns; /* pg_read_csv_columns: the header is wanted, not the records */
} reader;

/* ---- input ---- */

/* ---- scanning ---- */

/* Every search below looks for LF among other bytes, and the byte after the data is an LF
 * (refill puts it there), so every search stops by the end of the data at the latest; the
 * caller tells that sentinel from a real line end by its position. */

/* The first ',', LF or '"' at or after p. */
static inline const char *find_special(const char *p)
{
#if defined(__SSE2__)
    const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"');
    for (;; p += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, comma), _mm_cmpeq_epi8(x, lf)),
                                 _mm_cmpeq_epi8(x, quote));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits) return p + __builtin_ctz(bits);
    }
#else
    while (*p != ',' && *p != '\n' && *p != '"') p++;
    return p;
#endif
}

/* The first '"' or LF at or after p (inside a quoted field). */
static inline const char *find_quoted_special(const char *p)
{
#if defined(__SSE2__)
    const __m128i lf = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"');
    for (;; p += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned bits = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(x, lf), _mm_cmpeq_epi8(x, quote)));
        if (bits) return p + __builtin_ctz(bits);
    }
#else
    while (*p != '\n' && *p != '"') p++;
    return p;
#endif
}

#if defined(__SSE2__)
/* For p[0..64): one bit per ',' in *commas, one per LF or '"' in *others. */
static inline void special_masks64(const char *p, uint64_t *commas, uint64_t *others)
{
    const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"');
    uint64_t c = 0, o = 0;
    for (int k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        c |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, comma)) << (16 * k);
        o |= (uint64_t)(unsigned)_mm_movemask_epi8(
                 _mm_or_si128(_mm_cmpeq_epi8(x, lf), _mm_cmpeq_epi8(x, quote)))
             << (16 * k);
    }
    *commas = c;
    *others = o;
}
#endif

enum { REC_DONE, REC_BLANK, REC_MORE };

typedef struct {
    int nf;          /* fields seen (may exceed the spans kept) */
    long nl;         /* newlines inside quoted fields */
    const char *err; /* the record's first structural error */
    const char *next;
} scan_out;

/* Scans an unquoted stretch from p to the end of its field. Returns the delimiter (',',
 * the line's LF, or `end` at the end of the file), or NULL when more bytes are needed. */
static inline const char *scan_unquoted(const char *p, const char *end, int eof, const char **err)
{
    for (;;) {
        p = find_special(p);
        if (p >= end) return eof ? end : NULL;
        if (*p != '"') return p;
        if (!*err) *err = "'\"' inside an unquoted field (quote the whole field)";
        p++;
    }
}

/* Scans the record starting at p (p < end): its fields go to sp[0..maxf), the rest are
 * only counted. Needs more bytes (REC_MORE) unless the record ends before `end` or eof.
 * A CR right before the LF (or before the end of the file) belongs to the line end. */
static int scan_record(const char *p, const char *end, int eof, span *sp, int maxf, scan_out *o)
{
    int nf = 0;
    o->nl = 0;
    o->err = NULL;
    if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
        if (*p == '\r' && p + 1 >= end && !eof) return REC_MORE;
        o->next = p + (*p == '\n' ? 1 : 2) > end ? end : p + (*p == '\n' ? 1 : 2);
        o->nf = 0;
        return REC_BLANK;
    }
    const char *fs = p;
#if defined(__SSE2__)
    /* The common record has no quotes: take the commas 64 bytes at a time, each one a
     * field's end, up to the first LF or quote. An LF before `end` ends the record; a quote
     * or the end of the data goes on below, from the start of the field where it is. */
    for (const char *base = p;; base += 64) {
        uint64_t mc, mo;
        special_masks64(base, &mc, &mo);
        if (mo) mc &= (mo & -mo) - 1; /* the commas before the first LF or quote */
        while (mc) {
            const char *q = base + __builtin_ctzll(mc);
            mc &= mc - 1;
            if (nf < maxf) sp[nf] = (span){fs, (size_t)(q - fs), 0};
            nf++;
            fs = q + 1;
        }
        if (!mo) continue;
        const char *q = base + __builtin_ctzll(mo);
        if (*q != '\n' || q >= end) break;
        const char *fe = q > fs && q[-1] == '\r' ? q - 1 : q;
        if (nf < maxf) sp[nf] = (span){fs, (size_t)(fe - fs), 0};
        o->nf = nf + 1;
        o->next = q + 1;
        return REC_DONE;
    }
#endif
    p = fs;
    for (;;) {
        const char *fe;
        unsigned char esc = 0;
        if (*p == '"' && p < end) {
            fs = ++p;
            for (;;) {
                p = find_quoted_special(p);
                if (p >= end) {
                    if (!eof) return REC_MORE;
                    if (!o->err) o->err = "quoted field not closed before the end of the file";
                    break;
                }
                if (*p == '"') {
                    if (p + 1 >= end && !eof) return REC_MORE;
                    if (p + 1 < end && p[1] == '"') {
                        esc = 1;
                        p += 2;
                        continue;
                    }
                    break;
                }
                o->nl++;
                p++;
            }
            fe = p;
            if (p < end) p++; /* the closing quote */
            if (p < end && *p == '\r' && p + 1 >= end && !eof) return REC_MORE;
            if (p < end && *p != ',' && *p != '\n' &&
                !(*p == '\r' && (p + 1 >= end || p[1] == '\n'))) {
                if (!o->err) o->err = "text after the closing quote of a field";
                p = scan_unquoted(p, end, eof, &o->err);
                if (!p) return REC_MORE;
                fe = p;
            } else if (p < end && *p == '\r') {
                p++; /* CR LF, or a CR at the end of the file */
            }
        } else {
            fs = p;
            p = scan_unquoted(p, end, eof, &o->err);
            if (!p) return REC_MORE;
            fe = p;
            if (*p != ',' && fe > fs && fe[-1] == '\r') fe--;
        }
        if (nf < maxf) sp[nf] = (span){fs, (size_t)(fe - fs), esc};
        nf++;
        if (p >= end) break;
        if (*p++ == ',') continue;
        break; /* p is past the LF */
    }
    o->nf = nf;
    o->next = p;
    return REC_DONE;
}

/* Collapses "" to " in place; returns the new length. */
static size_t unescape(char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        s[o++] = s[i];
        if (s[i] == '"') i++; /* validated: always the first of a pair */
    }
    return o;
}

/* ---- errors ---- */

static void bad(reader *r, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(reader *r, long line, const char *fmt, ...)
{
    if (r->stats->errors++ >= PG_READER_MAX_ERRORS) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pg_diag_add(r->d, PG_ERROR, r->path, (int)line, 0, "%s", msg);
}

static int read_error(reader *r, int rc)
{
    pg_diag_add(r->d, PG_ERROR, r->path, 0, 0, "cannot read: %s", strerror(-rc));
    return rc;
}

/* ---- the header ---- */

/* Reads the header row into r->map. Returns 0, or -EINVAL / -errno after one error. */
static int read_header(reader *r)
{
    int rc;
    /* the byte-order mark: make sure three bytes are there to look at */
    while (r->in.len < 3 && !r->in.eof)
        if ((rc = pg_input_refill(&r->in)) < 0) return read_error(r, rc);
    if (r->in.len >= 3 && memcmp(r->in.buf, "\xEF\xBB\xBF", 3) == 0) r->in.pos = 3;

    span *sp = NULL;
    int maxf = 0;
    scan_out o;
    for (;;) {
        if (r->in.pos >= r->in.len) {
            if (r->in.eof) {
                bad(r, 0, "empty file: no header row");
                free(sp);
                return -EINVAL;
            }
            if ((rc = pg_input_refill(&r->in)) != 0) break;
            continue;
        }
        rc = scan_record(r->in.buf + r->in.pos, r->in.buf + r->in.len, r->in.eof, sp, maxf, &o);
        if (rc == REC_MORE) {
            if ((rc = pg_input_refill(&r->in)) != 0) break;
            continue;
        }
        if (rc == REC_BLANK) {
            r->in.pos = (size_t)(o.next - r->in.buf);
            r->line++;
            continue;
        }
        if (o.nf > maxf) { /* scan again, keeping every column */
            free(sp);
            maxf = o.nf;
            sp = pg_xcalloc((size_t)maxf, sizeof *sp);
            continue;
        }
        break;
    }
    if (rc == PG_INPUT_TOO_LONG) {
        bad(r, r->line, "header row longer than %zu MiB", PG_INPUT_MAX_RECORD >> 20);
        free(sp);
        return -EINVAL;
    }
    if (rc < 0) {
        free(sp);
        return read_error(r, rc);
    }
    if (o.err) {
        bad(r, r->line, "header: %s", o.err);
        free(sp);
        return -EINVAL;
    }

    const pg_source *src = r->src;
    r->ncols = o.nf;
    r->map = pg_xcalloc((size_t)o.nf, sizeof *r->map);
    int *col_of = pg_xcalloc((size_t)(src->nfields > 0 ? src->nfields : 1), sizeof *col_of);
    unsigned char *taken = pg_xcalloc((size_t)(src->nfields > 0 ? src->nfields : 1), 1);
    for (int i = 0; i < src->nfields; i++) col_of[i] = -1;
    char dup[256] = "";
    int nbad = 0;
    for (int c = 0; c < o.nf; c++) {
        char *s = (char *)sp[c].s;
        size_t len = sp[c].esc ? unescape(s, sp[c].len) : sp[c].len;
        sp[c].len = len;
        sp[c].esc = 0;
        int fi = pg_source_field(src, s, (int)len);
        r->map[c] = fi;
        if (fi < 0) continue;
        if (col_of[fi] >= 0 && !dup[0])
            snprintf(dup, sizeof dup, "column \"%s\" appears twice (columns %d and %d)",
                     src->fields[fi].name, col_of[fi] + 1, c + 1);
        col_of[fi] = c;
        taken[fi] = 1;
    }
    if (r->columns) { /* pg_read_csv_columns: the names as the file has them */
        r->columns->n = o.nf;
        r->columns->name = pg_xcalloc((size_t)(o.nf > 0 ? o.nf : 1), sizeof(char *));
        r->columns->field = pg_xcalloc((size_t)(o.nf > 0 ? o.nf : 1), sizeof(int));
        for (int c = 0; c < o.nf; c++) {
            r->columns->name[c] = pg_xasprintf("%.*s", (int)sp[c].len, sp[c].s);
            r->columns->field[c] = r->map[c];
        }
    }
    long hline = r->line;
    if (dup[0]) {
        bad(r, hline, "header: %s", dup);
        nbad++;
    }
    /* each undeclared column on its own, so that each gets its own suggestion */
    for (int c = 0; c < o.nf && !src->extra_ignore; c++) {
        if (r->map[c] >= 0) continue;
        char why[PG_RV_WHY];
        pg_rv_undeclared(why, sizeof why, src, sp[c].s, sp[c].len, taken);
        bad(r, hline,
            "header: column %d %s (declare it, or extra_columns = \"ignore\" on the source "
            "to skip undeclared columns)",
            c + 1, why);
        nbad++;
    }
    /* the declared fields that have no column, all in one message: the required ones, then
     * the nullable ones, which a file may leave out only when they are declared optional */
    for (int pass = 0; pass < 2; pass++) {
        char missing[512] = "";
        size_t mlen = 0;
        int nmissing = 0;
        for (int i = 0; i < src->nfields; i++) {
            const pg_field *f = &src->fields[i];
            if (col_of[i] >= 0 || f->nullable != pass || f->optional) continue;
            if (mlen + strlen(f->name) + 2 < sizeof missing - 8)
                mlen += (size_t)snprintf(missing + mlen, sizeof missing - mlen, "%s%s",
                                         nmissing ? ", " : "", f->name);
            else if (mlen < sizeof missing - 8)
                mlen += (size_t)snprintf(missing + mlen, sizeof missing - mlen, ", \xE2\x80\xA6");
            nmissing++;
        }
        if (!nmissing) continue;
        if (pass == 0)
            bad(r, hline, "header: missing required column%s: %s", nmissing > 1 ? "s" : "",
                missing);
        else
            bad(r, hline,
                "header: missing column%s: %s (nullable, but a file must still have the "
                "column; declare optional = true if files may leave it out)",
                nmissing > 1 ? "s" : "", missing);
        nbad++;
    }
    r->line += o.nl + 1;
    r->in.pos = (size_t)(o.next - r->in.buf);
    free(col_of);
    free(taken);
    free(sp);
    return nbad ? -EINVAL : 0;
}

/* ---- records ---- */

/* Skips the record at pos, longer than PG_INPUT_MAX_RECORD, to its end: quotes toggle a quoted
 * stretch, and the first LF outside one ends it. Nothing is kept. */
static int skip_long_record(reader *r)
{
    int inq = 0;
    for (;;) {
        const char *p = r->in.buf + r->in.pos, *end = r->in.buf + r->in.len;
        for (; p < end; p++) {
            if (*p == '"') {
                inq ^= 1;
            } else if (*p == '\n') {
                r->line++;
                if (!inq) {
                    r->in.pos = (size_t)(p + 1 - r->in.buf);
                    return 0;
                }
            }
        }
        r->in.pos = r->in.len;
        if (r->in.eof) return 0;
        int rc = pg_input_refill(&r->in);
        if (rc < 0) return rc;
    }
}

/* Whether the next record starts exactly at one of the part's stops (then reading ends). */
/* After a refill: how far a part has got, for its progress (reader.h). */
static void block_read(reader *r, void *ud)
{
    if (!r->part) return;
    r->part->at = r->in.base;
    if (r->part->on_block) r->part->on_block(ud);
}

static int at_stop(reader *r)
{
    int k = pg_input_stop(&r->in, r->part->stops, r->part->nstops, &r->next_stop);
    if (k >= 0) r->part->stopped = k;
    return k >= 0;
}

static int read_records(reader *r, pg_record_fn fn, void *ud)
{
    const pg_source *src = r->src;
    char why[PG_RV_WHY];
    for (int i = 0; i < src->nfields; i++) pg_rv_null(r->plan, i, &r->vals[i]);
    for (;;) {
        if (r->part && r->part->nstops && at_stop(r)) return 0;
        if (r->in.pos >= r->in.len) {
            if (r->in.eof) return 0;
            int rc = pg_input_refill(&r->in);
            if (rc < 0) return read_error(r, rc);
            block_read(r, ud);
            continue;
        }
        scan_out o;
        int rc = scan_record(r->in.buf + r->in.pos, r->in.buf + r->in.len, r->in.eof, r->sp,
                             r->ncols, &o);
        if (rc == REC_MORE) {
            rc = pg_input_refill(&r->in);
            if (rc < 0) return read_error(r, rc);
            block_read(r, ud);
            if (rc == PG_INPUT_TOO_LONG) {
                bad(r, r->line, "record longer than %zu MiB (a quote left open?)",
                    PG_INPUT_MAX_RECORD >> 20);
                if ((rc = skip_long_record(r)) < 0) return read_error(r, rc);
            }
            continue;
        }
        long line = r->line;
        r->line += o.nl + 1;
        r->in.pos = (size_t)(o.next - r->in.buf);
        if (rc == REC_BLANK) continue;
        if (o.err) {
            bad(r, line, "%s", o.err);
            continue;
        }
        if (o.nf != r->ncols) {
            bad(r, line, "%d field%s, but the header has %d", o.nf, o.nf == 1 ? "" : "s", r->ncols);
            continue;
        }
        const char *fail = NULL;
        int c;
        for (c = 0; c < r->ncols; c++) {
            int fi = r->map[c];
            if (fi < 0) continue;
            span *s = &r->sp[c];
            size_t len = s->esc ? unescape((char *)s->s, s->len) : s->len;
            fail = pg_rv_convert(r->plan, fi, s->s, len, &r->vals[fi], why);
            if (fail) break;
        }
        if (fail) {
            bad(r, line, "%s: %s", src->fields[r->map[c]].name, fail);
            continue;
        }
        r->stats->records++;
        int stop = fn(ud, r->vals, (int)line);
        if (stop) return stop;
    }
}

static int read_csv(reader *r, pg_record_fn fn, void *ud)
{
    pg_read_stats dummy;
    if (!r->stats) r->stats = &dummy;
    *r->stats = (pg_read_stats){0, 0};
    pg_input_start(&r->in);
    r->line = 1;
    int rc = read_header(r);
    if (r->columns) goto done; /* only the header was wanted */
    if (rc == 0 && r->part && r->part->start > 0) {
        rc = r->in.base + (long long)r->in.pos > r->part->start
                 ? -ERANGE
                 : pg_input_seek(&r->in, r->part->start);
        if (rc < 0 && rc != -ERANGE) rc = read_error(r, rc);
    }
    if (rc == 0) {
        r->sp = pg_xcalloc((size_t)(r->ncols > 0 ? r->ncols : 1), sizeof *r->sp);
        r->plan = pg_rv_plan_new(r->src, r->offset);
        r->vals = pg_xcalloc((size_t)(r->src->nfields > 0 ? r->src->nfields : 1), sizeof *r->vals);
        rc = read_records(r, fn, ud);
    }
done:
    if (r->part) r->part->at = r->in.base + (long long)r->in.pos;
    pg_rv_plan_free(r->plan);
    free(r->vals);
    free(r->sp);
    free(r->map);
    pg_input_end(&r->in);
    if (r->stats == &dummy) r->stats = NULL;
    return rc;
}

int pg_read_csv(const pg_source *src, const char *path, int offset, pg_record_fn fn, void *ud,
                pg_read_stats *stats, pg_diags *d)
{
    return pg_read_csv_part(src, path, offset, NULL, fn, ud, stats, d);
}

int pg_read_csv_part(const pg_source *src, const char *path, int offset, pg_read_part *part,
                     pg_record_fn fn, void *ud, pg_read_stats *stats, pg_diags *d)
{
    if (part) part->stopped = -1;
    if (stats) *stats = (pg_read_stats){0, 0};
    reader r = {.src = src,
                .path = part && part->name ? part->name : path,
                .offset = offset,
                .stats = stats,
                .d = d,
                .part = part};
    int rc = pg_input_open(&r.in, path, d);
    if (rc == 0) rc = read_csv(&r, fn, ud);
    pg_input_close(&r.in);
    return rc;
}

int pg_read_csv_mem(const pg_source *src, const char *name, const char *data, size_t len,
                    size_t block, int offset, pg_record_fn fn, void *ud, pg_read_stats *stats,
                    pg_diags *d)
{
    reader r = {.in = pg_input_memory(data, len, block),
                .src = src,
                .path = name,
                .offset = offset,
                .stats = stats,
                .d = d};
    return read_csv(&r, fn, ud);
}

int pg_read_csv_buf(const pg_source *src, const char *name, char *buf, size_t len, int offset,
                    pg_record_fn fn, void *ud, pg_read_stats *stats, pg_diags *d)
{
    reader r = {.in = pg_input_borrow(buf, len),
                .src = src,
                .path = name,
                .offset = offset,
                .stats = stats,
                .d = d};
    return read_csv(&r, fn, ud);
}

int pg_read_csv_columns(const pg_source *src, const char *path, pg_read_columns *out,
                        pg_read_stats *stats, pg_diags *d)
{
    *out = (pg_read_columns){0};
    if (stats) *stats = (pg_read_stats){0, 0};
    reader r = {.src = src, .path = path, .stats = stats, .d = d, .columns = out};
    int rc = pg_input_open(&r.in, path, d);
    if (rc == 0) rc = read_csv(&r, NULL, NULL);
    pg_input_close(&r.in);
    return rc;
}

void pg_read_columns_free(pg_read_columns *c)
{
    for (int i = 0; i < c->n; i++) free(c->name[i]);
    free(c->name);
    free(c->field);
    *c = (pg_read_columns){0};
}
