/* aggregate.c — partial aggregates per (metric, unit, bucket) in an open-addressing table.
 *
 * The hot loop runs once per record and once per metric of the source: evaluate `where`, find
 * the cell, update a handful of doubles. Units are looked up by the text of the unit field
 * with a memo, since exports name a few dozen units millions of times. Keys go to a filter
 * when one is set (batch.c: exact keys in the store). Without one they are remembered here as
 * 64-bit hashes: two different keys colliding among millions of records is about as likely as a
 * one-in-a-million event, and it would drop one record, never double one; only checks and tests
 * that store nothing read that way. Distinct values are 128-bit hashes (aggregate.h). */
#include "aggregate.h"
#include "rules.h"
#include "base.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The unit field's text -> unit index (or -1), remembered: a file names a few dozen units
 * millions of times, in any order. */
typedef struct {
    uint64_t h;
    int len, unit;
    char *text;
} unit_memo;

/* The cells of one (unit, bucket): rowcells[first + i] is the cell of the i-th metric, or -1
 * while it has none. One lookup per record instead of one per metric. */
typedef struct {
    int unit, bucket;
    long first;
} agg_row;

struct pg_agg {
    const pg_ruleset *rs;
    const pg_source *src;
    int *metrics; /* the computed metrics of the source */
    int nmetrics;
    pg_agg_cell *cells;
    int ncells, capcells;
    int32_t *slots; /* open addressing over cells: index + 1, 0 = empty */
    int nslots;
    agg_row *rows;
    int nrows, caprows;
    int32_t *rowslots; /* open addressing over rows: index + 1, 0 = empty */
    int nrowslots;
    int *rowcells;
    long nrowcells, caprowcells;
    unit_memo *memo; /* open addressing, text == NULL: empty */
    int nmemo, capmemo;
    /* the sampling month of the last record and its bounds in UTC seconds [lo, hi) */
    int month;
    double month_lo, month_hi;
    /* key hashes seen: Robin Hood open addressing over capkeys slots (any number, not a power
     * of two; home slot h * capkeys >> 64), 0 = empty */
    uint64_t *keys;
    long nkeys, capkeys;
    long records, duplicates, shadowed;
    pg_key_filter filter;
    void *filter_ud;
    int cutoff;    /* a metric reads `cutoff`: records are copied into rec with one slot more */
    pg_value *rec; /* nfields + 1 values: the record, then the window's end */
    /* the rows of the last two buckets of the current record (bucket 0: none), so that the
     * metrics with windows of one record do not each look their row up again */
    int near_bucket[2];
    long near_row[2];
    char why[320];
};

static uint64_t hash_bytes(const char *s, int len)
{
    uint64_t h = 14695981039346656037ull;
    for (int i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h ? h : 1;
}

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    return k ^ (k >> 33);
}

/* MurmurHash3 x64 128 (Austin Appleby, public domain), seed 0: 128 well-mixed bits, so that
 * a distinct count stays exact in practice (odds in aggregate.h). */
