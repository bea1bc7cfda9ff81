/* reader_ndjson.c — the NDJSON batch reader (reader.h): one flat JSON object a line, streamed.
 *
 * Why a scanner of our own rather than a library: measured on this machine (2 vCPU AMD EPYC,
 * gcc -O2) on 1 million 13-key case records (340 MB), before any conversion, jsmn 1.1.0
 * (libjsmn-dev, strict mode, one jsmn_parse per line) ran at 0.9–1.6 M records/s and yajl
 * 2.1 (libyajl-dev, streaming, multiple values, callbacks only counting) at 1.2 M/s. jsmn
 * also validates little (numbers, literals, UTF-8 and control characters pass unchecked) and
 * yajl copies every string through its own buffer and cannot be reset without a new handle.
 * Neither leaves room for conversion and aggregation within the target (≥ 1.5× DuckDB end to
 * end). A flat record needs little of JSON: this scanner handles exactly RFC 8259 for one
 * object a line, checks the syntax of every byte it passes (UTF-8 is checked where it
 * matters, in the values of declared string fields), and runs at 3.8 M records/s with the
 * conversion of 12 fields included, 2.5–3× either library before conversion (the figures
 * are in tests/core/data/readers/README.md).
 *
 * How it reads: blocks of 1 MiB into one buffer, as the CSV reader does. A JSON text cannot
 * hold a raw newline, so memchr finds each line's end before it is parsed; a line that runs
 * past the bytes read moves to the front of the buffer and the block is read on (the buffer
 * doubles up to PG_INPUT_MAX_RECORD for a longer line; a line longer than that is an error and is
 * skipped to its newline). Strings are unescaped in place, since the decoded text is never
 * longer than the escaped one, so a value is always a pointer into the buffer.
 *
 * A line holds one object, with any JSON whitespace around it (a CR before the LF included);
 * a line of only whitespace is skipped. Keys are matched to the source's fields by exact
 * (decoded) name. A key the source does not declare makes its record bad, naming the key and
 * the nearest declared name the record has not used ("did you mean 'rating'?"): a misspelled
 * key would otherwise leave its field null in every record without a word. A source that
 * says extra_columns = "ignore" has such keys skipped, whatever their value, but still
 * checked for JSON syntax. A declared field's value must be a string, number, true,
 * false or null: an object or array there is "nested value". A key given twice in an object
 * (declared or not) is an error, and so is an absent required key. An absent key of a
 * nullable field is null, optional or not: exports commonly leave out the keys whose value is
 * null, and each record is its own header, so there is no file-wide column to miss. JSON null
 * and an absent key are null; every other scalar goes to reader_value.c as its text (a string
 * decoded, a number or literal as written), so "12" and 12 are the same int and a quoted time is
 * the normal case. Errors, one per record, at the record's line; JSON syntax errors also give the
 * column (the byte, 1-based) where the parse stopped. */
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
int pg_read_ndjson_mem(const pg_source *src, const char *name, const char *data, size_t len,
                       size_t block, int offset, pg_record_fn fn, void *ud, pg_read_stats *stats,
                       pg_diags *d);

/* Objects and arrays under an undeclared key are checked to this depth, no deeper. */
#define MAX_DEPTH 64

typedef struct {
    const char *s;
    size_t len;
} key;

