/* review.c — self-reports, evaluator scores and appeals in the store (see review.h).
 *
 * Each write validates everything against the rule set before it opens a transaction, then
 * reads the record it changes, writes, and appends the audit entry with the record as it was
 * and as it is, all inside one BEGIN IMMEDIATE … COMMIT. A failure anywhere rolls back, so the
 * store never holds a change without its entry or an entry without its change. Records are
 * shown (lists, audit) as their table rows, column by column. */
#include "record.h"
#include "base.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- rows as JSON ---------------------------------------------------------------------- */

static cJSON *row_json(sqlite3_stmt *s)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < sqlite3_column_count(s); i++) {
        const char *name = sqlite3_column_name(s, i);
        switch (sqlite3_column_type(s, i)) {
        case SQLITE_INTEGER:
            cJSON_AddNumberToObject(o, name, (double)sqlite3_column_int64(s, i));
            break;
        case SQLITE_FLOAT:
            cJSON_AddNumberToObject(o, name, sqlite3_column_double(s, i));
            break;
        case SQLITE_NULL:
            cJSON_AddNullToObject(o, name);
            break;
        default:
            cJSON_AddStringToObject(o, name, (const char *)sqlite3_column_text(s, i));
        }
    }
    return o;
}

/* The row of `table` with this id, or NULL. `table` is one of ours, never user input. */
static cJSON *get_row(pg_store *st, const char *table, long id)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE id = ?", table);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(pg_store_db(st), sql, -1, &s, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_int64(s, 1, id);
    cJSON *o = sqlite3_step(s) == SQLITE_ROW ? row_json(s) : NULL;
    sqlite3_finalize(s);
    return o;
}

cJSON *pg_appeal_get(pg_store *st, long id)
{
    return get_row(st, "appeal", id);
}

cJSON *pg_selfreport_get(pg_store *st, long id)
{
    return get_row(st, "self_report", id);
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Appends the audit entry of a change: before and after are records (NULL for none). */
static int audit(pg_store *st, const char *actor, const char *action, const char *kind, long id,
                 const cJSON *before, const cJSON *after, pg_diags *d)
{
    char object[48];
    snprintf(object, sizeof object, "%s/%ld", kind, id);
    char *b = before ? cJSON_PrintUnformatted(before) : NULL;
    char *a = after ? cJSON_PrintUnformatted(after) : NULL;
    int rc = pg_audit_append(st, actor, action, object, b, a, d);
    free(b), free(a);
    return rc;
}

/* Runs one statement with text/number bindings given as a format: 't' text (NULL binds NULL),
 * 'd' double (NAN binds NULL), 'l' long. */
static int run(pg_store *st, const char *sql, const char *fmt, pg_diags *d, ...)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st, sql, &s, d);
    if (rc != 0) return rc;
    va_list ap;
    va_start(ap, d);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 't') {
            const char *t = va_arg(ap, const char *);
            sqlite3_bind_text(s, i + 1, t, -1, SQLITE_TRANSIENT);
        } else if (fmt[i] == 'd') {
            double v = va_arg(ap, double);
            if (isnan(v))
                sqlite3_bind_null(s, i + 1);
            else
                sqlite3_bind_double(s, i + 1, v);
        } else
            sqlite3_bind_int64(s, i + 1, va_arg(ap, long));
    }
    va_end(ap);
    if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "writing the record", d);
    sqlite3_finalize(s);
    return rc;
}

/* The id of one row found by a query with one text and up to three more text bindings, or 0. */
static long find_id(pg_store *st, const char *sql, const char *a, const char *b, const char *c,
                    const char *e)
{
    sqlite3_stmt *s;
    long id = 0;
    if (sqlite3_prepare_v2(pg_store_db(st), sql, -1, &s, NULL) != SQLITE_OK) return 0;
    const char *v[] = {a, b, c, e};
    for (int i = 0; i < 4 && i < sqlite3_bind_parameter_count(s); i++)
        sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) id = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return id;
}

/* --- validation against the rule set --------------------------------------------------- */

enum { K_MONTH = 1, K_YEAR = 2 };

/* The kinds of period the schemes score node `node` in. */
static unsigned node_kinds(const pg_ruleset *rs, int node)
{
    unsigned k = 0;
    for (int s = 0; s < rs->nschemes; s++)
        for (int i = 0; i < rs->schemes[s].norder; i++)
            if (rs->schemes[s].order[i] == node)
                k |= rs->schemes[s].period == PG_PERIOD_YEAR ? K_YEAR : K_MONTH;
    return k;
}

