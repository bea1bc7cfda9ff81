/* cells.c — partials as exact binary cells: one metric definition's cells over one batch,
 * encoded for table partial and decoded again. Every double keeps all its bits and each sum
 * its rounding error beside it, so that values merged from the store are bit for bit those
 * merged straight from the raw files (JSON printed the sum and its error as one rounded
 * double, which lost the last bits). The JSON rows of before schema 5 are read here too. */
#include "cells.h"
#include "base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The cells of one metric definition over one batch, as stored in partial.cells:
 *
 *   "PGC" 0x01                       magic and format version
 *   u32 ncells, then per cell:
 *     u32 length, bytes              the unit's id
 *     u32 bucket                     YYYYMM, or YYYY00
 *     9 x f64                        n, sum, sum_c, den, den_c, hits, valued, min, max
 *     u32 nhashes, nhashes x (u64 lo, u64 hi)   the distinct set
 *     u32 nvalues, nvalues x f64     the values (p50, p90)
 *
 * all little-endian, a double as its IEEE-754 bits: read back, a cell is the very pg_partial
 * that was written, so merging stored cells is merging the aggregator's own. */
#define CELLS_MAGIC "PGC\x01"

static void put(pg_bytes *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        while (b->n + n > b->cap) b->cap = b->cap ? b->cap * 2 : 256;
        b->p = pg_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_u(pg_bytes *b, uint64_t v, int size)
{
    unsigned char x[8];
    for (int i = 0; i < size; i++) x[i] = (unsigned char)(v >> (8 * i));
    put(b, x, (size_t)size);
}

static void put_f64(pg_bytes *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    put_u(b, u, 8);
}

typedef struct {
    const unsigned char *p, *end;
    int bad;
} cursor;

static uint64_t get_u(cursor *c, int size)
{
    if (c->end - c->p < size) {
        c->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < size; i++) v |= (uint64_t)c->p[i] << (8 * i);
    c->p += size;
    return v;
}

static double get_f64(cursor *c)
{
    uint64_t u = get_u(c, 8);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static void cell_put(pg_bytes *b, const pg_ruleset *rs, const pg_agg_cell *c)
{
    const pg_partial *p = &c->p;
    const char *unit = rs->units[c->unit].id;
    put_u(b, strlen(unit), 4);
    put(b, unit, strlen(unit));
    put_u(b, (uint32_t)c->bucket, 4);
    double nums[] = {p->n, p->sum, p->sum_c, p->den, p->den_c, p->hits, p->valued, p->min, p->max};
    for (int i = 0; i < 9; i++) put_f64(b, nums[i]);
    put_u(b, (uint64_t)p->nhashes, 4);
    for (int i = 0; i < p->caphashes; i++) {
        if (!p->hashes[i].lo && !p->hashes[i].hi) continue;
        put_u(b, p->hashes[i].lo, 8);
        put_u(b, p->hashes[i].hi, 8);
    }
    put_u(b, (uint64_t)p->nvalues, 4);
    for (int i = 0; i < p->nvalues; i++) put_f64(b, p->values[i]);
}

/* Reads the next cell into *p (zeroed by the caller; free with pg_partial_free), its unit id
 * into unit[] (cut at 255 pg_bytes) and its bucket. Returns 0, or -1 when the pg_bytes are damaged.
 */
static int cell_get(cursor *c, pg_partial *p, char unit[256], int *bucket)
{
    uint64_t len = get_u(c, 4);
    if (c->bad || len > (uint64_t)(c->end - c->p)) return -1;
    size_t keep = len < 255 ? (size_t)len : 255;
    memcpy(unit, c->p, keep);
    unit[keep] = '\0';
    c->p += len;
    *bucket = (int)(uint32_t)get_u(c, 4);
    double *nums[] = {&p->n,    &p->sum,    &p->sum_c, &p->den, &p->den_c,
                      &p->hits, &p->valued, &p->min,   &p->max};
    for (int i = 0; i < 9; i++) *nums[i] = get_f64(c);
    uint64_t nh = get_u(c, 4);
    if (c->bad || nh > (uint64_t)(c->end - c->p) / 16) return -1;
    for (uint64_t i = 0; i < nh; i++) {
        pg_h128 h;
        h.lo = get_u(c, 8);
        h.hi = get_u(c, 8);
        pg_partial_add_hash(p, h);
    }
    uint64_t nv = get_u(c, 4);
    if (c->bad || nv > (uint64_t)(c->end - c->p) / 8) return -1;
    p->values = nv ? pg_xmalloc(sizeof(double) * (size_t)nv) : NULL;
    p->nvalues = p->capvalues = (int)nv;
    for (uint64_t i = 0; i < nv; i++) p->values[i] = get_f64(c);
    return c->bad ? -1 : 0;
}

/* Calls fn for each cell of a stored blob; returns 0, -1 if it is damaged, or what fn returned
 * when that is not 0 (and stops). */
int pg_cells_each(const void *blob, int len,
                  int (*fn)(void *ud, pg_partial *p, const char *unit, int bucket), void *ud)
{
    cursor c = {blob, (const unsigned char *)blob + len, 0};
    if (len < 8 || memcmp(blob, CELLS_MAGIC, 4) != 0) return -1;
    c.p += 4;
    uint64_t n = get_u(&c, 4);
    int rc = 0;
    for (uint64_t i = 0; rc == 0 && i < n; i++) {
        pg_partial p = {0};
        char unit[256];
        int bucket;
        rc = cell_get(&c, &p, unit, &bucket) != 0 ? -1 : fn(ud, &p, unit, bucket);
        pg_partial_free(&p);
    }
    return rc == 0 && c.p != c.end ? -1 : rc;
}

/* Merges one stored cell into the table; -1 if it names a unit the rule set no longer has or a
 * malformed period (then it cannot count). */
int pg_cells_merge(void *ud, pg_partial *p, const char *unit, int bucket)
{
    pg_cells_merger *m = ud;
    char buf[PG_PERIOD_BUF];
    int u = pg_unit_find(m->rs, unit);
    if (u < 0 || bucket <= 0 || pg_period_parse(pg_period_format(bucket, buf)) != bucket) return -1;
    if (m->touched) pg_buckets_add(m->touched, bucket);
    pg_partial_merge(pg_agg_partial(m->table, m->metric, u, bucket), p);
    return 0;
}

/* Merges one JSON cell of the previous format (a row stored before schema 5, read only when
 * its raw copy is gone) into the table; -1 if it is malformed or names a unit no longer there.
 * Its sums are as printed and its distinct hashes 64-bit ones, which new cells do not match. */
int pg_cells_from_json(const pg_ruleset *rs, pg_agg *table, int metric, const cJSON *a)
{
    if (cJSON_GetArraySize(a) != 11) return -1;
    int u = pg_unit_find(rs, cJSON_GetStringValue(cJSON_GetArrayItem(a, 0)) ?: "");
    const char *period = cJSON_GetStringValue(cJSON_GetArrayItem(a, 1));
    int bucket = period ? pg_period_parse(period) : -1;
    if (u < 0 || bucket < 0) return -1;
    pg_partial p = {0};
    double *nums[] = {&p.n, &p.sum, &p.den, &p.hits, &p.valued, &p.min, &p.max};
    for (int i = 0; i < 7; i++) {
        const cJSON *x = cJSON_GetArrayItem(a, 2 + i);
        *nums[i] = cJSON_IsNumber(x) ? x->valuedouble : (i == 5 ? INFINITY : -INFINITY);
    }
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetArrayItem(a, 9))
        pg_partial_add_hash(&p, (pg_h128){strtoull(cJSON_GetStringValue(x) ?: "0", NULL, 16), 0});
    cJSON_ArrayForEach(x, cJSON_GetArrayItem(a, 10))
    {
        if (p.nvalues == p.capvalues)
            p.values = pg_xrealloc(p.values,
                                   sizeof(double) * (size_t)(p.capvalues = p.capvalues * 2 + 16));
        p.values[p.nvalues++] = x->valuedouble;
    }
    pg_partial_merge(pg_agg_partial(table, metric, u, bucket), &p);
    pg_partial_free(&p);
    return 0;
}

void pg_def_cells_free(pg_def_cells *v, int n)
{
    for (int i = 0; i < n; i++) free(v[i].cells.p);
    free(v);
}

/* The aggregator's partials, one entry per metric definition of source `s` — an empty one for
 * a metric no record of the batch counts towards (a year-end metric in a spring batch), so that
 * its definition is known to be computed and the raw file is not read again for it at every
 * evaluation. Two metrics of one definition share the first one's cells. */
pg_def_cells *pg_def_cells_of(const pg_ruleset *rs, int s, const pg_agg *agg, int *n)
{
    pg_def_cells *v = pg_xcalloc((size_t)rs->nmetrics + 1, sizeof *v);
    int *slot = pg_xmalloc(sizeof(int) * ((size_t)rs->nmetrics + 1));
    long *count = pg_xcalloc((size_t)rs->nmetrics + 1, sizeof *count);
    *n = 0;
    for (int m = 0; m < rs->nmetrics; m++) {
        const pg_metric *me = &rs->metrics[m];
        slot[m] = -1;
        if (me->source != s || me->agg == PG_AGG_FED) continue;
        int k = 0;
        while (k < *n && strcmp(v[k].m->def, me->def) != 0) k++;
        if (k == *n) v[(*n)++].m = me, slot[m] = k;
    }
    const pg_agg_cell *cells;
    int nc = pg_agg_cells(agg, &cells);
    for (int i = 0; i < nc; i++)
        if (slot[cells[i].metric] >= 0) count[slot[cells[i].metric]]++;
    for (int k = 0; k < *n; k++) {
        put(&v[k].cells, CELLS_MAGIC, 4);
        put_u(&v[k].cells, (uint64_t)count[k], 4);
    }
    for (int i = 0; i < nc; i++)
        if (slot[cells[i].metric] >= 0) cell_put(&v[slot[cells[i].metric]].cells, rs, &cells[i]);
    free(slot), free(count);
    return v;
}

void pg_cells_encode(pg_bytes *b, const pg_ruleset *rs, const pg_agg_cell *const *cells, int n)
{
    put(b, CELLS_MAGIC, 4);
    put_u(b, (uint64_t)n, 4);
    for (int i = 0; i < n; i++) cell_put(b, rs, cells[i]);
}

void pg_buckets_add(pg_buckets *b, int bucket)
{
    for (int i = 0; i < b->n; i++)
        if (b->v[i] == bucket) return;
    if (b->n == b->cap) b->v = pg_xrealloc(b->v, sizeof(int) * (size_t)(b->cap = b->cap * 2 + 8));
    b->v[b->n++] = bucket;
}