typedef struct {
    pg_input in;
    /* what and where */
    const pg_source *src;
    const char *path;
    int offset;
    long line; /* line of the byte at pos */
    pg_read_stats *stats;
    pg_diags *d;
    pg_rv_plan *plan;
    pg_value *vals;
    /* the declared names, hashed */
    size_t *flen;
    unsigned char *fplain; /* the name has no '"', '\\' or control character */
    char **fnameq;         /* the name followed by '"' (and a NUL) */
    int *fslot;            /* field index + 1, 0 when empty */
    unsigned fmask;
    /* order[k]: the field the previous records had as their k-th key (-1: undeclared) */
    int *order;
    int norder;
    /* which fields the current record has set: seen[i] == stamp */
    unsigned long *seen, stamp;
    int nseen;
    /* the undeclared keys of the current record, listed and hashed (for duplicates) */
    key *uk;
    int nuk, capuk;
    int *uslot; /* index into uk + 1 */
    unsigned umask;
    /* reading part of the file (NULL: all of it), and the next stop to look for */
    pg_read_part *part;
    int next_stop;
    pg_read_columns *columns; /* pg_read_ndjson_columns: the first record's keys are wanted */
    int mid; /* the input starts inside the file (a chunk): no byte-order mark to look for */
} reader;

/* ---- input ---- */

/* ---- errors ---- */

static void bad(reader *r, long line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void bad(reader *r, long line, int col, const char *fmt, ...)
{
    if (r->stats->errors++ >= PG_READER_MAX_ERRORS) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pg_diag_add(r->d, PG_ERROR, r->path, (int)line, col, "%s", msg);
}

static int read_error(reader *r, int rc)
{
    pg_diag_add(r->d, PG_ERROR, r->path, 0, 0, "cannot read: %s", strerror(-rc));
    return rc;
}

/* ---- keys ---- */
/* Field names and unit keys are hashed as enum values are (pg_rv_hash, reader_value.h): cheap,
 * and good enough to tell them apart (a collision costs one more probe). */

static int field_of(const reader *r, const char *s, size_t len)
{
    for (unsigned h = pg_rv_hash(s, len) & r->fmask;; h = (h + 1) & r->fmask) {
        int i = r->fslot[h] - 1;
        if (i < 0) return -1;
        if (r->flen[i] == len && memcmp(r->src->fields[i].name, s, len) == 0) return i;
    }
}

static void build_fields(reader *r)
{
    const pg_source *src = r->src;
    unsigned size = 16;
    while (size < 2u * (unsigned)src->nfields) size *= 2;
    r->fmask = size - 1;
    r->fslot = pg_xcalloc(size, sizeof *r->fslot);
    r->flen = pg_xcalloc((size_t)(src->nfields > 0 ? src->nfields : 1), sizeof *r->flen);
    r->seen = pg_xcalloc((size_t)(src->nfields > 0 ? src->nfields : 1), sizeof *r->seen);
    r->fplain = pg_xcalloc((size_t)(src->nfields > 0 ? src->nfields : 1), 1);
    r->fnameq = pg_xcalloc((size_t)(src->nfields > 0 ? src->nfields : 1), sizeof *r->fnameq);
    for (int i = 0; i < src->nfields; i++) {
        const char *name = src->fields[i].name;
        r->flen[i] = strlen(name);
        r->fplain[i] = 1;
        r->fnameq[i] = pg_xmalloc(r->flen[i] + 2);
        memcpy(r->fnameq[i], name, r->flen[i]);
        memcpy(r->fnameq[i] + r->flen[i], "\"", 2);
        for (size_t k = 0; k < r->flen[i]; k++)
            if (name[k] == '"' || name[k] == '\\' || (unsigned char)name[k] < 0x20)
                r->fplain[i] = 0;
        if (field_of(r, src->fields[i].name, r->flen[i]) >= 0) continue; /* first one wins */
        unsigned h = pg_rv_hash(src->fields[i].name, r->flen[i]) & r->fmask;
        while (r->fslot[h]) h = (h + 1) & r->fmask;
        r->fslot[h] = i + 1;
    }
}

/* Notes an undeclared key of the current record; returns 1 if the record had it already. */
static int undeclared_twice(reader *r, const char *s, size_t len)
{
    if (2 * (unsigned)(r->nuk + 1) > r->umask + 1) { /* grow, and hash this record's keys again */
        unsigned size = (r->umask + 1) * 2;
        if (size < 16) size = 16;
        free(r->uslot);
        r->uslot = pg_xcalloc(size, sizeof *r->uslot);
        r->umask = size - 1;
        for (int k = 0; k < r->nuk; k++) {
            unsigned h = pg_rv_hash(r->uk[k].s, r->uk[k].len) & r->umask;
            while (r->uslot[h]) h = (h + 1) & r->umask;
            r->uslot[h] = k + 1;
        }
    }
    unsigned h = pg_rv_hash(s, len) & r->umask;
    for (; r->uslot[h]; h = (h + 1) & r->umask) {
        const key *k = &r->uk[r->uslot[h] - 1];
        if (k->len == len && memcmp(k->s, s, len) == 0) return 1;
    }
    if (r->nuk == r->capuk) {
        r->capuk = r->capuk ? r->capuk * 2 : 16;
        r->uk = pg_xrealloc(r->uk, sizeof *r->uk * (size_t)r->capuk);
    }
    r->uk[r->nuk] = (key){s, len};
    r->uslot[h] = ++r->nuk;
    return 0;
}

/* Forgets the undeclared keys of the record just read. */
static void undeclared_clear(reader *r)
{
    for (int k = 0; k < r->nuk; k++) {
        unsigned h = pg_rv_hash(r->uk[k].s, r->uk[k].len) & r->umask;
        while (r->uslot[h] != k + 1) h = (h + 1) & r->umask;
        r->uslot[h] = 0;
    }
    /* linear probing needs no tombstones when the whole table is emptied */
    r->nuk = 0;
}

/* ---- JSON ---- */

typedef struct {
    const char *msg; /* NULL while all is well */
    const char *at;  /* where a syntax error was found */
} jerr;

static inline char *skip_ws(char *p)
{
    /* exports rarely put spaces between tokens: one test for that case */
    if (__builtin_expect((unsigned char)*p > ' ', 1)) return p;
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    return p;
}

/* The first '"', '\\' or control character (below 0x20) at or after p. The LF that ends
 * every line is one, so this never runs past the line. */
static inline char *find_string_special(char *p)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  ctl = _mm_set1_epi8(0x1F);
    for (;; p += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                 _mm_cmpeq_epi8(_mm_max_epu8(x, ctl), ctl));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits) return p + __builtin_ctz(bits);
    }
