/* json_print.c — cJSON's printed text of a tree, byte for byte, at a fraction of its cost.
 *
 * Every stored result, run and bulletin is cJSON's text (cJSON_Print, cJSON_PrintUnformatted of
 * libcjson 1.7.15), and reproduction compares texts byte for byte, so the bytes cannot change.
 * At 3,003 units a month's result is 39 MB of text and ~3 M numbers, and cJSON prints each
 * number with printf("%1.15g"), reads it back with sscanf and prints again with "%1.17g" when
 * it does not come back: glibc's exact decimal conversion, twice per number, was most of
 * printing a result. This file prints the same text with a short cut for the numbers results
 * are made of (rounded points, counts, shares):
 *
 *   a decimal c of at most 15 significant digits that strtod reads back as d exactly is what
 *   "%1.15g" prints for d. DBL_DIG is 15: such a decimal survives the trip to a double and back
 *   to 15 digits, so rounding d to 15 digits gives c again, which %g prints without its
 *   trailing zeros, in fixed notation while d's exponent is in [-4, 15). cJSON then reads c
 *   back as d and keeps it.
 *
 * The candidates are d itself when it is a whole number below 1e15, and d scaled by 10^k
 * (k = 1..9) and rounded; a candidate that does not read back as d is dropped, and the number
 * is printed as cJSON prints it. tests/core/base/test_json_print.c compares this file's
 * text with cJSON's on random trees of every kind of value. */
#include "base.h"

#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cJSON's way, for the numbers the short cut does not settle. */
static int number_slow(char *b, double d)
{
    int n = snprintf(b, PG_JSON_NUMBER_BUF, "%1.15g", d);
    double back = strtod(b, NULL);
    double most = fabs(back) > fabs(d) ? fabs(back) : fabs(d);
    if (!(fabs(back - d) <= most * DBL_EPSILON)) n = snprintf(b, PG_JSON_NUMBER_BUF, "%1.17g", d);
    char point = localeconv()->decimal_point[0];
    for (int k = 0; k < n; k++)
        if (b[k] == point) b[k] = '.';
    return n;
}

/* The digits of v (< 10^16) into b, right-aligned ending at b[end-1]; returns the start. */
static int digits_back(char *b, int end, uint64_t v)
{
    do b[--end] = (char)('0' + v % 10), v /= 10;
    while (v);
    return end;
}

int pg_json_number(char b[PG_JSON_NUMBER_BUF], double d)
{
    if (isnan(d) || isinf(d)) return (int)(memcpy(b, "null", 5), 4);
    double a = fabs(d);
    int neg = signbit(d) != 0;
    if (a < 1e15 && a == floor(a)) { /* whole: "%1.15g" prints its digits, "-0" for -0 */
        char t[24];
        int s = digits_back(t, 24, (uint64_t)a), n = 0;
        if (neg) b[n++] = '-';
        memcpy(b + n, t + s, (size_t)(24 - s)), n += 24 - s;
        b[n] = 0;
        return n;
    }
    if (a >= 1e-4 && a < 1e15) {
        double scale = 1;
        for (int k = 1; k <= 9; k++) {
            scale *= 10;
            double x = a * scale;
            if (x >= 1e15) break; /* more than 15 digits */
            uint64_t r = (uint64_t)(x + 0.5);
            if (r % 10 == 0) continue; /* a shorter candidate was tried already */
            /* r/10^k reads back as d only if x is within 2^-52·x of r (d's rounding and x's,
             * half an ulp each): further off, strtod is not asked (a full-precision d, a
             * measured share, tried all nine scales, each with strtod, before cJSON's way,
             * which prints the same text for any d this drops: it only costs more) */
            if (fabs(x - (double)r) > x * 0x1p-46) continue;
            char t[40];
            int end = 40, s = digits_back(t, end, r);
            if (end - s > 15) break; /* DBL_DIG: only 15 digits are sure to come back */
            /* r's digits with a point k from the right, "0." and zeros in front when short */
            char c[48];
            int n = 0;
            if (neg) c[n++] = '-';
            int whole = end - s - k;
            if (whole > 0) {
                memcpy(c + n, t + s, (size_t)whole), n += whole;
                c[n++] = '.';
                memcpy(c + n, t + s + whole, (size_t)k), n += k;
            } else {
                c[n++] = '0', c[n++] = '.';
                for (int z = 0; z < -whole; z++) c[n++] = '0';
                memcpy(c + n, t + s, (size_t)(end - s)), n += end - s;
            }
            c[n] = 0;
            if (strtod(c, NULL) != d) continue;
            memcpy(b, c, (size_t)n + 1);
            return n;
        }
    }
    return number_slow(b, d);
}

