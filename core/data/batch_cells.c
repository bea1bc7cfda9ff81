/* batch_cells.c — which stored cells a change of batches touches, so that the host re-scores
 * only the periods whose numbers it can change (data.h, "batch_cells.c").
 *
 * A batch counts through its stored partials, one row per metric definition, each holding cells
 * keyed by (unit, bucket), a bucket being the period whose value the cell makes (aggregate.h: a
 * year-to-date or rolling window is counted into every month it covers, so the bucket is the
 * period read, never a month merged later); and a value batch through its rows of feed_value.
 * Posting, withdrawing or replacing a batch therefore changes exactly the cells of the batches
 * whose status changed — the batch, and those it replaced — with two exceptions this reader
 * cannot see through and reports as "every bucket" instead:
 *
 *   - keys: a keyed source counts a key once across its active batches, so a change may make
 *     another batch's record count (or stop counting) in buckets none of the changed batch's
 *     cells name. When a key of a changed batch is also held by another active batch of the
 *     source, or the changed batch's keys were never indexed (record_key), the whole source is
 *     touched;
 *   - rows that do not say what counted: JSON rows of before schema 5, cells computed at another
 *     keys_gen than the batch's, damaged blobs. Their definition is touched in every bucket; a
 *     definition with no row at all (another generation's metric) is the caller's to treat so.
 *
 * A value given twice fails every evaluation, so a value batch that shares a cell with another
 * active one touches everything; one beside *.csv files of the data directory, which this reader
 * does not parse (their units may be named by code, name or alias: the rules are needed), is
 * flagged for the caller to compare (`fed_files`).
 *
 * Read only: one read transaction on the data directory's store, no rule set (a withdrawal has
 * none at hand; the host matches the answer against each generation's rules). The cells are
 * walked for their buckets only (the format is cells.c's: unit, bucket, nine doubles, the
 * distinct set, the values); nothing is allocated per cell. */
#include "data.h"
#include "base.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void touch_free_cells(pg_touch_cells *c)
{
    free(c->def), free(c->metric), free(c->unit), free(c->buckets);
}

void pg_touched_free(pg_touched *t)
{
    for (int i = 0; i < t->nsrc; i++) free(t->src[i].name), free(t->src[i].batches);
    for (int i = 0; i < t->ncells; i++) touch_free_cells(&t->cells[i]);
    free(t->src), free(t->cells);
    memset(t, 0, sizeof *t);
}

static pg_touch_source *source_of(pg_touched *t, const char *name)
{
    for (int i = 0; i < t->nsrc; i++)
        if (strcmp(t->src[i].name, name) == 0) return &t->src[i];
    t->src = pg_xrealloc(t->src, sizeof *t->src * (size_t)(t->nsrc + 1));
    pg_touch_source *s = &t->src[t->nsrc++];
    *s = (pg_touch_source){.name = pg_xstrdup(name), .keys_indexed = 1};
    return s;
}

