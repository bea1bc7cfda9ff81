/* reader_value.h — converting a field's text to its declared type (reader_value.c), shared by
 * the CSV and NDJSON readers. Not a public header.
 *
 * A plan is built once per file from the source (enum tables, the time zone); it also
 * remembers the last date of each time field, so it belongs to one reader (one thread).
 *
 * pg_rv_convert runs for every field of every record, so its common cases (strings, enums,
 * integers, booleans, times) are inline here and compile into the readers' field loops: a
 * call per field cost about a tenth of a CSV read in its prologue, epilogue and argument
 * moves alone. The plan's layout is therefore visible to the two readers; only this file's
 * functions and reader_value.c touch it. Numbers with a fraction, and every error message,
 * stay out of line. */
#ifndef PG_READER_VALUE_H
#define PG_READER_VALUE_H

#include "rules.h"
#include "base.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    pg_ftype type;
    int nullable;
    int nenums;
    char **enums;
    size_t *elen;       /* length of each enum value */
    int *slot;          /* open-addressed hash of the enum values: index + 1, 0 when empty */
    unsigned slot_mask; /* table size − 1 (a power of two at least twice nenums) */
    pg_time_memo memo;  /* time: the last date seen (a plan belongs to one reader) */
} pg_rv_field;

typedef struct pg_rv_plan {
    int offset;
    int nfields;
    pg_rv_field *f;
} pg_rv_plan;

pg_rv_plan *pg_rv_plan_new(const pg_source *src, int offset);
void pg_rv_plan_free(pg_rv_plan *p);

#define PG_RV_WHY 512

/* Writes s, cut and escaped for an error message, into out. */
void pg_rv_show(char *out, size_t outsz, const char *s, size_t len);

/* ---- out of line (reader_value.c) ---- */

/* Why the column or key name[0..len) is refused when the source does not declare it, into
 * out: the name, the source, and the nearest declared name among those whose entry in
 * `taken` is 0 (NULL: all of them), as "did you mean 'rating'?". The readers call it only for
 * an undeclared name, never per good record. */
void pg_rv_undeclared(char *out, size_t outsz, const pg_source *src, const char *name, size_t len,
                      const unsigned char *taken);

/* Length of the UTF-8 sequence starting at s (at most n bytes), or 0 if it is not valid. */
size_t pg_rv_utf8_seq(const unsigned char *s, size_t n);
/* Decimal text: -1 not a number, -2 out of range, 0 with *out. */
int pg_rv_number(const char *s, size_t len, double *out);
/* "true" or "false" (len 4 or 5) into *out: 0, or -1 for anything else. Out of line: inline,
 * gcc warns about the literal compares wherever a caller passes a shorter constant. */
int pg_rv_bool_word(const char *s, size_t len, double *out);
/* Why s[0..len) is not a value of f, into why (rc: the integer or number parser's code). */
const char *pg_rv_explain(const pg_rv_field *f, const char *s, size_t len, int rc, char *why,
                          size_t whysz);

/* ---- inline ---- */

/* The enum table's hash: the length and the first and last four bytes, multiplied
 * together. Cheap on purpose (a byte-by-byte hash is a serial chain of multiplies that
 * costs more than the whole conversion); collisions only mean one more probe. */
static inline unsigned pg_rv_hash(const char *s, size_t len)
{
    uint32_t a, b;
    if (len >= 4) {
        memcpy(&a, s, 4);
        memcpy(&b, s + len - 4, 4);
    } else {
        a = len ? (unsigned char)s[0] : 0;
        b = len ? (uint32_t)(unsigned char)s[len - 1] << 8 | (unsigned char)s[len / 2] : 0;
    }
    uint64_t h = ((uint64_t)a * 0x9E3779B97F4A7C15ULL) ^
                 ((uint64_t)(b ^ (uint32_t)len) * 0xC2B2AE3D27D4EB4FULL);
    return (unsigned)(h >> 40);
}