pg_h128 pg_h128_bytes(const char *s, int len)
{
    const uint64_t c1 = 0x87c37b91114253d5ull, c2 = 0x4cf5ad432745937full;
    uint64_t h1 = 0, h2 = 0, k1, k2;
    const unsigned char *p = (const unsigned char *)s;
    int nblocks = len / 16;
    for (int i = 0; i < nblocks; i++) {
        memcpy(&k1, p + 16 * i, 8);
        memcpy(&k2, p + 16 * i + 8, 8);
        k1 *= c1, k1 = rotl64(k1, 31), k1 *= c2, h1 ^= k1;
        h1 = rotl64(h1, 27), h1 += h2, h1 = h1 * 5 + 0x52dce729;
        k2 *= c2, k2 = rotl64(k2, 33), k2 *= c1, h2 ^= k2;
        h2 = rotl64(h2, 31), h2 += h1, h2 = h2 * 5 + 0x38495ab5;
    }
    const unsigned char *tail = p + nblocks * 16;
    k1 = k2 = 0;
    switch (len & 15) {
    case 15:
        k2 ^= (uint64_t)tail[14] << 48; /* fall through */
    case 14:
        k2 ^= (uint64_t)tail[13] << 40; /* fall through */
    case 13:
        k2 ^= (uint64_t)tail[12] << 32; /* fall through */
    case 12:
        k2 ^= (uint64_t)tail[11] << 24; /* fall through */
    case 11:
        k2 ^= (uint64_t)tail[10] << 16; /* fall through */
    case 10:
        k2 ^= (uint64_t)tail[9] << 8; /* fall through */
    case 9:
        k2 ^= (uint64_t)tail[8];
        k2 *= c2, k2 = rotl64(k2, 33), k2 *= c1, h2 ^= k2;
        /* fall through */
    case 8:
        k1 ^= (uint64_t)tail[7] << 56; /* fall through */
    case 7:
        k1 ^= (uint64_t)tail[6] << 48; /* fall through */
    case 6:
        k1 ^= (uint64_t)tail[5] << 40; /* fall through */
    case 5:
        k1 ^= (uint64_t)tail[4] << 32; /* fall through */
    case 4:
        k1 ^= (uint64_t)tail[3] << 24; /* fall through */
    case 3:
        k1 ^= (uint64_t)tail[2] << 16; /* fall through */
    case 2:
        k1 ^= (uint64_t)tail[1] << 8; /* fall through */
    case 1:
        k1 ^= (uint64_t)tail[0];
        k1 *= c1, k1 = rotl64(k1, 31), k1 *= c2, h1 ^= k1;
    }
    h1 ^= (uint64_t)len, h2 ^= (uint64_t)len;
    h1 += h2, h2 += h1;
    h1 = fmix64(h1), h2 = fmix64(h2);
    h1 += h2, h2 += h1;
    return (pg_h128){h1, h2};
}

/* A cheaper hash for the unit memo only (hash_bytes stays for the in-memory key set): eight bytes
 * at a time, and the memo compares the text anyway. */
static uint64_t unit_hash(const char *s, int len)
{
    uint64_t h = (uint64_t)len * 0x9E3779B97F4A7C15ull, w;
    int i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xC2B2AE3D27D4EB4Full;
    }
    if (i < len && len >= 8) { /* the last eight bytes, overlapping the ones before */
        memcpy(&w, s + len - 8, 8);
        h = (h ^ w) * 0xC2B2AE3D27D4EB4Full;
    } else {
        for (w = 0; i < len; i++) w = w << 8 | (unsigned char)s[i];
        h = (h ^ w) * 0xC2B2AE3D27D4EB4Full;
    }
    return h ^ (h >> 29);
}

pg_agg *pg_agg_new(const pg_ruleset *rs, int source)
{
    pg_agg *a = pg_xcalloc(1, sizeof *a);
    a->rs = rs;
    a->src = &rs->sources[source];
    a->metrics = pg_xmalloc(sizeof(int) * (size_t)(rs->nmetrics + 1));
    for (int m = 0; m < rs->nmetrics; m++)
        if (rs->metrics[m].source == source && rs->metrics[m].agg != PG_AGG_FED) {
            a->metrics[a->nmetrics++] = m;
            a->cutoff |= rs->metrics[m].cutoff;
        }
    if (a->cutoff) a->rec = pg_xcalloc((size_t)a->src->nfields + 1, sizeof *a->rec);
    return a;
}

void pg_partial_free(pg_partial *p)
{
    free(p->hashes);
    free(p->values);
    p->hashes = NULL;
    p->values = NULL;
    p->nhashes = p->caphashes = p->nvalues = p->capvalues = 0;
}

void pg_agg_free(pg_agg *a)
{
    if (!a) return;
    for (int i = 0; i < a->ncells; i++) pg_partial_free(&a->cells[i].p);
    free(a->cells), free(a->slots), free(a->keys), free(a->metrics), free(a->rec);
    free(a->rows), free(a->rowslots), free(a->rowcells);
    for (int i = 0; i < a->capmemo; i++) free(a->memo[i].text);
    free(a->memo);
    free(a);
}

long pg_agg_records(const pg_agg *a)
{
    return a->records;
}