static pg_touch_cells *add_cells(pg_touched *t, const char *source, long batch)
{
    t->cells = pg_xrealloc(t->cells, sizeof *t->cells * (size_t)(t->ncells + 1));
    pg_touch_cells *c = &t->cells[t->ncells++];
    memset(c, 0, sizeof *c);
    c->source = source_of(t, source)->name;
    c->batch = batch;
    return c;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Sorts and de-duplicates the buckets. */
static void settle_buckets(pg_touch_cells *c)
{
    if (c->nbuckets < 2) return;
    qsort(c->buckets, (size_t)c->nbuckets, sizeof(int), cmp_int);
    int k = 1;
    for (int i = 1; i < c->nbuckets; i++)
        if (c->buckets[i] != c->buckets[k - 1]) c->buckets[k++] = c->buckets[i];
    c->nbuckets = k;
}

static uint64_t get_u(const unsigned char **p, const unsigned char *end, int size, int *bad)
{
    if (end - *p < size) {
        *bad = 1;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < size; i++) v |= (uint64_t)(*p)[i] << (8 * i);
    *p += size;
    return v;
}

/* Skips n bytes; 0, or -1 past the end. */
static int skip(const unsigned char **p, const unsigned char *end, uint64_t n)
{
    if ((uint64_t)(end - *p) < n) return -1;
    *p += n;
    return 0;
}

/* The distinct buckets of a binary cells blob into c. Returns 0, or -1 when it is not one
 * (a JSON row of before, or damaged bytes). */
static int blob_buckets(const void *blob, int len, pg_touch_cells *c)
{
    const unsigned char *p = blob, *end = p + (len > 0 ? len : 0);
    int bad = 0;
    if (len < 8 || memcmp(p, "PGC\x01", 4) != 0) return -1;
    p += 4;
    uint64_t n = get_u(&p, end, 4, &bad);
    if (n > (uint64_t)(end - p)) return -1;
    int cap = 0;
    for (uint64_t i = 0; !bad && i < n; i++) {
        uint64_t ulen = get_u(&p, end, 4, &bad);
        if (bad || skip(&p, end, ulen) != 0) return -1;
        int bucket = (int)(uint32_t)get_u(&p, end, 4, &bad);
        if (bad || skip(&p, end, 9 * 8) != 0) return -1;
        uint64_t nh = get_u(&p, end, 4, &bad);
        if (bad || nh > (uint64_t)(end - p) / 16 || skip(&p, end, nh * 16) != 0) return -1;
        uint64_t nv = get_u(&p, end, 4, &bad);
        if (bad || nv > (uint64_t)(end - p) / 8 || skip(&p, end, nv * 8) != 0) return -1;
        if (c->nbuckets > 0 && c->buckets[c->nbuckets - 1] == bucket) continue;
        if (c->nbuckets == cap)
            c->buckets = pg_xrealloc(c->buckets, sizeof(int) * (size_t)(cap = cap * 2 + 16));
        c->buckets[c->nbuckets++] = bucket;
    }
    if (bad || p != end) return -1;
    settle_buckets(c);
    return 0;
}

typedef struct {
    char id[65], source[64], format[16];
    long seq, keys_gen;
    int indexed; /* key_state is not NULL */
} changed_batch;

/* The partial rows of a computed batch. */
static int partial_cells(pg_store *st, const changed_batch *b, pg_touched *t, pg_diags *d)
{
    sqlite3_stmt *q;
    int rc = pg_store_prepare(st,
                              "SELECT definition, cells, typeof(cells) = 'blob', gen FROM partial"
                              " WHERE batch = ? ORDER BY definition",
                              &q, d);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, b->id, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        pg_touch_cells *c = add_cells(t, b->source, b->seq);
        c->def = pg_xstrdup((const char *)sqlite3_column_text(q, 0));
        int blob = sqlite3_column_int(q, 2);
        /* cells of another keys_gen were counted before the batch's records last changed */
        if (!blob || sqlite3_column_int64(q, 3) != b->keys_gen ||
            blob_buckets(sqlite3_column_blob(q, 1), sqlite3_column_bytes(q, 1), c) != 0) {
            c->all = 1;
            free(c->buckets), c->buckets = NULL, c->nbuckets = 0;
        }
    }
    if (step != SQLITE_DONE) rc = pg_store_fail(st, "reading the partials", d);
    sqlite3_finalize(q);
    return rc;
}

/* Whether a key of the changed batches (seqs, n) is held by an active batch of the same source
 * that did not change: then which record counts for it may move in that other batch's cells. */
static int keys_shared(pg_store *st, const changed_batch *v, int n, const char *source, int *out,
                       pg_diags *d)
{
    char *in = pg_xstrdup("");
    for (int i = 0; i < n; i++) {
        char *next = pg_xasprintf("%s%s%ld", in, *in ? "," : "", v[i].seq);
        free(in), in = next;
    }
    char *sql = pg_xasprintf("SELECT 1 FROM record_key a JOIN record_key b"
                             " ON b.source = a.source AND b.key = a.key AND b.batch NOT IN (%s)"
                             " JOIN batch c ON c.seq = b.batch AND c.status = 'active'"
                             " WHERE a.source = ?1 AND a.batch IN (%s) LIMIT 1",
                             in, in);
    sqlite3_stmt *q;
    int rc = pg_store_prepare(st, sql, &q, d);
    free(sql), free(in);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, source, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    *out = step == SQLITE_ROW;
    if (step != SQLITE_ROW && step != SQLITE_DONE) rc = pg_store_fail(st, "reading the keys", d);
    sqlite3_finalize(q);
    return rc;
}

/* The rows of a value batch, and whether one of its cells is given by another active one. */
static int value_cells(pg_store *st, const changed_batch *b, pg_touched *t, pg_diags *d)
{
    sqlite3_stmt *q;
    int rc = pg_store_prepare(st,
                              "SELECT unit, period, metric FROM feed_value WHERE batch = ?"
                              " ORDER BY metric, unit, period",
                              &q, d);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, b->id, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *per = (const char *)sqlite3_column_text(q, 1);
        int code = per ? pg_period_parse(per) : -1;
        pg_touch_cells *c = add_cells(t, PG_BATCH_VALUES, b->seq);
        c->unit = pg_xstrdup((const char *)sqlite3_column_text(q, 0));
        c->metric = pg_xstrdup((const char *)sqlite3_column_text(q, 2));
        if (code < 0) {
            c->all = 1;
            continue;
        }
        c->buckets = pg_xmalloc(sizeof(int));
        c->buckets[0] = code;
        c->nbuckets = 1;
    }
    if (step != SQLITE_DONE) rc = pg_store_fail(st, "reading the fed values", d);
    sqlite3_finalize(q);
    if (rc) return rc;
    rc = pg_store_prepare(st,
                          "SELECT 1 FROM feed_value a JOIN feed_value b ON b.unit = a.unit"
                          " AND b.period = a.period AND b.metric = a.metric AND b.batch <> a.batch"
                          " JOIN batch c ON c.id = b.batch AND c.status = 'active'"
                          " WHERE a.batch = ? LIMIT 1",
                          &q, d);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, b->id, -1, SQLITE_STATIC);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW) t->everything = 1;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = pg_store_fail(st, "reading the fed values", d);
    sqlite3_finalize(q);
    return rc;
}