#else
    while (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
    return p;
#endif
}

static int hex4(const char *p, unsigned *v)
{
    unsigned x = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = (unsigned char)p[i], d;
        if (c - '0' <= 9)
            d = c - '0';
        else if ((c | 0x20) - 'a' <= 5)
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        x = x * 16 + d;
    }
    *v = x;
    return 0;
}

static char *put_utf8(char *w, unsigned cp)
{
    if (cp < 0x80) {
        *w++ = (char)cp;
    } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | cp >> 6);
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | cp >> 12);
        *w++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | cp >> 18);
        *w++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *w++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

static char *string_error(char *p, jerr *e)
{
    e->at = p;
    e->msg = *p == '\n' ? "string not closed before the end of the line"
                        : "control character in a string (write it as an escape)";
    return NULL;
}

/* The rest of scan_string, from the first '\\' or control character at p. */
static __attribute__((noinline)) char *decode_string(char *start, char *p, const char **s,
                                                     size_t *n, jerr *e)
{
    char *w = p;
    for (;;) {
        if (*p == '"') break;
        if (*p != '\\') {
            if ((unsigned char)*p < 0x20) return string_error(p, e);
            /* copy the plain run up to the next special byte */
            char *q = find_string_special(p);
            memmove(w, p, (size_t)(q - p));
            w += q - p;
            p = q;
            continue;
        }
        char *esc = p++;
        switch (*p++) {
        case '"':
            *w++ = '"';
            break;
        case '\\':
            *w++ = '\\';
            break;
        case '/':
            *w++ = '/';
            break;
        case 'b':
            *w++ = '\b';
            break;
        case 'f':
            *w++ = '\f';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(p, &cp)) goto bad_escape;
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                /* a high surrogate must be followed by the low one of its pair */
                if (p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    e->at = esc;
                    e->msg = "\\u escape of a lone surrogate (a high one without its low pair)";
                    return NULL;
                }
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                e->at = esc;
                e->msg = "\\u escape of a lone surrogate (a low one without its high pair)";
                return NULL;
            }
            w = put_utf8(w, cp);
            break;
        }
        default:
        bad_escape:
            e->at = esc;
            e->msg = "invalid escape in a string";
            return NULL;
        }
    }
    *s = start;
    *n = (size_t)(w - start);
    return p + 1;
}