long pg_agg_duplicates(const pg_agg *a)
{
    return a->duplicates;
}

long pg_agg_shadowed(const pg_agg *a)
{
    return a->shadowed;
}

void pg_agg_key_filter(pg_agg *a, pg_key_filter fn, void *ud)
{
    a->filter = fn;
    a->filter_ud = ud;
}

int pg_agg_cells(const pg_agg *a, const pg_agg_cell **cells)
{
    *cells = a->cells;
    return a->ncells;
}

static uint32_t cell_hash(int metric, int unit, int bucket)
{
    uint64_t k = ((uint64_t)(uint32_t)metric << 40) ^ ((uint64_t)(uint32_t)unit << 20) ^
                 (uint64_t)(uint32_t)bucket;
    k *= 0x9E3779B97F4A7C15ull;
    return (uint32_t)(k >> 32);
}

static void rehash(pg_agg *a)
{
    a->nslots = a->nslots ? a->nslots * 2 : 1024;
    free(a->slots);
    a->slots = pg_xcalloc((size_t)a->nslots, sizeof(int32_t));
    for (int i = 0; i < a->ncells; i++) {
        const pg_agg_cell *c = &a->cells[i];
        uint32_t s = cell_hash(c->metric, c->unit, c->bucket) & (uint32_t)(a->nslots - 1);
        while (a->slots[s]) s = (s + 1) & (uint32_t)(a->nslots - 1);
        a->slots[s] = i + 1;
    }
}

pg_partial *pg_agg_find(const pg_agg *a, int metric, int unit, int bucket)
{
    if (!a->nslots) return NULL;
    uint32_t s = cell_hash(metric, unit, bucket) & (uint32_t)(a->nslots - 1);
    for (; a->slots[s]; s = (s + 1) & (uint32_t)(a->nslots - 1)) {
        pg_agg_cell *c = &a->cells[a->slots[s] - 1];
        if (c->metric == metric && c->unit == unit && c->bucket == bucket) return &c->p;
    }
    return NULL;
}

pg_partial *pg_agg_partial(pg_agg *a, int metric, int unit, int bucket)
{
    pg_partial *p = pg_agg_find(a, metric, unit, bucket);
    if (p) return p;
    if (2 * (a->ncells + 1) > a->nslots) rehash(a);
    uint32_t s = cell_hash(metric, unit, bucket) & (uint32_t)(a->nslots - 1);
    while (a->slots[s]) s = (s + 1) & (uint32_t)(a->nslots - 1);
    if (a->ncells == a->capcells) {
        a->capcells = a->capcells ? a->capcells * 2 : 256;
        a->cells = pg_xrealloc(a->cells, sizeof(pg_agg_cell) * (size_t)a->capcells);
    }
    pg_agg_cell *c = &a->cells[a->ncells];
    *c = (pg_agg_cell){.metric = metric, .unit = unit, .bucket = bucket};
    c->p.min = INFINITY;
    c->p.max = -INFINITY;
    a->slots[s] = ++a->ncells;
    return &c->p;
}

/* The home slot of a key hash: monotonic in h, so the table stays ordered by hash. */
static inline uint64_t key_home(uint64_t h, long cap)
{
    return (uint64_t)(((unsigned __int128)h * (uint64_t)cap) >> 64);
}

/* How far slot s is from the home of the hash k it holds. */
static inline uint64_t key_dist(uint64_t k, uint64_t s, long cap)
{
    uint64_t home = key_home(k, cap);
    return s >= home ? s - home : s + (uint64_t)cap - home;
}

/* Puts h (not present) into the Robin Hood table: an entry further from its home than the
 * one in a slot takes the slot, and the displaced one moves on. */
static void key_put(uint64_t *keys, long cap, uint64_t h)
{
    uint64_t s = key_home(h, cap), dist = 0;
    for (;; s = s + 1 == (uint64_t)cap ? 0 : s + 1, dist++) {
        uint64_t k = keys[s];
        if (!k) {
            keys[s] = h;
            return;
        }
        uint64_t kd = key_dist(k, s, cap);
        if (kd < dist) {
            keys[s] = h;
            h = k;
            dist = kd;
        }
    }
}