static unsigned over_kind(const pg_metric *m)
{
    return (m->win_year != PG_OVER_NONE ? K_YEAR : 0) |
           (m->win_month != PG_OVER_NONE ? K_MONTH : 0);
}

/* The kinds of period metric m is read in: by the indicators that read it, and for a checked
 * metric also those of the measured figure it is compared with. 0: nothing says. */
static unsigned metric_kinds(const pg_ruleset *rs, int m)
{
    unsigned k = 0;
    for (int i = 0; i < rs->nnodes; i++)
        if (rs->nodes[i].metric == m) k |= node_kinds(rs, i);
    int ms = rs->metrics[m].auth_measured;
    if (ms >= 0) {
        if (rs->metrics[ms].source >= 0)
            k |= over_kind(&rs->metrics[ms]);
        else
            for (int i = 0; i < rs->nnodes; i++)
                if (rs->nodes[i].metric == ms) k |= node_kinds(rs, i);
    }
    return k;
}

static int check_unit(const pg_ruleset *rs, const char *key, pg_diags *d)
{
    int u = key && *key ? pg_unit_find(rs, key) : -1;
    if (u < 0)
        pg_error(d, NULL, 0,
                 key && *key ? "unit '%s' is not in the rule set's units.csv (an id, code, name "
                               "or alias)"
                             : "which unit? (unit is required)%s",
                 key && *key ? key : "");
    return u;
}

/* The period code, or -1 after saying why: not YYYY-MM/YYYY, another year than the rule set's,
 * or a kind (month, year) that what it is about is never scored in. */
static int check_period(const pg_ruleset *rs, const char *p, unsigned kinds, const char *what,
                        pg_diags *d)
{
    int code = p ? pg_period_parse(p) : -1;
    if (code < 0) {
        pg_error(d, NULL, 0, "period '%s' is not YYYY-MM (a month) or YYYY (a year)", p ? p : "");
        return -1;
    }
    if (pg_period_year(code) != rs->year) {
        pg_error(d, NULL, 0, "period %s: the rule set '%s' governs %d", p, rs->id, rs->year);
        return -1;
    }
    unsigned k = pg_period_is_year(code) ? K_YEAR : K_MONTH;
    if (kinds && !(kinds & k)) {
        pg_error(d, NULL, 0, "period %s: %s is scored per %s (period %s), not per %s", p, what,
                 kinds & K_YEAR ? "year" : "month", kinds & K_YEAR ? "YYYY" : "YYYY-MM",
                 k == K_YEAR ? "year" : "month");
        return -1;
    }
    return code;
}

/* A value in range for the metric's unit of measure. */
static int check_value(const pg_metric *m, double v, double n, pg_diags *d)
{
    const char *u = m->unit ? m->unit : "";
    const char *why = NULL;
    if (!isfinite(v))
        why = "is not a number";
    else if (strcmp(u, "share") == 0 && !(v >= 0 && v <= 1))
        why = "is a share: a fraction from 0 to 1 (write 0.85 for 85%)";
    else if (strcmp(u, "flag") == 0 && v != 0 && v != 1)
        why = "is a flag: 0 or 1";
    else if (strcmp(u, "count") == 0 && !(v >= 0 && v == floor(v)))
        why = "is a count: a whole number, 0 or more";
    else if ((strcmp(u, "days") == 0 || strcmp(u, "hours") == 0 || strcmp(u, "score") == 0) &&
             !(v >= 0))
        why = "cannot be negative";
    if (why) {
        char t[PG_NUM_BUF];
        pg_error(d, NULL, 0, "value %s: metric '%s' (%s) %s", pg_num_text(v, t), m->id, m->name,
                 why);
        return -1;
    }
    if (!isnan(n) && !(n >= 0 && isfinite(n) && n == floor(n))) {
        char t[PG_NUM_BUF];
        pg_error(d, NULL, 0, "n %s: a sample size is a whole number, 0 or more", pg_num_text(n, t));
        return -1;
    }
    return 0;
}

static int required_text(const char *s, const char *what, pg_diags *d)
{
    if (s && s[strspn(s, " \t\r\n")]) return 0;
    pg_error(d, NULL, 0, "%s is required", what);
    return -1;
}