static inline int pg_rv_same(const char *a, const char *b, size_t n)
{
    /* enum values are a few bytes: a loop beats a call to memcmp */
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static inline int pg_rv_enum_find(const pg_rv_field *f, const char *s, size_t len)
{
    for (unsigned h = pg_rv_hash(s, len) & f->slot_mask;; h = (h + 1) & f->slot_mask) {
        int k = f->slot[h] - 1;
        if (k < 0) return -1;
        if (f->elen[k] == len && pg_rv_same(f->enums[k], s, len)) return k;
    }
}

static inline int pg_rv_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    for (;;) {
        /* ASCII runs eight bytes at a time: most ids and codes never leave this loop */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        while (i < len && u[i] < 0x80) i++;
        if (i == len) return 1;
        /* Chinese text is three-byte sequences, E1–EC (U+1000–U+CFFF) with any two
         * continuation bytes: checked here without a call; the rest goes to utf8_seq */
        while (i + 3 <= len && u[i] >= 0xE1 && u[i] <= 0xEC && (u[i + 1] & 0xC0) == 0x80 &&
               (u[i + 2] & 0xC0) == 0x80)
            i += 3;
        if (i == len) return 1;
        if (u[i] < 0x80) continue;
        size_t q = pg_rv_utf8_seq(u + i, len - i);
        if (!q) return 0;
        i += q;
    }
}

/* 2^53: the largest magnitude below which every integer is a double. */
#define PG_RV_INT_LIMIT 9007199254740992ULL

static inline int pg_rv_int(const char *s, size_t len, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i == len) return -1;
    uint64_t v = 0;
    int big = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9) return -1;
        /* v <= 2^53 here, so v * 10 + 9 cannot wrap */
        if (!big) v = v * 10 + d;
        if (v > PG_RV_INT_LIMIT) big = 1;
    }
    if (big) return -2;
    *out = neg ? -(double)v : (double)v;
    return 0;
}

/* Sets *v to null; returns the reason when the field is required. */
static inline const char *pg_rv_null(const pg_rv_plan *p, int field, pg_value *v)
{
    v->null = 1;
    v->num = NAN;
    v->str = NULL;
    v->len = 0;
    return p->f[field].nullable ? NULL : "missing required field";
}

/* Converts s[0..len) into *v for field `field`. Returns NULL, or the reason it does not
 * convert (pointing into `why` or a static string). */
static inline __attribute__((always_inline)) const char *
pg_rv_convert(pg_rv_plan *p, int field, const char *s, size_t len, pg_value *v, char why[PG_RV_WHY])
{
    pg_rv_field *f = &p->f[field];
    int rc = -1;
    if (len == 0) return pg_rv_null(p, field, v);
    v->null = 0;
    v->str = s;
    v->len = (int)len;
    switch (f->type) {
    case PG_FT_STRING:
        v->num = 0;
        if (pg_rv_utf8_valid(s, len)) return NULL;
        break;
    case PG_FT_ENUM: {
        int k = pg_rv_enum_find(f, s, len);
        if (k >= 0) {
            v->num = k;
            return NULL;
        }
        break;
    }
    case PG_FT_INT:
        if ((rc = pg_rv_int(s, len, &v->num)) == 0) return NULL;
        break;
    case PG_FT_NUMBER:
        if ((rc = pg_rv_number(s, len, &v->num)) == 0) return NULL;
        break;
    case PG_FT_BOOL:
        if (len == 1 && (s[0] == '0' || s[0] == '1')) {
            v->num = s[0] - '0';
            return NULL;
        }
        if ((len == 4 || len == 5) && pg_rv_bool_word(s, len, &v->num) == 0) return NULL;
        break;
    case PG_FT_TIME:
        if (pg_time_parse_memo(s, len, p->offset, &f->memo, &v->num) == 0) return NULL;
        break;
    }
    return pg_rv_explain(f, s, len, rc, why, PG_RV_WHY);
}

#endif