void pg_agg_expect(pg_agg *a, long records)
{
    if (a->src->key_field < 0 || a->filter || records <= a->capkeys / 10 * 9) return;
    long cap = records + records / 9 + 64; /* at most 90 % full */
    uint64_t *keys = pg_xcalloc((size_t)cap, sizeof *keys);
    for (long i = 0; i < a->capkeys; i++)
        if (a->keys[i]) key_put(keys, cap, a->keys[i]);
    free(a->keys);
    a->keys = keys;
    a->capkeys = cap;
}

/* Whether this key was seen before (and remember it). The table grows by half when it is
 * 90 % full; pg_agg_expect sizes it beforehand so that it need not (growing holds the old and
 * the new table at once). 8 bytes a slot: 5 M keys take 47 MB. */
static int seen_key(pg_agg *a, uint64_t h)
{
    if (a->nkeys + 1 > a->capkeys / 10 * 9)
        pg_agg_expect(a, a->capkeys ? a->capkeys / 2 * 3 : 4096);
    long cap = a->capkeys;
    uint64_t s = key_home(h, cap), dist = 0;
    for (;; s = s + 1 == (uint64_t)cap ? 0 : s + 1, dist++) {
        uint64_t k = a->keys[s];
        if (k == h) return 1;
        /* an empty slot, or one nearer its home than h would be here: h is not in */
        if (!k || key_dist(k, s, cap) < dist) break;
    }
    key_put(a->keys, cap, h);
    a->nkeys++;
    return 0;
}

/* The unit field's value as text (a number as an integer), into buf; returns its length. */
static int unit_text(const pg_value *v, char *buf, int size)
{
    if (!v->str) return snprintf(buf, (size_t)size, "%.0f", v->num);
    int len = v->len < size - 1 ? v->len : size - 1;
    memcpy(buf, v->str, (size_t)len);
    buf[len] = '\0';
    return len;
}

static void memo_put(unit_memo *memo, int cap, unit_memo e)
{
    uint64_t s = e.h & (uint64_t)(cap - 1);
    while (memo[s].text) s = (s + 1) & (uint64_t)(cap - 1);
    memo[s] = e;
}

static int find_unit(pg_agg *a, const pg_value *v)
{
    char buf[256];
    const char *s = v->str;
    int len = v->len;
    if (!s) { /* a number: rare, not remembered */
        unit_text(v, buf, sizeof buf);
        return pg_unit_find(a->rs, buf);
    }
    uint64_t h = unit_hash(s, len);
    if (a->capmemo) {
        for (uint64_t k = h & (uint64_t)(a->capmemo - 1); a->memo[k].text;
             k = (k + 1) & (uint64_t)(a->capmemo - 1)) {
            const unit_memo *m = &a->memo[k];
            if (m->h == h && m->len == len && memcmp(m->text, s, (size_t)len) == 0) return m->unit;
        }
    }
    unit_text(v, buf, sizeof buf);
    int u = pg_unit_find(a->rs, buf);
    /* a long name is cut in buf, and a flood of bad names is not worth remembering */
    if (a->nmemo >= 4096 || len >= (int)sizeof buf - 1) return u;
    if (2 * (a->nmemo + 1) > a->capmemo) {
        int cap = a->capmemo ? a->capmemo * 2 : 64;
        unit_memo *memo = pg_xcalloc((size_t)cap, sizeof *memo);
        for (int i = 0; i < a->capmemo; i++)
            if (a->memo[i].text) memo_put(memo, cap, a->memo[i]);
        free(a->memo);
        a->memo = memo;
        a->capmemo = cap;
    }
    memo_put(a->memo, a->capmemo, (unit_memo){h, len, u, pg_xstrdup(buf)});
    a->nmemo++;
    return u;
}