/* A leaf the unit's group is scored on; with `evaluator`, one scored by evaluator_score. */
static int check_indicator(const pg_ruleset *rs, const char *id, int u, int evaluator, pg_diags *d)
{
    int node = id ? pg_strmap_get(&rs->node_ids, id) : -1;
    if (node < 0) {
        pg_error(d, NULL, 0, "indicator '%s' is not in the rule set '%s'", id ? id : "", rs->id);
        return -1;
    }
    const pg_node *n = &rs->nodes[node];
    if (n->nchildren || n->adjust) {
        pg_error(d, NULL, 0,
                 "indicator '%s' is scored from its children; name one of them (a leaf)", id);
        return -1;
    }
    if (evaluator && !n->evaluator) {
        pg_error(d, NULL, 0,
                 "indicator '%s' (%s) is scored from data, not by an evaluator (its method is "
                 "not evaluator_score {})",
                 id, n->name);
        return -1;
    }
    if (!evaluator && n->veto) {
        pg_error(d, NULL, 0,
                 "indicator '%s' is a veto item; it has no points to adjust — appeal the data "
                 "behind it",
                 id);
        return -1;
    }
    if (isnan(n->points[rs->units[u].group])) {
        pg_error(d, NULL, 0, "indicator '%s' does not apply to unit '%s' (group '%s')", id,
                 rs->units[u].id, rs->groups[rs->units[u].group].id);
        return -1;
    }
    return node;
}

static int check_link(const char *link, pg_diags *d)
{
    if (strncmp(link, "https://", 8) == 0 || strncmp(link, "http://", 7) == 0) {
        if (!strpbrk(link, " \t\r\n\"<>")) return 0;
    }
    pg_error(d, NULL, 0, "link '%s': expected an http:// or https:// address without spaces", link);
    return -1;
}

/* --- self-reports ---------------------------------------------------------------------- */

int pg_selfreport_submit(pg_store *st, const pg_ruleset *rs, const pg_selfreport_in *in,
                         const char *actor, long *id, pg_diags *d)
{
    int u = check_unit(rs, in->unit, d);
    if (u < 0) return -EINVAL;
    int m = in->metric ? pg_strmap_get(&rs->metric_ids, in->metric) : -1;
    if (m < 0) {
        pg_error(d, NULL, 0, "metric '%s' is not declared in the rule set '%s'",
                 in->metric ? in->metric : "", rs->id);
        return -EINVAL;
    }
    const pg_metric *mt = &rs->metrics[m];
    if (!mt->self_report) {
        char open[512] = "";
        size_t len = 0;
        for (int k = 0; k < rs->nmetrics && len < sizeof open - 64; k++)
            if (rs->metrics[k].self_report)
                len += (size_t)snprintf(open + len, sizeof open - len, "%s%s", len ? ", " : "",
                                        rs->metrics[k].id);
        pg_error(d, NULL, 0,
                 "metric '%s' (%s) is not open to self-reports; the rule set opens %s (self_report "
                 "= true)",
                 mt->id, mt->name, len ? open : "none");
        return -EINVAL;
    }
    char what[160];
    snprintf(what, sizeof what, "metric '%s'", mt->id);
    int code = check_period(rs, in->period, metric_kinds(rs, m), what, d);
    if (code < 0) return -EINVAL;
    char period[PG_PERIOD_BUF];
    pg_period_format(code, period);
    if (check_value(mt, in->value, in->n, d) != 0) return -EINVAL;
    if (!in->evidence && !in->link) {
        pg_error(d, NULL, 0, "evidence is required: an uploaded file (its hash) or a link");
        return -EINVAL;
    }
    if (in->link && check_link(in->link, d) != 0) return -EINVAL;
    const char *unit = rs->units[u].id;
    /* A unit cites only what it uploaded; another unit's file is answered as one not stored,
     * so that the answer does not tell whether some unit holds those bytes. */
    if (in->evidence &&
        !(in->own ? find_id(st, "SELECT 1 FROM evidence_owner WHERE hash = ? AND unit = ?",
                            in->evidence, unit, NULL, NULL)
                  : find_id(st, "SELECT 1 FROM evidence WHERE hash = ?", in->evidence, NULL, NULL,
                            NULL))) {
        pg_error(d, NULL, 0,
                 "evidence '%s' is not stored%s%s%s; upload the file first (POST /api/v1/evidence, "
                 "or pinggu selfreport submit --file)",
                 in->evidence, in->own ? " for unit '" : "", in->own ? unit : "",
                 in->own ? "'" : "");
        return -EINVAL;
    }
    char now[32];
    pg_store_now(now);
    int rc = pg_store_begin(st, d);
    if (rc != 0) return rc;
    long old = find_id(st,
                       "SELECT id FROM self_report WHERE unit = ? AND period = ? AND metric = ?"
                       " AND status = 'submitted'",
                       unit, period, mt->id, NULL);
    cJSON *before = old ? get_row(st, "self_report", old) : NULL, *after = NULL;
    if (old) rc = run(st, "UPDATE self_report SET status = 'superseded' WHERE id = ?", "l", d, old);
    if (rc == 0)
        rc = run(st,
                 "INSERT INTO self_report (unit, period, metric, value, n, evidence, link, note,"
                 " submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 "tttddttttt", d, unit, period, mt->id, in->value, in->n, in->evidence, in->link,
                 in->note, actor, now);
    if (rc == 0) {
        *id = (long)sqlite3_last_insert_rowid(pg_store_db(st));
        after = get_row(st, "self_report", *id);
        rc = audit(st, actor, "selfreport.submit", "selfreport", *id, before, after, d);
    }
    if (rc == 0) rc = pg_store_commit(st, d);
    if (rc != 0) pg_store_rollback(st);
    cJSON_Delete(before), cJSON_Delete(after);
    return rc;
}