/* A string whose opening quote is at p[-1]. Decodes it in place; returns the byte after
 * the closing quote with *s, *n the text, or NULL with e set. */
static inline char *scan_string(char *p, const char **s, size_t *n, jerr *e)
{
    char *start = p;
    p = find_string_special(p);
    if (*p == '"') {
        *s = start;
        *n = (size_t)(p - start);
        return p + 1;
    }
    return decode_string(start, p, s, n, e);
}

static inline int is_digit(char c)
{
    return (unsigned)((unsigned char)c - '0') <= 9;
}

/* A number (RFC 8259 grammar) at p; returns its end, or NULL. */
static char *scan_number(char *p)
{
    if (*p == '-') p++;
    if (*p == '0')
        p++;
    else if (is_digit(*p))
        while (is_digit(*p)) p++;
    else
        return NULL;
    if (*p == '.') {
        if (!is_digit(*++p)) return NULL;
        while (is_digit(*p)) p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!is_digit(*p)) return NULL;
        while (is_digit(*p)) p++;
    }
    return p;
}

/* What a scalar is, and where its text is. */
typedef enum { V_BAD, V_STRING, V_NUMBER, V_LITERAL, V_NULL, V_NESTED } vkind;

/* The literal at p if it is `word`, else NULL. What follows is checked by the caller. */
static char *scan_word(char *p, const char *word, size_t n)
{
    return memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* Skips (and checks) any value at p, nested ones included, to `depth`. Returns its end,
 * or NULL with e set. */
static char *skip_value(char *p, int depth, jerr *e)
{
    const char *s;
    size_t n;
    char *q;
    switch (*p) {
    case '"':
        return scan_string(p + 1, &s, &n, e);
    case '{':
    case '[': {
        char close = *p == '{' ? '}' : ']';
        if (depth >= MAX_DEPTH) {
            e->at = p;
            e->msg = "nested too deep";
            return NULL;
        }
        p = skip_ws(p + 1);
        if (*p == close) return p + 1;
        for (;;) {
            if (close == '}') {
                if (*p != '"') {
                    e->at = p;
                    e->msg = "expected a key (a string in double quotes)";
                    return NULL;
                }
                if (!(p = scan_string(p + 1, &s, &n, e))) return NULL;
                p = skip_ws(p);
                if (*p != ':') {
                    e->at = p;
                    e->msg = "expected ':' after a key";
                    return NULL;
                }
                p = skip_ws(p + 1);
            }
            if (!(p = skip_value(p, depth + 1, e))) return NULL;
            p = skip_ws(p);
            if (*p == close) return p + 1;
            if (*p != ',') {
                e->at = p;
                e->msg = close == '}' ? "expected ',' or '}'" : "expected ',' or ']'";
                return NULL;
            }
            p = skip_ws(p + 1);
        }
    }
    case 't':
        q = scan_word(p, "true", 4);
        break;
    case 'f':
        q = scan_word(p, "false", 5);
        break;
    case 'n':
        q = scan_word(p, "null", 4);
        break;
    default:
        q = scan_number(p);
        break;
    }
    if (!q) {
        e->at = p;
        e->msg = "invalid value";
    }
    return q;
}

/* ---- records ---- */

/* Whether the key at p (after its opening quote, in a line that ends at `end`) is exactly
 * the plain name nameq[0..n) followed by its closing quote (nameq[n] is '"'). Eight bytes
 * at a time: this runs once per key of every record. */
static inline int key_is(const char *p, const char *end, const char *nameq, size_t n)
{
    size_t m = n + 1, i = 0;
    uint64_t a, b;
    if ((size_t)(end - p) < m) return 0;
    if (m < 8) {
        for (; i < m; i++)
            if (p[i] != nameq[i]) return 0;
        return 1;
    }
    for (; i + 8 <= m; i += 8) {
        memcpy(&a, p + i, 8);
        memcpy(&b, nameq + i, 8);
        if (a != b) return 0;
    }
    /* the last, overlapping, eight */
    memcpy(&a, p + m - 8, 8);
    memcpy(&b, nameq + m - 8, 8);
    return a == b;
}

/* Notes that the k-th key of this record was field fi (-1: undeclared). */
static void remember_order(reader *r, int k, int fi)
{
    if (k >= r->norder) {
        if (k >= 1024) return; /* enough for any real record; past it, no guessing */
        int n = r->norder ? r->norder : 16;
        while (n <= k) n *= 2;
        r->order = pg_xrealloc(r->order, sizeof *r->order * (size_t)n);
        for (int i = r->norder; i < n; i++) r->order[i] = -1;
        r->norder = n;
    }
    r->order[k] = fi;
}

/* Parses the line at p into r->vals. Returns 1 for a good record, 0 for a blank line (*lf
 * then points to the LF that ends the line), -1 for a bad record (reported; *lf not set).
 * The line's end need not be known: nothing here reads past an LF (whitespace, strings,
 * escapes, numbers and literals all stop at one), so the parse stops at the first LF after
 * p, which every buffer has (the readers' sentinel). `lim` bounds only the look-ahead of
 * key_is: the line's LF when it is known, else the end of the buffer (a key that matches a
 * plain name and its closing quote holds no LF, so it cannot run past its line). */
static int parse_record(reader *r, char *p, char *lim, long line, char **lf)
{
    const pg_source *src = r->src;
    char why[PG_RV_WHY];
    const char *fail = NULL;
    int field = -1;
    jerr e = {NULL, NULL};
    char *lstart = p;

    p = skip_ws(p);
    if (*p == '\n') {
        *lf = p;
        return 0;
    }
    if (*p != '{') {
        e.at = p;
        e.msg = "not a JSON object";
        goto syntax;
    }
    r->stamp++;
    r->nseen = 0;
    int nkeys = 0;
    p = skip_ws(p + 1);
    if (*p != '}') {
        for (;;) {
            const char *k, *s;
            size_t klen, n;
            int fi;
            if (*p != '"') {
                e.at = p;
                e.msg = "expected a key (a string in double quotes)";
                goto syntax;
            }
            /* Exports write their keys in the same order on every line: try the key the
             * previous record had here, straight against the bytes, before decoding. */
            if (nkeys < r->norder && (fi = r->order[nkeys]) >= 0 && r->fplain[fi] &&
                key_is(p + 1, lim, r->fnameq[fi], r->flen[fi])) {
                k = p + 1;
                klen = r->flen[fi];
                p += klen + 2;
            } else {
                if (!(p = scan_string(p + 1, &k, &klen, &e))) goto syntax;
                fi = field_of(r, k, klen);
                remember_order(r, nkeys, fi);
            }
            nkeys++;
            p = skip_ws(p);
            if (*p != ':') {
                e.at = p;
                e.msg = "expected ':' after a key";
                goto syntax;
            }
            p = skip_ws(p + 1);
            if (fi < 0) {
                if (!src->extra_ignore) {
                    /* the fields this record has already set are no suggestion */
                    unsigned char *taken = pg_xcalloc((size_t)src->nfields + 1, 1);
                    for (int i = 0; i < src->nfields; i++) taken[i] = r->seen[i] == r->stamp;
                    char what[PG_RV_WHY - 128]; /* room for the advice around it */
                    pg_rv_undeclared(what, sizeof what, src, k, klen, taken);
                    free(taken);
                    snprintf(why, sizeof why,
                             "key %s (declare it, or extra_columns = \"ignore\" on the source to "
                             "skip undeclared keys)",
                             what);
                    fail = why;
                    goto failed;
                }
                if (undeclared_twice(r, k, klen)) {
                    snprintf(why, sizeof why, "key \"%.*s\" given twice",
                             klen > 200 ? 200 : (int)klen, k);
                    fail = why;
                    goto failed;
                }
                if (!(p = skip_value(p, 0, &e))) goto syntax;
            } else {
                if (r->seen[fi] == r->stamp) {
                    field = fi;
                    fail = "key given twice";
                    goto failed;
                }
                r->seen[fi] = r->stamp;
                r->nseen++;
                char *q;
                switch (*p) {
                case '"':
                    if (!(q = scan_string(p + 1, &s, &n, &e))) goto syntax;
                    fail = pg_rv_convert(r->plan, fi, s, n, &r->vals[fi], why);
                    break;
                case '{':
                case '[':
                    field = fi;
                    fail = "nested value (an object or array where a flat value is expected)";
                    goto failed;
                case 'n':
                    if (!(q = scan_word(p, "null", 4))) goto invalid;
                    fail = pg_rv_null(r->plan, fi, &r->vals[fi]);
                    break;
                case 't':
                    if (!(q = scan_word(p, "true", 4))) goto invalid;
                    fail = pg_rv_convert(r->plan, fi, p, 4, &r->vals[fi], why);
                    break;
                case 'f':
                    if (!(q = scan_word(p, "false", 5))) goto invalid;
                    fail = pg_rv_convert(r->plan, fi, p, 5, &r->vals[fi], why);
                    break;
                default:
                    if (!(q = scan_number(p))) goto invalid;
                    /* what follows must end the value, or "12x" would pass as 12 */
                    if (*q != ',' && *q != '}' && *q != ' ' && *q != '\t' && *q != '\r' &&
                        *q != '\n') {
                        p = q;
                        goto invalid;
                    }
                    fail = pg_rv_convert(r->plan, fi, p, (size_t)(q - p), &r->vals[fi], why);
                    break;
                }
                if (fail) {
                    field = fi;
                    goto failed;
                }
                p = q;
            }
            p = skip_ws(p);
            if (*p == ',') {
                p = skip_ws(p + 1);
                continue;
            }
            if (*p == '}') break;
            e.at = p;
            e.msg = "expected ',' or '}'";
            goto syntax;
        }
    }
    p = skip_ws(p + 1);
    if (*p != '\n') {
        e.at = p;
        e.msg = "text after the end of the object";
        goto syntax;
    }
    *lf = p;
    if (r->nseen < src->nfields) { /* absent keys are null */
        for (int i = 0; i < src->nfields; i++) {
            if (r->seen[i] == r->stamp) continue;
            if ((fail = pg_rv_null(r->plan, i, &r->vals[i])) != NULL) {
                field = i;
                goto failed;
            }
        }
    }
    undeclared_clear(r);
    return 1;

invalid:
    e.at = p;
    e.msg = "invalid value";
syntax:
    undeclared_clear(r);
    bad(r, line, (int)(e.at - lstart) + 1, "malformed JSON: %s", e.msg);
    return -1;
failed:
    undeclared_clear(r);
    if (field >= 0)
        bad(r, line, 0, "%s: %s", src->fields[field].name, fail);
    else
        bad(r, line, 0, "%s", fail);
    return -1;
}

/* pg_read_ndjson_columns: the keys of the line [p, end) into r->columns, as far as the line
 * parses. Returns 0 for a blank line (look further), else 1. */
static int list_keys(reader *r, char *p, char *end)
{
    pg_read_columns *c = r->columns;
    jerr e = {NULL, NULL};
    p = skip_ws(p);
    if (p == end) return 0;
    if (*p != '{') return 1;
    for (p = skip_ws(p + 1); *p == '"';) {
        const char *k;
        size_t klen;
        if (!(p = scan_string(p + 1, &k, &klen, &e))) return 1;
        c->name = pg_xrealloc(c->name, sizeof *c->name * (size_t)(c->n + 1));
        c->field = pg_xrealloc(c->field, sizeof *c->field * (size_t)(c->n + 1));
        c->name[c->n] = pg_xasprintf("%.*s", (int)klen, k);
        c->field[c->n++] = field_of(r, k, klen);
        p = skip_ws(p);
        if (*p != ':') return 1;
        if (!(p = skip_value(skip_ws(p + 1), 0, &e))) return 1;
        p = skip_ws(p);
        if (*p != ',') return 1;
        p = skip_ws(p + 1);
    }
    return 1;
}

/* Skips the line at pos, longer than PG_INPUT_MAX_RECORD, to its LF. Nothing is kept. */
static int skip_long_line(reader *r)
{
    for (;;) {
        char *nl = memchr(r->in.buf + r->in.pos, '\n', r->in.len - r->in.pos);
        if (nl) {
            r->in.pos = (size_t)(nl + 1 - r->in.buf);
            r->line++;
            return 0;
        }
        r->in.pos = r->in.len;
        if (r->in.eof) return 0;
        int rc = pg_input_refill(&r->in);
        if (rc < 0) return rc;
    }
}

/* Whether the next line starts exactly at one of the part's stops (then reading ends). */
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

/* A chunk in memory (pg_read_ndjson_buf): every line is there, so none is looked for
 * before it is parsed (a memchr over every byte); the parse finds each line's LF, and only a
 * bad line's end is looked for. The same records, lines and diagnostics as read_records. */
static int read_in_place(reader *r, pg_record_fn fn, void *ud)
{
    char *end = r->in.buf + r->in.len; /* *end is the sentinel LF */
    for (char *p = r->in.buf + r->in.pos; p < end;) {
        long line = r->line++;
        char *lf;
        int got = parse_record(r, p, end, line, &lf);
        if (got < 0) lf = memchr(p, '\n', (size_t)(end - p) + 1);
        p = lf + 1;
        if (got <= 0) continue;
        r->stats->records++;
        int stop = fn(ud, r->vals, (int)line);
        if (stop) {
            r->in.pos = (size_t)(p < end ? p - r->in.buf : end - r->in.buf);
            return stop;
        }
    }
    r->in.pos = r->in.len;
    return 0;
}

static int read_records(reader *r, pg_record_fn fn, void *ud)
{
    int rc;
    if (r->part && r->part->start > 0) {
        if ((rc = pg_input_seek(&r->in, r->part->start)) < 0) return read_error(r, rc);
    } else if (!r->mid) {
        /* the byte-order mark: make sure three bytes are there to look at */
        while (r->in.len < 3 && !r->in.eof)
            if ((rc = pg_input_refill(&r->in)) < 0) return read_error(r, rc);
        if (r->in.len >= 3 && memcmp(r->in.buf, "\xEF\xBB\xBF", 3) == 0) r->in.pos = 3;
    }
    if (r->in.borrowed && !r->part && !r->columns) return read_in_place(r, fn, ud);
    for (;;) {
        if (r->part && r->part->nstops && at_stop(r)) return 0;
        char *p = r->in.buf + r->in.pos;
        char *nl = r->in.pos < r->in.len ? memchr(p, '\n', r->in.len - r->in.pos) : NULL;
        if (!nl) {
            if (r->in.eof) {
                if (r->in.pos >= r->in.len) return 0;
                nl =
                    r->in.buf + r->in.len; /* the last line, without its LF: the sentinel ends it */
            } else {
                rc = pg_input_refill(&r->in);
                if (rc < 0) return read_error(r, rc);
                block_read(r, ud);
                if (rc == PG_INPUT_TOO_LONG) {
                    bad(r, r->line, 0, "line longer than %zu MiB", PG_INPUT_MAX_RECORD >> 20);
                    if ((rc = skip_long_line(r)) < 0) return read_error(r, rc);
                }
                continue;
            }
        }
        long line = r->line++;
        r->in.pos = nl < r->in.buf + r->in.len ? (size_t)(nl + 1 - r->in.buf) : r->in.len;
        if (r->columns) { /* pg_read_ndjson_columns: the keys of the first record, no more */
            if (list_keys(r, p, nl)) return 0;
            continue;
        }
        char *lf;
        if (parse_record(r, p, nl, line, &lf) <= 0) continue;
        r->stats->records++;
        int stop = fn(ud, r->vals, (int)line);
        if (stop) return stop;
    }
}

static int read_ndjson(reader *r, pg_record_fn fn, void *ud)
{
    pg_read_stats dummy;
    if (!r->stats) r->stats = &dummy;
    *r->stats = (pg_read_stats){0, 0};
    pg_input_start(&r->in);
    r->line = 1;
    r->plan = pg_rv_plan_new(r->src, r->offset);
    r->vals = pg_xcalloc((size_t)(r->src->nfields > 0 ? r->src->nfields : 1), sizeof *r->vals);
    build_fields(r);
    int rc = read_records(r, fn, ud);
    if (r->part) r->part->at = r->in.base + (long long)r->in.pos;
    pg_rv_plan_free(r->plan);
    free(r->vals);
    free(r->flen);
    free(r->fplain);
    for (int i = 0; r->fnameq && i < r->src->nfields; i++) free(r->fnameq[i]);
    free(r->fnameq);
    free(r->order);
    free(r->fslot);
    free(r->seen);
    free(r->uk);
    free(r->uslot);
    pg_input_end(&r->in);
    if (r->stats == &dummy) r->stats = NULL;
    return rc;
}

int pg_read_ndjson(const pg_source *src, const char *path, int offset, pg_record_fn fn, void *ud,
                   pg_read_stats *stats, pg_diags *d)
{
    return pg_read_ndjson_part(src, path, offset, NULL, fn, ud, stats, d);
}

int pg_read_ndjson_part(const pg_source *src, const char *path, int offset, pg_read_part *part,
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
    if (rc == 0) rc = read_ndjson(&r, fn, ud);
    pg_input_close(&r.in);
    return rc;
}

int pg_read_ndjson_mem(const pg_source *src, const char *name, const char *data, size_t len,
                       size_t block, int offset, pg_record_fn fn, void *ud, pg_read_stats *stats,
                       pg_diags *d)
{
    reader r = {.in = pg_input_memory(data, len, block),
                .src = src,
                .path = name,
                .offset = offset,
                .stats = stats,
                .d = d};
    return read_ndjson(&r, fn, ud);
}

int pg_read_ndjson_buf(const pg_source *src, const char *name, char *buf, size_t len, int at_start,
                       int offset, pg_record_fn fn, void *ud, pg_read_stats *stats, pg_diags *d)
{
    reader r = {.in = pg_input_borrow(buf, len),
                .src = src,
                .path = name,
                .offset = offset,
                .stats = stats,
                .d = d,
                .mid = !at_start};
    return read_ndjson(&r, fn, ud);
}

int pg_read_ndjson_columns(const pg_source *src, const char *path, pg_read_columns *out,
                           pg_diags *d)
{
    *out = (pg_read_columns){0};
    pg_read_stats st;
    reader r = {.src = src, .path = path, .stats = &st, .d = d, .columns = out};
    int rc = pg_input_open(&r.in, path, d);
    if (rc == 0) rc = read_ndjson(&r, NULL, NULL);
    pg_input_close(&r.in);
    return rc;
}