/* The row of (unit, bucket): the offset of its metric cells in rowcells. */
static long find_row(pg_agg *a, int unit, int bucket)
{
    uint32_t mask = (uint32_t)a->nrowslots - 1, s;
    if (a->nrowslots) {
        for (s = cell_hash(0, unit, bucket) & mask; a->rowslots[s]; s = (s + 1) & mask) {
            const agg_row *r = &a->rows[a->rowslots[s] - 1];
            if (r->unit == unit && r->bucket == bucket) return r->first;
        }
    }
    if (2 * (a->nrows + 1) > a->nrowslots) {
        a->nrowslots = a->nrowslots ? a->nrowslots * 2 : 256;
        free(a->rowslots);
        a->rowslots = pg_xcalloc((size_t)a->nrowslots, sizeof *a->rowslots);
        mask = (uint32_t)a->nrowslots - 1;
        for (int i = 0; i < a->nrows; i++) {
            s = cell_hash(0, a->rows[i].unit, a->rows[i].bucket) & mask;
            while (a->rowslots[s]) s = (s + 1) & mask;
            a->rowslots[s] = i + 1;
        }
    }
    if (a->nrows == a->caprows) {
        a->caprows = a->caprows ? a->caprows * 2 : 64;
        a->rows = pg_xrealloc(a->rows, sizeof *a->rows * (size_t)a->caprows);
    }
    while (a->nrowcells + a->nmetrics > a->caprowcells) {
        a->caprowcells = a->caprowcells ? a->caprowcells * 2 : 1024;
        a->rowcells = pg_xrealloc(a->rowcells, sizeof *a->rowcells * (size_t)a->caprowcells);
    }
    long first = a->nrowcells;
    for (int i = 0; i < a->nmetrics; i++) a->rowcells[first + i] = -1;
    a->nrowcells += a->nmetrics;
    a->rows[a->nrows] = (agg_row){unit, bucket, first};
    for (s = cell_hash(0, unit, bucket) & mask; a->rowslots[s]; s = (s + 1) & mask) continue;
    a->rowslots[s] = ++a->nrows;
    return first;
}

/* The cell of the i-th metric in the row at `row`, made now: once per cell. */
static __attribute__((noinline)) int new_row_cell(pg_agg *a, long row, int i, int unit, int bucket)
{
    pg_partial *p = pg_agg_partial(a, a->metrics[i], unit, bucket);
    int c = (int)(((char *)p - (char *)a->cells - offsetof(pg_agg_cell, p)) / sizeof *a->cells);
    a->rowcells[row + i] = c;
    return c;
}

/* The partial of the i-th metric of the source in the row at `row`. */
static inline pg_partial *row_partial(pg_agg *a, long row, int i, int unit, int bucket)
{
    int c = a->rowcells[row + i];
    if (__builtin_expect(c < 0, 0)) c = new_row_cell(a, row, i, unit, bucket);
    return &a->cells[c].p;
}

/* The sampling month of t: the last record's, when t falls within its bounds. */
static int sampling_month(pg_agg *a, double t)
{
    if (t >= a->month_lo && t < a->month_hi) return a->month;
    int offset = a->rs->tz_offset, month = pg_time_sampling_month(t, offset);
    int y = month / 100, m = month % 100;
    double lo = (double)pg_days_from_civil(y, m - 1, 26) * 86400 - offset;
    double hi = (double)pg_days_from_civil(y, m, 26) * 86400 - offset;
    if (month && t >= lo && t < hi) /* else (no time, or beyond the clamped days): not kept */
        a->month = month, a->month_lo = lo, a->month_hi = hi;
    return month;
}

/* The distinct set is an open-addressing table of 128-bit hashes ({0, 0} marks a free slot). */
static inline int h128_free(pg_h128 h)
{
    return !h.lo && !h.hi;
}

static void add_hash(pg_partial *p, pg_h128 h)
{
    if (2 * (p->nhashes + 1) > p->caphashes) {
        int oldcap = p->caphashes;
        pg_h128 *old = p->hashes;
        p->caphashes = p->caphashes ? p->caphashes * 2 : 16;
        p->hashes = pg_xcalloc((size_t)p->caphashes, sizeof *p->hashes);
        p->nhashes = 0;
        for (int i = 0; i < oldcap; i++)
            if (!h128_free(old[i])) add_hash(p, old[i]);
        free(old);
    }
    uint64_t s = (h.lo ^ h.hi) & (uint64_t)(p->caphashes - 1);
    for (; !h128_free(p->hashes[s]); s = (s + 1) & (uint64_t)(p->caphashes - 1))
        if (p->hashes[s].lo == h.lo && p->hashes[s].hi == h.hi) return;
    p->hashes[s] = h;
    p->nhashes++;
}