int pg_selfreport_review(pg_store *st, long id, int accept, const char *reason, const char *actor,
                         pg_diags *d)
{
    if (required_text(reason, "a reason for the review", d) != 0) return -EINVAL;
    int rc = pg_store_begin(st, d);
    if (rc != 0) return rc;
    cJSON *before = get_row(st, "self_report", id), *after = NULL;
    const char *status = before ? jstr(before, "status") : NULL;
    if (!before) {
        pg_error(d, NULL, 0, "there is no self-report #%ld", id);
        rc = -ENOENT;
    } else if (strcmp(status, "submitted") != 0) {
        pg_error(d, NULL, 0, "self-report #%ld is %s%s%s; only a submitted one is reviewed", id,
                 status, jstr(before, "reviewed_by") ? " by " : "",
                 jstr(before, "reviewed_by") ? jstr(before, "reviewed_by") : "");
        rc = -EALREADY;
    }
    char now[32];
    pg_store_now(now);
    long prev = 0;
    if (rc == 0 && accept)
        prev = find_id(st,
                       "SELECT id FROM self_report WHERE unit = ? AND period = ? AND metric = ?"
                       " AND status = 'accepted'",
                       jstr(before, "unit"), jstr(before, "period"), jstr(before, "metric"), NULL);
    if (rc == 0 && prev)
        rc = run(st, "UPDATE self_report SET status = 'superseded' WHERE id = ?", "l", d, prev);
    if (rc == 0)
        rc = run(st,
                 "UPDATE self_report SET status = ?, reviewed_by = ?, reviewed_at = ?, reason = ?"
                 " WHERE id = ?",
                 "ttttl", d, accept ? "accepted" : "rejected", actor, now, reason, id);
    if (rc == 0) {
        after = get_row(st, "self_report", id);
        if (prev) cJSON_AddNumberToObject(after, "supersedes", (double)prev);
        rc = audit(st, actor, "selfreport.review", "selfreport", id, before, after, d);
    }
    if (rc == 0) rc = pg_store_commit(st, d);
    if (rc != 0) pg_store_rollback(st);
    cJSON_Delete(before), cJSON_Delete(after);
    return rc;
}

/* --- evaluator scores ------------------------------------------------------------------ */

