/* totals.c — the active batches' partials compacted (issue 19 §2; schema 9, tables total and
 * total_state).
 *
 * An evaluation merges, per metric definition, the partials of every active batch of a source,
 * in batch order (seq). Done from table partial, its cost grows with the number of batches: the
 * same month as 31 daily batches reads and merges 31 blobs per definition. The totals keep that
 * merge: per (source, definition, period) one row with every unit's merged cell, beside the
 * list of batches it merges ("seq:keys_gen,..." in seq order, total_state). When values are
 * taken (batch.c, pg_batch_feed_store) a definition whose list is the source's active batches
 * now reads its totals and nothing else; a list that is a prefix of them (batches were added)
 * reads its totals and merges the new batches' partials after them; anything else (a batch
 * withdrawn or replaced, keys settled again, a new definition) merges every batch's partials
 * again. What was merged is written back after the read, for the periods it changed. When
 * every definition of a source has totals of all its active batches (the steady state), its
 * cells go from the store straight to values (pg_totals_each), each decoded once for all the
 * metrics of its definition: no aggregation table of millions of cells is built to be read once
 * (at 3,003 units half the CPU of loading the data).
 *
 * Exact: a merge adds counts and compensated sums (aggregate.c, TwoSum), and merging a stored
 * total into an empty cell gives back its very bits, so the totals followed by batch k+1 are
 * bit for bit the merge of batches 1..k+1 in order — the merge an evaluation from the raw files
 * makes. A withdrawal is not a subtraction (a compensated sum cannot be taken apart exactly):
 * its source's totals are merged again from the remaining batches' partials, once. */
#include "totals.h"
#include "base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int pg_totals_active(pg_store *st, const char *source, char **out, int *n, pg_diags *d)
{
    sqlite3_stmt *q;
    *out = NULL;
    *n = 0;
    int rc = pg_store_prepare(st,
                              "SELECT coalesce(group_concat(b, ','), ''), count(*) FROM"
                              " (SELECT seq || ':' || keys_gen AS b FROM batch"
                              " WHERE source = ?1 AND status = 'active' ORDER BY seq)",
                              &q, d);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, source, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        *out = pg_xstrdup((const char *)sqlite3_column_text(q, 0) ?: "");
        *n = sqlite3_column_int(q, 1);
    } else {
        rc = pg_store_fail(st, "reading the batches", d);
    }
    sqlite3_finalize(q);
    return rc;
}

int pg_totals_prefix(pg_store *st, const char *source, const char *def, const char *active,
                     pg_diags *d)
{
    sqlite3_stmt *q;
    int rc = pg_store_prepare(
        st, "SELECT batches FROM total_state WHERE source = ?1 AND definition = ?2", &q, d);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, def, -1, SQLITE_STATIC);
    int k = 0, step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        const char *have = (const char *)sqlite3_column_text(q, 0) ?: "";
        size_t len = strlen(have);
        /* a prefix ends where a batch ends: at the end of the list or before a comma */
        if (len && strncmp(have, active, len) == 0 && (active[len] == '\0' || active[len] == ',')) {
            k = 1;
            for (const char *c = have; *c; c++) k += *c == ',';
        }
    } else if (step != SQLITE_DONE) {
        k = pg_store_fail(st, "reading the totals", d);
    }
    sqlite3_finalize(q);
    return k;
}

/* What pg_totals_each passes to each cell of a row: the metrics of the definition, and the
 * last bucket found well formed (a row's cells share it: parsed once, not per cell). */
typedef struct {
    const pg_ruleset *rs;
    const int *metrics;
    int nmetrics, good_bucket;
    int (*each)(void *arg, int metric, int unit, int bucket, pg_partial *p);
    void *arg;
} totals_cursor;

static int each_metric(void *ud, pg_partial *p, const char *unit, int bucket)
{
    totals_cursor *c = ud;
    char buf[PG_PERIOD_BUF];
    int u = pg_unit_find(c->rs, unit);
    if (u < 0 || bucket <= 0) return -1;
    if (bucket != c->good_bucket) {
        if (pg_period_parse(pg_period_format(bucket, buf)) != bucket) return -1;
        c->good_bucket = bucket;
    }
    for (int i = 0; i < c->nmetrics; i++) {
        int rc = c->each(c->arg, c->metrics[i], u, bucket, p);
        if (rc != 0) return rc;
    }
    return 0;
}

int pg_totals_each(pg_store *st, const pg_ruleset *rs, int s, const char *def,
                   int (*each)(void *arg, int metric, int unit, int bucket, pg_partial *p),
                   void *arg, pg_diags *d)
{
    int *metrics = pg_xmalloc(sizeof(int) * ((size_t)rs->nmetrics + 1)), n = 0;
    for (int m = 0; m < rs->nmetrics; m++) {
        const pg_metric *me = &rs->metrics[m];
        if (me->source == s && me->agg != PG_AGG_FED && strcmp(me->def, def) == 0) metrics[n++] = m;
    }
    sqlite3_stmt *q;
    int rc = n ? pg_store_prepare(st,
                                  "SELECT bucket, cells FROM total WHERE source = ?1 AND"
                                  " definition = ?2 ORDER BY bucket",
                                  &q, d)
               : 0;
    if (rc || !n) {
        free(metrics);
        return rc;
    }
    const char *source = rs->sources[s].name;
    sqlite3_bind_text(q, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, def, -1, SQLITE_STATIC);
    totals_cursor c = {rs, metrics, n, 0, each, arg};
    int step;
    /* each cell decoded once for every metric of the definition */
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        rc = pg_cells_each(sqlite3_column_blob(q, 1), sqlite3_column_bytes(q, 1), each_metric, &c);
        if (rc == -1) {
            pg_error(d, pg_store_path(st), 0,
                     "the totals of source '%s', metric '%s', period %d: a stored cell is "
                     "damaged or names a unit no longer in units.csv",
                     source, rs->metrics[metrics[0]].id, sqlite3_column_int(q, 0));
            rc = -EINVAL;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) rc = pg_store_fail(st, "reading the totals", d);
    sqlite3_finalize(q);
    free(metrics);
    return rc;
}