void pg_partial_add_hash(pg_partial *p, pg_h128 h)
{
    if (h128_free(h)) h.lo = 1; /* the one value that would read as a free slot */
    add_hash(p, h);
}

static void add_value(pg_partial *p, double v)
{
    if (p->nvalues == p->capvalues) {
        p->capvalues = p->capvalues ? p->capvalues * 2 : 16;
        p->values = pg_xrealloc(p->values, sizeof(double) * (size_t)p->capvalues);
    }
    p->values[p->nvalues++] = v;
}

/* *s += v, with the rounding error added to *c (Knuth's TwoSum: exact for any two doubles). */
static inline void add_exactly(double *s, double *c, double v)
{
    double t = *s + v, bv = t - *s;
    *c += (*s - (t - bv)) + (v - bv);
    *s = t;
}

double pg_partial_sum(const pg_partial *p)
{
    return p->sum + p->sum_c;
}

double pg_partial_den(const pg_partial *p)
{
    return p->den + p->den_c;
}

static void update(const pg_metric *m, pg_partial *p, const pg_value *rec)
{
    p->n++;
    switch (m->agg) {
    case PG_AGG_SHARE:
        p->hits += pg_expr_test(m->condition, rec);
        break;
    case PG_AGG_RATIO: {
        double v = pg_expr_number(m->value, rec), d = pg_expr_number(m->denominator, rec);
        if (!isnan(v) && !isnan(d)) {
            add_exactly(&p->sum, &p->sum_c, v);
            add_exactly(&p->den, &p->den_c, d);
        }
        break;
    }
    case PG_AGG_DISTINCT: {
        /* The value as text for strings and enums; a number exactly, as its bits (hi = 1 keeps
         * it apart from the hashes of texts, whose odds of being 1 are 2^-64). */
        const pg_value *v = &rec[m->field];
        pg_h128 h = {0, 1};
        if (v->null) break;
        if (v->str)
            h = pg_h128_bytes(v->str, v->len);
        else
            memcpy(&h.lo, &v->num, sizeof h.lo);
        pg_partial_add_hash(p, h);
        break;
    }
    case PG_AGG_COUNT:
    case PG_AGG_FED:
        break;
    default: {
        double v = pg_expr_number(m->value, rec);
        if (isnan(v)) break;
        p->valued++;
        add_exactly(&p->sum, &p->sum_c, v);
        p->min = v < p->min ? v : p->min;
        p->max = v > p->max ? v : p->max;
        if (m->agg == PG_AGG_P50 || m->agg == PG_AGG_P90) add_value(p, v);
    }
    }
}

/* The first instant after sampling month `month` (YYYYMM): 00:00 local on the 26th. */
static double month_end(int month, int offset)
{
    return (double)pg_days_from_civil(month / 100, month % 100, 26) * 86400 - offset;
}

static int next_month(int month)
{
    return month % 100 == 12 ? (month / 100 + 1) * 100 + 1 : month + 1;
}

/* The row of (u, bucket) for the current record, remembered for its next metric. */
static long near_row(pg_agg *a, int u, int bucket)
{
    if (a->near_bucket[0] == bucket) return a->near_row[0];
    if (a->near_bucket[1] == bucket) return a->near_row[1];
    a->near_bucket[1] = a->near_bucket[0]; /* the older slot gives way */
    a->near_row[1] = a->near_row[0];
    a->near_bucket[0] = bucket;
    return a->near_row[0] = find_row(a, u, bucket);
}

/* Counts rec into the cell of (the i-th metric, unit u, bucket), as seen at the end of the
 * window that bucket stands for (`end`: the first instant after it). `where` is tested here, per
 * window, since it may read the cut-off too.
 *
 * `cutoff` is the last instant inside the window, the largest double below `end` ("24:00 on the
 * 25th" of the notice): t <= cutoff holds exactly when t < end, for every time t, and its local
 * date is the window's last day (pg_time_day floors first), so that workdays(a, cutoff) counts
 * the working days up to the 25th, not the 26th. */