int pg_score_set(pg_store *st, const pg_ruleset *rs, const char *unit, const char *period_in,
                 const char *indicator, double score, const char *reason, const char *actor,
                 long *id, pg_diags *d)
{
    /* the reason first: a score without one is refused whatever else it says */
    if (required_text(reason, "a reason for the score (评分理由)", d) != 0) return -EINVAL;
    int u = check_unit(rs, unit, d);
    if (u < 0) return -EINVAL;
    int node = check_indicator(rs, indicator, u, 1, d);
    if (node < 0) return -EINVAL;
    const pg_node *n = &rs->nodes[node];
    char what[160];
    snprintf(what, sizeof what, "indicator '%s'", n->id);
    int code = check_period(rs, period_in, node_kinds(rs, node), what, d);
    if (code < 0) return -EINVAL;
    char period[PG_PERIOD_BUF];
    pg_period_format(code, period);
    double max = n->points[rs->units[u].group], lo = fmin(0, max), hi = fmax(0, max);
    if (!(isfinite(score) && score >= lo && score <= hi)) {
        char t[3][PG_NUM_BUF];
        pg_error(d, NULL, 0, "score %s: indicator '%s' (%s) gives %s from %s to %s points",
                 pg_num_text(score, t[0]), n->id, n->name, rs->groups[rs->units[u].group].name,
                 pg_num_text(lo, t[1]), pg_num_text(hi, t[2]));
        return -EINVAL;
    }
    const char *uid = rs->units[u].id;
    char now[32];
    pg_store_now(now);
    int rc = pg_store_begin(st, d);
    if (rc != 0) return rc;
    long old = find_id(st,
                       "SELECT id FROM evaluator_score WHERE unit = ? AND period = ? AND indicator"
                       " = ? AND superseded_by IS NULL",
                       uid, period, n->id, NULL);
    cJSON *before = old ? get_row(st, "evaluator_score", old) : NULL, *after = NULL;
    rc = run(st,
             "INSERT INTO evaluator_score (unit, period, indicator, score, reason, entered_by,"
             " entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
             "tttdttt", d, uid, period, n->id, score, reason, actor, now);
    if (rc == 0) {
        *id = (long)sqlite3_last_insert_rowid(pg_store_db(st));
        if (old)
            rc = run(st, "UPDATE evaluator_score SET superseded_by = ? WHERE id = ?", "ll", d, *id,
                     old);
    }
    if (rc == 0) {
        after = get_row(st, "evaluator_score", *id);
        rc = audit(st, actor, "score.set", "score", *id, before, after, d);
    }
    if (rc == 0) rc = pg_store_commit(st, d);
    if (rc != 0) pg_store_rollback(st);
    cJSON_Delete(before), cJSON_Delete(after);
    return rc;
}

/* --- appeals --------------------------------------------------------------------------- */

int pg_appeal_submit(pg_store *st, const pg_ruleset *rs, const char *unit, const char *period_in,
                     const char *indicator, const char *claim, const char *actor, long *id,
                     pg_diags *d)
{
    int u = check_unit(rs, unit, d);
    if (u < 0) return -EINVAL;
    int node = check_indicator(rs, indicator, u, 0, d);
    if (node < 0) return -EINVAL;
    char what[160];
    snprintf(what, sizeof what, "indicator '%s'", rs->nodes[node].id);
    int code = check_period(rs, period_in, node_kinds(rs, node), what, d);
    if (code < 0) return -EINVAL;
    char period[PG_PERIOD_BUF];
    pg_period_format(code, period);
    if (required_text(claim, "the claim (申诉理由)", d) != 0) return -EINVAL;
    char now[32];
    pg_store_now(now);
    int rc = pg_store_begin(st, d);
    if (rc != 0) return rc;
    cJSON *after = NULL;
    rc = run(st,
             "INSERT INTO appeal (unit, indicator, period, claim, submitted_by, submitted_at)"
             " VALUES (?, ?, ?, ?, ?, ?)",
             "tttttt", d, rs->units[u].id, rs->nodes[node].id, period, claim, actor, now);
    if (rc == 0) {
        *id = (long)sqlite3_last_insert_rowid(pg_store_db(st));
        after = get_row(st, "appeal", *id);
        rc = audit(st, actor, "appeal.submit", "appeal", *id, NULL, after, d);
    }
    if (rc == 0) rc = pg_store_commit(st, d);
    if (rc != 0) pg_store_rollback(st);
    cJSON_Delete(after);
    return rc;
}