/* Whether the data directory holds fed *.csv files (dataset.c reads them beside the store). */
static int has_csv_files(const char *datadir)
{
    DIR *dir = opendir(datadir);
    if (!dir) return 1; /* cannot tell */
    int found = 0;
    for (struct dirent *de; !found && (de = readdir(dir)) != NULL;) {
        size_t n = strlen(de->d_name);
        found = n > 4 && de->d_name[0] != '.' && strcmp(de->d_name + n - 4, ".csv") == 0;
    }
    closedir(dir);
    return found;
}

/* Batch `id` and the batches it replaced. */
static int changed_batches(pg_store *st, const char *id, changed_batch **out, int *n, pg_diags *d)
{
    sqlite3_stmt *q;
    int rc = pg_store_prepare(st,
                              "SELECT id, source, format, seq, keys_gen, key_state IS NOT NULL"
                              " FROM batch WHERE id = ?1 OR replaced_by = ?1 ORDER BY seq",
                              &q, d);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    int step, found = 0;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        *out = pg_xrealloc(*out, sizeof **out * (size_t)(*n + 1));
        changed_batch *b = &(*out)[(*n)++];
        memset(b, 0, sizeof *b);
        snprintf(b->id, sizeof b->id, "%s", (const char *)sqlite3_column_text(q, 0));
        snprintf(b->source, sizeof b->source, "%s", (const char *)sqlite3_column_text(q, 1));
        snprintf(b->format, sizeof b->format, "%s", (const char *)sqlite3_column_text(q, 2));
        b->seq = sqlite3_column_int64(q, 3);
        b->keys_gen = sqlite3_column_int64(q, 4);
        b->indexed = sqlite3_column_int(q, 5);
        found |= strcmp(b->id, id) == 0;
    }
    if (step != SQLITE_DONE) rc = pg_store_fail(st, "reading the batches", d);
    sqlite3_finalize(q);
    if (rc == 0 && !found) {
        pg_error(d, NULL, 0, "there is no batch %.12s", id);
        rc = -ENOENT;
    }
    return rc;
}

int pg_batch_touched(const char *datadir, const char *id, pg_touched *out, pg_diags *d)
{
    memset(out, 0, sizeof *out);
    pg_store *st;
    int rc = pg_batch_store_open_existing(datadir, &st, d);
    if (rc == 1) {
        pg_error(d, datadir, 0, "no store: there is no batch %.12s", id);
        return -ENOENT;
    }
    if (rc) return rc;
    changed_batch *v = NULL;
    int n = 0;
    rc = pg_store_exec(st, "BEGIN", d); /* one snapshot: the batches, their rows and keys */
    if (rc == 0) rc = changed_batches(st, id, &v, &n, d);
    for (int i = 0; rc == 0 && i < n; i++) {
        if (strcmp(v[i].source, PG_BATCH_VALUES) == 0) {
            rc = value_cells(st, &v[i], out, d);
            if (has_csv_files(datadir)) out->fed_files = 1;
            continue;
        }
        pg_touch_source *s = source_of(out, v[i].source);
        if (!v[i].indexed) s->keys_indexed = 0;
        s->batches = pg_xrealloc(s->batches, sizeof(long) * (size_t)(s->nbatches + 1));
        s->batches[s->nbatches++] = v[i].seq;
        rc = partial_cells(st, &v[i], out, d);
    }
    for (int i = 0; rc == 0 && i < out->nsrc; i++) {
        pg_touch_source *s = &out->src[i];
        if (strcmp(s->name, PG_BATCH_VALUES) == 0) continue;
        changed_batch *of = pg_xmalloc(sizeof *of * (size_t)(n ? n : 1));
        int k = 0;
        for (int j = 0; j < n; j++)
            if (strcmp(v[j].source, s->name) == 0) of[k++] = v[j];
        int shared = 0;
        rc = keys_shared(st, of, k, s->name, &shared, d);
        if (shared) s->all = 1;
        free(of);
    }
    if (st) pg_store_rollback(st);
    pg_store_close(st);
    free(v);
    if (rc) pg_touched_free(out);
    return rc;
}