static void add_at(pg_agg *a, int i, const pg_metric *m, const pg_value *rec, int u, int bucket,
                   double end)
{
    if (m->cutoff) /* rec is a->rec then (pg_agg_add) */
        a->rec[a->src->nfields].num = nextafter(end, -INFINITY);
    if (m->where && !pg_expr_test(m->where, rec)) return;
    update(m, row_partial(a, near_row(a, u, bucket), i, u, bucket), rec);
}

/* A metric with windows other than the plain sampling month, with `due`, or reading `cutoff`.
 * A record is placed by its due time when the metric has one (a null due time: in no window),
 * else by the source's time t, then counted in every bucket whose window holds that time:
 *   month         its sampling month M;
 *   year_to_date  the cumulative buckets M, M+1, … December of M's year (months 1..N of the
 *                 year for each N ≥ M), so that a month in which the unit had no records still
 *                 has a value, and each month sees the record as at its own cut-off;
 *   months = k    the buckets M … M+k−1 (each the rolling window of k months ending there);
 *   year          the calendar year of its local date (1 Jan – 31 Dec), as YYYY00;
 *   year_end      10 Oct – 31 Dec of its local date's year, as YYYY00.
 * The year windows end at 24:00 on 31 December, not at the last sampling month's cut-off (25
 * December): the year-end assessment covers the whole of December. */
static void add_windows(pg_agg *a, int i, const pg_metric *m, const pg_value *rec, int u, double t)
{
    int offset = a->rs->tz_offset;
    if (m->due) {
        t = pg_expr_number(m->due, rec);
        if (isnan(t)) return; /* no deadline: in no window */
    }
    int month = m->due ? pg_time_sampling_month(t, offset) : sampling_month(a, t);
    if (!month) return;
    switch (m->win_month) {
    case PG_OVER_MONTH:
        add_at(a, i, m, rec, u, month, month_end(month, offset));
        break;
    case PG_OVER_YTD:
        for (int b = month; b <= month / 100 * 100 + 12; b = next_month(b))
            add_at(a, i, m, rec, u, b, month_end(b, offset));
        break;
    case PG_OVER_MONTHS:
        for (int k = 0, b = month; k < m->months; k++, b = next_month(b))
            add_at(a, i, m, rec, u, b, month_end(b, offset));
        break;
    default:
        break;
    }
    if (m->win_year == PG_OVER_YEAR || m->win_year == PG_OVER_YEAR_END) {
        int y, mo, d;
        pg_civil_from_days(pg_time_day(t, offset), &y, &mo, &d);
        if (m->win_year == PG_OVER_YEAR_END && !pg_time_in_year_end(t, offset, y)) return;
        add_at(a, i, m, rec, u, y * 100, (double)pg_days_from_civil(y + 1, 1, 1) * 86400 - offset);
    }
}

int pg_agg_add(pg_agg *a, const pg_value *rec, const char **why)
{
    const pg_source *src = a->src;
    int u = find_unit(a, &rec[src->unit_field]);
    if (u < 0) {
        char text[256];
        unit_text(&rec[src->unit_field], text, sizeof text);
        snprintf(a->why, sizeof a->why, "'%s' is not a unit in units.csv (id, code, name or alias)",
                 text);
        *why = a->why;
        return -1;
    }
    a->records++;
    if (src->key_field >= 0 && !rec[src->key_field].null) {
        const pg_value *k = &rec[src->key_field];
        char num[32];
        int len = k->str ? k->len : snprintf(num, sizeof num, "%.17g", k->num);
        const char *text = k->str ? k->str : num;
        int counts = a->filter ? a->filter(a->filter_ud, text, len, a->records, why)
                               : !seen_key(a, hash_bytes(text, len));
        if (counts < 0) {
            a->records--;
            return -1;
        }
        if (counts != 1) {
            counts == 2 ? a->shadowed++ : a->duplicates++;
            return 0;
        }
    }
    double t = rec[src->time_field].num;
    int month = sampling_month(a, t);
    long mrow = -1;
    a->near_bucket[0] = a->near_bucket[1] = 0; /* rows are per unit: a new record, a new unit */
    if (a->cutoff) { /* the slot after the fields holds each window's end in turn */
        memcpy(a->rec, rec, sizeof *rec * (size_t)src->nfields);
        a->rec[src->nfields] = (pg_value){0};
        rec = a->rec;
    }
    for (int i = 0; i < a->nmetrics; i++) {
        const pg_metric *m = &a->rs->metrics[a->metrics[i]];
        if (m->win_month != PG_OVER_MONTH || m->win_year != PG_OVER_NONE || m->due || m->cutoff) {
            add_windows(a, i, m, rec, u, t);
            continue;
        }
        /* the common case, kept lean: one sampling month by the source's time */
        if (m->where && !pg_expr_test(m->where, rec)) continue;
        if (mrow < 0) mrow = find_row(a, u, month);
        update(m, row_partial(a, mrow, i, u, month), rec);
    }
    return 0;
}