int pg_appeal_decide(pg_store *st, const pg_ruleset *rs, long id, int uphold, double adjustment,
                     const char *reason, const char *actor, pg_diags *d)
{
    if (required_text(reason, "a reason for the decision", d) != 0) return -EINVAL;
    cJSON *before = get_row(st, "appeal", id), *after = NULL;
    int rc = 0;
    if (!before) {
        pg_error(d, NULL, 0, "there is no appeal #%ld", id);
        return -ENOENT;
    }
    const char *status = jstr(before, "status");
    if (strcmp(status, "open") != 0) {
        pg_error(d, NULL, 0, "appeal #%ld was already decided (%s by %s at %s)", id, status,
                 jstr(before, "decided_by") ? jstr(before, "decided_by") : "?",
                 jstr(before, "decided_at") ? jstr(before, "decided_at") : "?");
        cJSON_Delete(before);
        return -EALREADY;
    }
    if (uphold) {
        int u = pg_unit_find(rs, jstr(before, "unit"));
        int node = pg_strmap_get(&rs->node_ids, jstr(before, "indicator"));
        double max = u >= 0 && node >= 0 ? rs->nodes[node].points[rs->units[u].group] : NAN;
        if (isnan(max)) {
            pg_error(d, NULL, 0,
                     "appeal #%ld: indicator '%s' no longer applies to unit '%s' in the rule set "
                     "'%s'; reject it instead",
                     id, jstr(before, "indicator"), jstr(before, "unit"), rs->id);
            rc = -EINVAL;
        } else if (!(isfinite(adjustment) && adjustment != 0 && fabs(adjustment) <= fabs(max))) {
            char t[2][PG_NUM_BUF];
            pg_error(d, NULL, 0,
                     "adjustment %s: an upheld appeal changes indicator '%s' by some points, not 0 "
                     "and at most its %s",
                     pg_num_text(adjustment, t[0]), jstr(before, "indicator"),
                     pg_num_text(fabs(max), t[1]));
            rc = -EINVAL;
        }
    } else if (adjustment != 0 && !isnan(adjustment)) {
        char t[PG_NUM_BUF];
        pg_error(d, NULL, 0, "adjustment %s: a rejected appeal changes nothing",
                 pg_num_text(adjustment, t));
        rc = -EINVAL;
    }
    char now[32];
    pg_store_now(now);
    if (rc == 0) rc = pg_store_begin(st, d);
    if (rc == 0)
        rc = run(st,
                 "UPDATE appeal SET status = ?, decision = ?, decided_by = ?, decided_at = ?,"
                 " adjustment = ? WHERE id = ? AND status = 'open'",
                 "ttttdl", d, uphold ? "upheld" : "rejected", reason, actor, now,
                 uphold ? adjustment : 0.0, id);
    if (rc == 0 && sqlite3_changes(pg_store_db(st)) != 1) {
        pg_error(d, NULL, 0, "appeal #%ld was decided meanwhile", id);
        rc = -EALREADY;
    }
    if (rc == 0) {
        after = get_row(st, "appeal", id);
        rc = audit(st, actor, "appeal.decide", "appeal", id, before, after, d);
    }
    if (rc == 0) rc = pg_store_commit(st, d);
    if (rc != 0) pg_store_rollback(st);
    cJSON_Delete(before), cJSON_Delete(after);
    return rc;
}

/* --- lists ----------------------------------------------------------------------------- */

static int list(pg_store *st, const char *sql, const pg_review_filter *f, cJSON **out, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st, sql, &s, d);
    if (rc != 0) return rc;
    const char *v[] = {f->unit, f->period, f->status, f->what};
    for (int i = 0; i < 4; i++) sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_STATIC);
    cJSON *arr = cJSON_CreateArray();
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) cJSON_AddItemToArray(arr, row_json(s));
    if (step != SQLITE_DONE) rc = pg_store_fail(st, "listing", d);
    sqlite3_finalize(s);
    if (rc != 0) cJSON_Delete(arr);
    *out = rc == 0 ? arr : NULL;
    return rc;
}

int pg_selfreport_list(pg_store *st, const pg_review_filter *f, cJSON **out, pg_diags *d)
{
    return list(st,
                "SELECT * FROM self_report WHERE (?1 IS NULL OR unit = ?1) AND (?2 IS NULL OR"
                " period = ?2) AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR metric = ?4)"
                " ORDER BY id",
                f, out, d);
}

int pg_score_list(pg_store *st, const pg_review_filter *f, cJSON **out, pg_diags *d)
{
    return list(st,
                "SELECT * FROM evaluator_score WHERE (?1 IS NULL OR unit = ?1) AND (?2 IS NULL OR"
                " period = ?2) AND (CASE COALESCE(?3, 'current') WHEN 'all' THEN 1"
                " WHEN 'current' THEN superseded_by IS NULL WHEN 'superseded' THEN superseded_by"
                " IS NOT NULL ELSE 0 END) AND (?4 IS NULL OR indicator = ?4) ORDER BY id",
                f, out, d);
}

int pg_appeal_list(pg_store *st, const pg_review_filter *f, cJSON **out, pg_diags *d)
{
    return list(st,
                "SELECT * FROM appeal WHERE (?1 IS NULL OR unit = ?1) AND (?2 IS NULL OR"
                " period = ?2) AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR indicator = ?4)"
                " ORDER BY id",
                f, out, d);
}