static int merge_cell(void *arg, int metric, int unit, int bucket, pg_partial *p)
{
    pg_partial_merge(pg_agg_partial(arg, metric, unit, bucket), p);
    return 0;
}

int pg_totals_merge(pg_store *st, const pg_ruleset *rs, int s, const char *def, pg_agg *table,
                    pg_diags *d)
{
    return pg_totals_each(st, rs, s, def, merge_cell, table, d);
}

static int cmp_cell(const void *x, const void *y)
{
    const pg_agg_cell *a = *(const pg_agg_cell *const *)x, *b = *(const pg_agg_cell *const *)y;
    if (a->bucket != b->bucket) return a->bucket < b->bucket ? -1 : 1;
    return (a->unit > b->unit) - (a->unit < b->unit);
}

static int has_bucket(const pg_buckets *b, int bucket)
{
    for (int i = 0; i < b->n; i++)
        if (b->v[i] == bucket) return 1;
    return 0;
}

void pg_totals_encode(const pg_ruleset *rs, int s, const char *def, int metric, const pg_agg *table,
                      const char *active, const pg_buckets *touched, pg_totals_put *out)
{
    memset(out, 0, sizeof *out);
    out->source = rs->sources[s].name;
    out->def = def;
    out->batches = pg_xstrdup(active);
    out->whole = touched == NULL;
    const pg_agg_cell *cells;
    int nc = pg_agg_cells(table, &cells), n = 0;
    const pg_agg_cell **v = pg_xmalloc(sizeof *v * ((size_t)nc + 1));
    for (int i = 0; i < nc; i++)
        if (cells[i].metric == metric && (!touched || has_bucket(touched, cells[i].bucket)))
            v[n++] = &cells[i];
    qsort(v, (size_t)n, sizeof *v, cmp_cell);
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && v[j]->bucket == v[i]->bucket) j++;
        out->rows = pg_xrealloc(out->rows, sizeof *out->rows * (size_t)(out->nrows + 1));
        pg_totals_row *r = &out->rows[out->nrows++];
        r->bucket = v[i]->bucket;
        r->cells = (pg_bytes){0};
        pg_cells_encode(&r->cells, rs, v + i, j - i);
        i = j;
    }
    free(v);
}

void pg_totals_put_free(pg_totals_put *v, int n)
{
    for (int i = 0; i < n; i++) {
        for (int r = 0; r < v[i].nrows; r++) free(v[i].rows[r].cells.p);
        free(v[i].rows);
        free(v[i].batches);
    }
    free(v);
}

int pg_totals_store(pg_store *st, const pg_totals_put *v, int n, pg_diags *d)
{
    sqlite3_stmt *del = NULL, *ins = NULL, *state = NULL;
    int rc =
        pg_store_prepare(st, "DELETE FROM total WHERE source = ?1 AND definition = ?2", &del, d);
    if (rc == 0)
        rc = pg_store_prepare(st,
                              "INSERT OR REPLACE INTO total (source, definition, bucket, cells)"
                              " VALUES (?1, ?2, ?3, ?4)",
                              &ins, d);
    if (rc == 0)
        rc = pg_store_prepare(st,
                              "INSERT OR REPLACE INTO total_state (source, definition, batches)"
                              " VALUES (?1, ?2, ?3)",
                              &state, d);
    const char *checked = NULL; /* the source whose active batches were compared last */
    int skip = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        const pg_totals_put *p = &v[i];
        if (!checked || strcmp(checked, p->source) != 0) {
            /* merged in a read that is over: keep them only if they still merge what is active */
            char *now;
            int count;
            rc = pg_totals_active(st, p->source, &now, &count, d);
            skip = rc == 0 && strcmp(now, p->batches) != 0;
            free(now);
            checked = p->source;
        }
        if (rc || skip) continue;
        if (p->whole) {
            sqlite3_reset(del);
            sqlite3_bind_text(del, 1, p->source, -1, SQLITE_STATIC);
            sqlite3_bind_text(del, 2, p->def, -1, SQLITE_STATIC);
            if (sqlite3_step(del) != SQLITE_DONE) rc = pg_store_fail(st, "storing the totals", d);
        }
        for (int r = 0; rc == 0 && r < p->nrows; r++) {
            sqlite3_reset(ins);
            sqlite3_bind_text(ins, 1, p->source, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, p->def, -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 3, p->rows[r].bucket);
            sqlite3_bind_blob(ins, 4, p->rows[r].cells.p, (int)p->rows[r].cells.n, SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE) rc = pg_store_fail(st, "storing the totals", d);
        }
        if (rc == 0) {
            sqlite3_reset(state);
            sqlite3_bind_text(state, 1, p->source, -1, SQLITE_STATIC);
            sqlite3_bind_text(state, 2, p->def, -1, SQLITE_STATIC);
            sqlite3_bind_text(state, 3, p->batches, -1, SQLITE_STATIC);
            if (sqlite3_step(state) != SQLITE_DONE) rc = pg_store_fail(st, "storing the totals", d);
        }
    }
    sqlite3_finalize(del), sqlite3_finalize(ins), sqlite3_finalize(state);
    return rc;
}