void pg_agg_merge(pg_agg *into, const pg_agg *from)
{
    for (int i = 0; i < from->ncells; i++) {
        const pg_agg_cell *c = &from->cells[i];
        pg_partial_merge(pg_agg_partial(into, c->metric, c->unit, c->bucket), &c->p);
    }
    into->records += from->records;
    into->duplicates += from->duplicates;
    into->shadowed += from->shadowed;
}

void pg_partial_merge(pg_partial *a, const pg_partial *b)
{
    a->n += b->n;
    add_exactly(&a->sum, &a->sum_c, b->sum);
    a->sum_c += b->sum_c;
    add_exactly(&a->den, &a->den_c, b->den);
    a->den_c += b->den_c;
    a->hits += b->hits;
    a->valued += b->valued;
    a->min = b->min < a->min ? b->min : a->min;
    a->max = b->max > a->max ? b->max : a->max;
    for (int i = 0; i < b->caphashes; i++)
        if (!h128_free(b->hashes[i])) add_hash(a, b->hashes[i]);
    for (int i = 0; i < b->nvalues; i++) add_value(a, b->values[i]);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* Linear interpolation between the closest ranks (like numpy's default and DuckDB's
 * quantile_cont). */
static double quantile(pg_partial *p, double q)
{
    qsort(p->values, (size_t)p->nvalues, sizeof(double), cmp_double);
    double pos = q * (p->nvalues - 1);
    int lo = (int)floor(pos);
    int hi = lo + 1 < p->nvalues ? lo + 1 : lo;
    return p->values[lo] + (pos - lo) * (p->values[hi] - p->values[lo]);
}

int pg_partial_value(const pg_metric *m, pg_partial *p, double *value, double *n)
{
    *n = p->n;
    switch (m->agg) {
    case PG_AGG_COUNT:
        *value = p->n;
        return 0;
    case PG_AGG_SUM:
        *value = pg_partial_sum(p);
        return 0;
    case PG_AGG_SHARE:
        *value = p->n ? p->hits / p->n : NAN;
        break;
    case PG_AGG_RATIO:
        *value = pg_partial_den(p) != 0 ? pg_partial_sum(p) / pg_partial_den(p) : NAN;
        break;
    case PG_AGG_DISTINCT:
        *value = p->nhashes;
        return 0;
    case PG_AGG_MEAN:
        *value = p->valued ? pg_partial_sum(p) / p->valued : NAN, *n = p->valued;
        break;
    case PG_AGG_MIN:
        *value = p->valued ? p->min : NAN, *n = p->valued;
        break;
    case PG_AGG_MAX:
        *value = p->valued ? p->max : NAN, *n = p->valued;
        break;
    case PG_AGG_P50:
        *value = p->nvalues ? quantile(p, 0.5) : NAN, *n = p->nvalues;
        break;
    case PG_AGG_P90:
        *value = p->nvalues ? quantile(p, 0.9) : NAN, *n = p->nvalues;
        break;
    default:
        return -1;
    }
    return isnan(*value) ? -1 : 0;
}
