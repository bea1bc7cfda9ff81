/* reader_value.c — turning one field's text into a typed value, shared by the CSV and NDJSON
 * readers (reader_csv.c, reader_ndjson.c).
 *
 * A reader finds a field's bytes in its buffer and hands them here with the field's index;
 * this file knows the declared types (rules.h) and says either "here is the value" or "here
 * is why not", in words a data clerk can act on. The rules, the same for both formats:
 *   - empty text is null (an empty CSV field, quoted or not, a JSON "" or null, an absent key);
 *     null is an error, "missing required field", unless the field is nullable.
 *   - nothing is trimmed: " 12" is not an integer and " 2021-05-01" not a time. Exports that
 *     pad values are rare, and a padded value is more likely a shifted column than a style.
 *   - string: any valid UTF-8 (invalid bytes are rejected: they would poison every report).
 *   - int: optional sign and decimal digits, at most 2^53 in magnitude (what a double holds
 *     exactly; pg_value keeps numbers as doubles).
 *   - number: optional sign, digits with an optional fraction (".5" and "5." too) and an
 *     optional exponent. No hex, nan, inf, or anything that overflows a double.
 *   - bool: true, false, 1 or 0 (a JSON reader passes its literals as the text true/false).
 *   - time: pg_time_parse at the rule set's offset (base.h; strict, like the rest).
 *   - enum: exactly one of the declared values; the value is its index.
 *
 * Speed matters (this runs for every declared field of millions of records), so the common
 * cases never call the C library: integers and short decimals are converted by hand (exactly:
 * a decimal of at most 15 significant digits times or divided by an exact power of ten is
 * correctly rounded, Clinger's fast path), and strtod is only the fallback for long or extreme
 * numbers. Enum values are found through a small hash table built once per file, so a long
 * list of allowed values costs no more than a short one. Error messages are built out of
 * line (pg_rv_explain()), only for bad records.
 *
 * The conversion itself (pg_rv_convert) and the small helpers it calls are inline in
 * reader_value.h, so that they compile into the readers' loops; this file keeps the plan,
 * the decimal parser, the rare UTF-8 sequences and the messages. */
#include "reader_value.h"
#include "base.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A value longer than this is cut in error messages. */
#define SHOW_MAX 60
/* The list of allowed enum values in an error message is cut after this many bytes. */
#define ALLOWED_MAX 160

pg_rv_plan *pg_rv_plan_new(const pg_source *src, int offset)
{
    pg_rv_plan *p = pg_xcalloc(1, sizeof *p);
    p->offset = offset;
    p->nfields = src->nfields;
    p->f = pg_xcalloc((size_t)(src->nfields > 0 ? src->nfields : 1), sizeof *p->f);
    for (int i = 0; i < src->nfields; i++) {
        const pg_field *sf = &src->fields[i];
        pg_rv_field *f = &p->f[i];
        f->type = sf->type;
        f->nullable = sf->nullable;
        if (sf->type == PG_FT_ENUM) {
            f->nenums = sf->nenums;
            f->enums = sf->enums;
            f->elen = pg_xcalloc((size_t)(sf->nenums ? sf->nenums : 1), sizeof *f->elen);
            unsigned size = 8;
            while (size < 2u * (unsigned)sf->nenums) size *= 2;
            f->slot = pg_xcalloc(size, sizeof *f->slot);
            f->slot_mask = size - 1;
            for (int k = 0; k < sf->nenums; k++) {
                f->elen[k] = strlen(sf->enums[k]);
                /* a value declared twice keeps its first index */
                if (pg_rv_enum_find(f, sf->enums[k], f->elen[k]) >= 0) continue;
                unsigned h = pg_rv_hash(sf->enums[k], f->elen[k]) & f->slot_mask;
                while (f->slot[h]) h = (h + 1) & f->slot_mask;
                f->slot[h] = k + 1;
            }
        }
    }
    return p;
}