typedef pg_jtext out;

static char *room(out *o, size_t n)
{
    if (n > SIZE_MAX / 4 - o->len) abort(); /* no text is that long: a length gone negative */
    if (o->len + n + 1 > o->cap) {
        o->cap = pg_text_cap(o->cap, o->len + n + 1);
        o->p = pg_xrealloc(o->p, o->cap);
    }
    return o->p + o->len;
}

static void put(out *o, const char *s, size_t n)
{
    memcpy(room(o, n), s, n);
    o->len += n;
}

void pg_jtext_put(pg_jtext *t, const char *s, size_t n)
{
    put(t, s, n);
}

static void tabs(out *o, int n)
{
    memset(room(o, (size_t)n), '\t', (size_t)n);
    o->len += (size_t)n;
}

/* cJSON's print_string_ptr: quotes, backslash and the control characters escaped, every
 * other byte (UTF-8 included) as it is; NULL prints "". */
static void put_string(out *o, const char *s)
{
    put(o, "\"", 1);
    if (s) {
        const unsigned char *p = (const unsigned char *)s, *run = p;
        for (; *p; p++) {
            if (*p > 31 && *p != '"' && *p != '\\') continue;
            put(o, (const char *)run, (size_t)(p - run));
            char e[8];
            int n = 2;
            e[0] = '\\';
            switch (*p) {
            case '"':
                e[1] = '"';
                break;
            case '\\':
                e[1] = '\\';
                break;
            case '\b':
                e[1] = 'b';
                break;
            case '\f':
                e[1] = 'f';
                break;
            case '\n':
                e[1] = 'n';
                break;
            case '\r':
                e[1] = 'r';
                break;
            case '\t':
                e[1] = 't';
                break;
            default:
                n = 1 + snprintf(e + 1, sizeof e - 1, "u%04x", *p);
            }
            put(o, e, (size_t)n);
            run = p + 1;
        }
        put(o, (const char *)run, (size_t)(p - run));
    }
    put(o, "\"", 1);
}

void pg_jtext_str(pg_jtext *t, const char *s)
{
    if (s)
        put_string(t, s);
    else
        put(t, "null", 4);
}

void pg_jtext_num(pg_jtext *t, double d)
{
    char b[PG_JSON_NUMBER_BUF];
    put(t, b, (size_t)pg_json_number(b, d));
}

void pg_jtext_key(pg_jtext *t, const char *key, int *members)
{
    if ((*members)++) put(t, ",", 1);
    put_string(t, key);
    put(t, ":", 1);
}

static void put_value(out *o, const cJSON *it, int fmt, int depth);

/* depth: cJSON's output_buffer->depth, which an array deepens too (its objects indent more) */
static void put_array(out *o, const cJSON *it, int fmt, int depth)
{
    put(o, "[", 1);
    for (const cJSON *c = it->child; c; c = c->next) {
        put_value(o, c, fmt, depth);
        if (c->next) put(o, ", ", fmt ? 2 : 1);
    }
    put(o, "]", 1);
}

/* depth: of the object's members (cJSON's output_buffer->depth once inside it) */
static void put_object(out *o, const cJSON *it, int fmt, int depth)
{
    put(o, "{\n", fmt ? 2 : 1);
    for (const cJSON *c = it->child; c; c = c->next) {
        if (fmt) tabs(o, depth);
        put_string(o, c->string);
        put(o, ":\t", fmt ? 2 : 1);
        put_value(o, c, fmt, depth);
        if (c->next) put(o, ",", 1);
        if (fmt) put(o, "\n", 1);
    }
    if (fmt) tabs(o, depth - 1);
    put(o, "}", 1);
}

