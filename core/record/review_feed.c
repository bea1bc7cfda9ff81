/* review_feed.c — what people decided, into the numbers: accepted self-reports, current
 * evaluator scores and upheld appeals, read from the store into a dataset (see review.h).
 *
 * Only records of the rule set's year are read, so a 2022 rule set never sees 2021 appeals.
 * A record the rule set no longer knows (an indicator removed or renamed by a later revision)
 * is skipped with a warning rather than failing the evaluation: the record stays in the store
 * and counts again under a rule set that knows it. */
#include "base.h"
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

static int feed_selfreports(const pg_ruleset *rs, pg_store *st, const char *year, pg_dataset *ds,
                            pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "SELECT id, unit, period, metric, value, n FROM self_report"
                              " WHERE status = 'accepted' AND substr(period, 1, 4) = ? ORDER BY id",
                              &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_text(s, 1, year, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        long id = (long)sqlite3_column_int64(s, 0);
        const char *unit = (const char *)sqlite3_column_text(s, 1);
        const char *metric = (const char *)sqlite3_column_text(s, 3);
        int u = pg_unit_find(rs, unit),
            p = pg_period_parse((const char *)sqlite3_column_text(s, 2));
        int m = pg_strmap_get(&rs->metric_ids, metric);
        if (u < 0 || p < 0 || m < 0) {
            pg_warn(d, pg_store_path(st), 0,
                    "self-report #%ld (%s, %s) is not counted: the rule set '%s' does not know "
                    "it",
                    id, unit, metric, rs->id);
            continue;
        }
        double n = sqlite3_column_type(s, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(s, 5);
        pg_dataset_put(ds, p, m, u, sqlite3_column_double(s, 4), n);
    }
    if (step != SQLITE_DONE) rc = pg_store_fail(st, "reading self-reports", d);
    sqlite3_finalize(s);
    return rc;
}

/* Scores (adjust = 0) or upheld appeals (adjust = 1). */
static int feed_given(const pg_ruleset *rs, pg_store *st, const char *year, int adjust,
                      pg_dataset *ds, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(
        st,
        adjust ? "SELECT id, unit, period, indicator, adjustment, decision FROM appeal"
                 " WHERE status = 'upheld' AND substr(period, 1, 4) = ? ORDER BY id"
               : "SELECT id, unit, period, indicator, score, reason FROM evaluator_score"
                 " WHERE superseded_by IS NULL AND substr(period, 1, 4) = ? ORDER BY id",
        &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_text(s, 1, year, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        long id = (long)sqlite3_column_int64(s, 0);
        const char *unit = (const char *)sqlite3_column_text(s, 1);
        const char *ind = (const char *)sqlite3_column_text(s, 3);
        const char *reason = (const char *)sqlite3_column_text(s, 5);
        int u = pg_unit_find(rs, unit),
            p = pg_period_parse((const char *)sqlite3_column_text(s, 2));
        int node = pg_strmap_get(&rs->node_ids, ind);
        if (u < 0 || p < 0 || node < 0 || (!adjust && !rs->nodes[node].evaluator)) {
            pg_warn(d, pg_store_path(st), 0,
                    "%s #%ld (%s, %s) is not counted: the rule set '%s' has no such %s",
                    adjust ? "appeal" : "score", id, unit, ind, rs->id,
                    adjust ? "unit or indicator" : "evaluator_score indicator for the unit");
            continue;
        }
        double v = sqlite3_column_double(s, 4);
        if (adjust)
            pg_dataset_add_adjustment(ds, p, node, u, v, id, reason);
        else
            pg_dataset_add_score(ds, p, node, u, v, id, reason);
    }
    if (step != SQLITE_DONE) rc = pg_store_fail(st, "reading scores and appeals", d);
    sqlite3_finalize(s);
    return rc;
}

int pg_review_feed_store(const pg_ruleset *rs, pg_store *st, pg_dataset *ds, pg_diags *d)
{
    char year[8];
    snprintf(year, sizeof year, "%04d", rs->year);
    int rc = feed_selfreports(rs, st, year, ds, d);
    if (rc == 0) rc = feed_given(rs, st, year, 0, ds, d);
    if (rc == 0) rc = feed_given(rs, st, year, 1, ds, d);
    return rc;
}

int pg_review_feed(const pg_ruleset *rs, const char *datadir, pg_dataset *ds, pg_diags *d)
{
    char *db = pg_xasprintf("%s/pinggu.db", datadir);
    int exists = access(db, F_OK) == 0;
    free(db);
    if (!exists) return 0;
    pg_store *st;
    int rc = pg_store_open(datadir, &st, d);
    if (rc != 0) return rc;
    rc = pg_review_feed_store(rs, st, ds, d);
    pg_store_close(st);
    return rc;
}