void pg_rv_plan_free(pg_rv_plan *p)
{
    if (!p) return;
    for (int i = 0; i < p->nfields; i++) {
        free(p->f[i].elen);
        free(p->f[i].slot);
    }
    free(p->f);
    free(p);
}

/* ---- showing a value in a message ---- */

/* Length of the UTF-8 sequence starting at s (at most n bytes), or 0 if it is not valid:
 * no overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
size_t pg_rv_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;  /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;  /* overlong */
        if (c == 0xF4 && s[1] >= 0x90) return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

/* Writes s[0..len) as a double-quoted, printable, NUL-terminated string into out: control
 * characters, quotes, backslashes and invalid UTF-8 are escaped, and a long value is cut at
 * a character boundary with "…". */
void pg_rv_show(char *out, size_t outsz, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    if (outsz < 16) {
        if (outsz) out[0] = '\0';
        return;
    }
    out[o++] = '"';
    while (i < len) {
        char tmp[8];
        size_t tl, step;
        size_t q = pg_rv_utf8_seq(u + i, len - i);
        if (q > 1) {
            memcpy(tmp, s + i, q);
            tl = step = q;
        } else if (u[i] == '"' || u[i] == '\\') {
            tmp[0] = '\\', tmp[1] = (char)u[i];
            tl = 2, step = 1;
        } else if (q == 1 && u[i] >= 0x20 && u[i] != 0x7F) {
            tmp[0] = (char)u[i];
            tl = step = 1;
        } else {
            snprintf(tmp, sizeof tmp, "\\x%02X", u[i]);
            tl = 4, step = 1;
        }
        /* room for this piece, the closing quote, "…" (3 bytes) and the NUL */
        if (i >= SHOW_MAX || o + tl + 1 + 3 + 1 > outsz) {
            memcpy(out + o, "\xE2\x80\xA6", 3);
            o += 3;
            break;
        }
        memcpy(out + o, tmp, tl);
        o += tl;
        i += step;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* ---- the types ---- */

#define INT_LIMIT PG_RV_INT_LIMIT

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int is_digit(char c)
{
    return (unsigned)((unsigned char)c - '0') <= 9;
}

/* Long or extreme numbers, already known to be plain decimal: strtod on a terminated copy.
 * The locale's decimal point is the only risk, and pinggu never calls setlocale. The
 * magnitude: the caller applies the sign, as on its fast path. */
static __attribute__((noinline)) double slow_number(const char *s, size_t len)
{
    char tmp[128];
    char *copy = len < sizeof tmp ? tmp : pg_xmalloc(len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    double v = fabs(strtod(copy, NULL));
    if (copy != tmp) free(copy);
    return v;
}

/* Decimal text: -1 not a number, -2 out of range, 0 with *out. */
int pg_rv_number(const char *s, size_t len, double *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    uint64_t m = 0;
    int sig = 0;     /* significant digits taken into m */
    int dropped = 0; /* significant digits that did not fit (they make the fast path inexact) */
    long exp10 = 0;
    int ndig = 0;
    for (; i < len && is_digit(s[i]); i++, ndig++) {
        if (m == 0 && s[i] == '0') continue; /* leading zeros are not significant */
        if (sig < 19)
            m = m * 10 + (unsigned)(s[i] - '0'), sig++;
        else
            dropped = 1, exp10++;
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++, ndig++) {
            if (m == 0 && s[i] == '0') {
                exp10--;
                continue;
            }
            if (sig < 19)
                m = m * 10 + (unsigned)(s[i] - '0'), sig++, exp10--;
            else
                dropped = 1;
        }
    }
    if (ndig == 0) return -1;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < len && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
        if (i == len) return -1;
        long e = 0;
        for (; i < len; i++) {
            unsigned d = (unsigned char)s[i] - '0';
            if (d > 9) return -1;
            if (e < 100000) e = e * 10 + d; /* past this the value is 0 or inf anyway */
        }
        exp10 += eneg ? -e : e;
    }
    if (i != len) return -1;
    double v;
    if (m == 0) {
        v = 0;
    } else if (!dropped && m <= INT_LIMIT && exp10 >= -22 && exp10 <= 22) {
        v = exp10 < 0 ? (double)m / pow10_exact[-exp10] : (double)m * pow10_exact[exp10];
    } else {
        v = slow_number(s, len);
    }
    if (!isfinite(v)) return -2;
    *out = neg ? -v : v;
    return 0;
}

int pg_rv_bool_word(const char *s, size_t len, double *out)
{
    if (len == 4 && memcmp(s, "true", 4) == 0) {
        *out = 1;
        return 0;
    }
    if (len == 5 && memcmp(s, "false", 5) == 0) {
        *out = 0;
        return 0;
    }
    return -1;
}

/* The allowed values of an enum field, comma-separated, cut after ALLOWED_MAX bytes. */
static void allowed_list(const pg_rv_field *f, char *out, size_t outsz)
{
    size_t o = 0;
    out[0] = '\0';
    for (int k = 0; k < f->nenums; k++) {
        size_t need = f->elen[k] + (k ? 2 : 0);
        if (o + need > ALLOWED_MAX || o + need + 32 > outsz) {
            snprintf(out + o, outsz - o, "%s\xE2\x80\xA6 (%d in all)", k ? ", " : "", f->nenums);
            return;
        }
        o += (size_t)snprintf(out + o, outsz - o, "%s%s", k ? ", " : "", f->enums[k]);
    }
}

/* Why s[0..len) is not a value of f, into why (rc: pg_rv_int's or pg_rv_number's code). Out
 * of line: only bad records come here, and the good ones keep a small stack frame. */
__attribute__((cold)) const char *pg_rv_explain(const pg_rv_field *f, const char *s, size_t len,
                                                int rc, char *why, size_t whysz)
{
    char shown[4 * SHOW_MAX + 16];
    const char *what = "field of unknown type";
    pg_rv_show(shown, sizeof shown, s, len);
    switch (f->type) {
    case PG_FT_STRING:
        what = "invalid UTF-8";
        break;
    case PG_FT_ENUM: {
        char allowed[ALLOWED_MAX + 64];
        allowed_list(f, allowed, sizeof allowed);
        snprintf(why, whysz, "not one of the allowed values: %s (allowed: %s)", shown, allowed);
        return why;
    }
    case PG_FT_INT:
        what = rc == -2 ? "integer out of range (more than 2^53)" : "not an integer";
        break;
    case PG_FT_NUMBER:
        what = rc == -2 ? "number out of range" : "not a number";
        break;
    case PG_FT_BOOL:
        what = "not a boolean (true, false, 1 or 0)";
        break;
    case PG_FT_TIME:
        what = "not a time (YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS[.fff]], optionally Z or +HH:MM)";
        break;
    }
    snprintf(why, whysz, "%s: %s", what, shown);
    return why;
}

void pg_rv_undeclared(char *out, size_t outsz, const pg_source *src, const char *name, size_t len,
                      const unsigned char *taken)
{
    char shown[256];
    pg_rv_show(shown, sizeof shown, name, len);
    /* a name already matched is no suggestion: "rating" is there, so "ratng" is not it */
    const char **cands = pg_xcalloc((size_t)(src->nfields > 0 ? src->nfields : 1), sizeof *cands);
    for (int i = 0; i < src->nfields; i++)
        cands[i] = taken && taken[i] ? NULL : src->fields[i].name;
    int near = pg_nearest_name(name, len, cands, src->nfields);
    snprintf(out, outsz, "%s is not a field of source '%s'%s%s%s", shown, src->name,
             near >= 0 ? "; did you mean '" : "", near >= 0 ? src->fields[near].name : "",
             near >= 0 ? "'?" : "");
    free(cands);
}