static void put_value(out *o, const cJSON *it, int fmt, int depth)
{
    char b[PG_JSON_NUMBER_BUF];
    switch (it->type & 0xFF) {
    case cJSON_NULL:
        put(o, "null", 4);
        break;
    case cJSON_False:
        put(o, "false", 5);
        break;
    case cJSON_True:
        put(o, "true", 4);
        break;
    case cJSON_Number:
        put(o, b, (size_t)pg_json_number(b, it->valuedouble));
        break;
    case cJSON_String:
        put_string(o, it->valuestring);
        break;
    case cJSON_Raw:
        if (!it->valuestring)
            o->bad = 1;
        else
            put(o, it->valuestring, strlen(it->valuestring));
        break;
    case cJSON_Array:
        put_array(o, it, fmt, depth + 1);
        break;
    case cJSON_Object:
        put_object(o, it, fmt, depth + 1);
        break;
    default:
        o->bad = 1;
    }
}

char *pg_jtext_take(pg_jtext *t, size_t *len)
{
    room(t, 0)[0] = 0;
    if (len) *len = t->len;
    char *p = t->p;
    *t = (pg_jtext){0};
    return p;
}

void pg_jtext_value(pg_jtext *t, const cJSON *item, int formatted, int depth)
{
    put_value(t, item, formatted, depth);
}

char *pg_json_print(const cJSON *item, int formatted, size_t *len)
{
    out o = {0};
    if (!item) return NULL;
    put_value(&o, item, formatted, 0);
    if (o.bad) {
        free(o.p);
        return NULL;
    }
    return pg_jtext_take(&o, len);
}

char *pg_json_print_items(cJSON *obj, const char *name, int n, cJSON *(*item)(void *arg, int k),
                          void (*each)(void *arg, int k, const cJSON *it), void *arg,
                          size_t *out_len)
{
    /* a control byte stands for the member while the rest prints: every string and key escapes
     * it, so the first one in the text is the mark */
    static const char mark[] = {1, 0};
    if (!cJSON_GetObjectItemCaseSensitive(obj, name)) return NULL;
    cJSON_ReplaceItemInObjectCaseSensitive(obj, name, cJSON_CreateRaw(mark));
    size_t len;
    char *text = pg_json_print(obj, 1, &len);
    cJSON_ReplaceItemInObjectCaseSensitive(obj, name, cJSON_CreateArray());
    const char *at = text ? memchr(text, mark[0], len) : NULL;
    if (!at) {
        free(text);
        return NULL;
    }
    out o = {0};
    put(&o, text, (size_t)(at - text));
    put(&o, "[", 1);
    for (int k = 0, printed = 0; k < n; k++) {
        cJSON *it = item(arg, k);
        if (!it) continue;
        if (printed++) put(&o, ", ", 2);
        put_value(&o, it, 1, 2); /* an element of a member of the root */
        if (each) each(arg, k, it);
        cJSON_Delete(it);
    }
    put(&o, "]", 1);
    put(&o, at + 1, (size_t)(text + len - at - 1));
    free(text);
    if (o.bad) {
        free(o.p);
        return NULL;
    }
    return pg_jtext_take(&o, out_len);
}

/* ---- a member taken out of a printed object ---- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Past the JSON value or string that starts at p (before end), skipping strings whole; end when
 * it does not close. */
static const char *skip_value(const char *p, const char *end)
{
    int depth = 0;
    do {
        if (*p == '"') {
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\') p++;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            depth--;
        } else if (depth == 0) { /* a number, true, false or null */
            while (p + 1 < end && !is_space(p[1]) && p[1] != ',' && p[1] != '}' && p[1] != ']') p++;
        }
        p++;
    } while (p < end && depth > 0);
    return p < end ? p : end;
}

size_t pg_json_text_drop(char *text, size_t len, const char *name)
{
    size_t nlen = strlen(name);
    char *p = text, *end = text + len;
    while (p < end && *p != '{') p++;
    for (p++; p < end;) {
        while (p < end && (is_space(*p) || *p == ',')) p++;
        if (p >= end || *p != '"') break;
        char *key = p;
        p = (char *)skip_value(p, end);
        int hit = (size_t)(p - key) == nlen + 2 && memcmp(key + 1, name, nlen) == 0;
        while (p < end && (is_space(*p) || *p == ':')) p++;
        if (p >= end) break;
        p = (char *)skip_value(p, end);
        if (!hit) continue;
        /* the member and the comma before it, or after it when it comes first */
        char *from = key, *to = p;
        while (from > text && is_space(from[-1])) from--;
        if (from > text && from[-1] == ',') {
            from--;
        } else {
            while (to < end && is_space(*to)) to++;
            if (to < end && *to == ',') to++;
        }
        memmove(from, to, (size_t)(end - to));
        return len - (size_t)(to - from);
    }
    return len;
}
