/* review.c — self-reports, evidence, evaluator scores and appeals over HTTP
 * (core/record/include/record.h).
 *
 *   POST /api/v1/evidence?name=F            raw body → 201 {"hash", "bytes", "name"}
 *   POST /api/v1/selfreports                {unit, period, metric, value, n?, evidence?|link?,
 * note?} POST /api/v1/selfreports/ID/review      {"status": "accepted"|"rejected", "reason"} GET
 * /api/v1/selfreports                ?unit= &period= &status= &metric= POST /api/v1/scores {unit,
 * period, indicator, score, reason} GET  /api/v1/scores                     ?unit= &period=
 * &indicator= &status=all|superseded POST /api/v1/appeals                    {unit, period,
 * indicator, claim} POST /api/v1/appeals/ID/decision        {"status": "upheld"|"rejected",
 * "adjustment", "reason"} GET  /api/v1/appeals                    ?unit= &period= &status=
 * &indicator=
 *
 * Roles: a unit token submits self-reports and appeals for its own unit only (another unit is
 * 403, naming its own), cites only evidence it uploaded itself, and lists only its own records;
 * reviews, scores and decisions are evaluators' and admins'; a viewer reads none of this. Each
 * write is checked against the rule set of its period's year and is one short transaction with its
 * audit entry, run on the loop thread (WAL, synchronous FULL: a few milliseconds). A change that
 * moves numbers (an accepted self-report, a score, an upheld appeal) bumps the data version and
 * re-scores what was evaluated of the periods that read its metric or indicator in its period
 * (touch.c). Errors: 422 bad input (what and why), 404 no such record or rule
 * set, 409 already decided. */
#include "call.h"
#include "reply.h"
#include "base.h"
#include "record.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int status_of(int rc)
{
    return rc == -EINVAL ? 422 : rc == -ENOENT ? 404 : rc == -EALREADY ? 409 : 500;
}

static void fail(pg_http_req *req, int rc, const char *what, pg_diags *d)
{
    const char *msg = d->n ? d->v[0].msg : what;
    for (int i = 0; i < d->n; i++)
        if (d->v[i].sev == PG_ERROR) {
            msg = d->v[i].msg;
            break;
        }
    pg_reply_error(req, status_of(rc), "%s", msg);
}

/* The rule set governing `period`'s year, or NULL after answering. */
static const pg_ruleset *rules_for(pg_call *c, const char *period)
{
    int code = period ? pg_period_parse(period) : -1;
    if (code < 0) {
        pg_reply_error(c->req, 422, "period '%s' is not YYYY-MM (a month) or YYYY (a year)",
                       period ? period : "");
        return NULL;
    }
    pg_gen *g = pg_host_gen_for(c->h, code);
    if (!g) {
        pg_reply_error(c->req, 404, "period %s: no rule set for %d is loaded", period,
                       pg_period_year(code));
        return NULL;
    }
    return g->rs;
}

/* For a unit token: the unit a body names must be its own (absent means its own). Returns the
 * unit to use, or NULL after answering 403. */
static const char *own_unit(pg_call *c, const pg_ruleset *rs, const char *unit)
{
    if (c->tok->role != PG_ROLE_UNIT) return unit;
    if (!unit) return c->tok->unit;
    int u = pg_unit_find(rs, unit);
    if (u < 0 || strcmp(rs->units[u].id, c->tok->unit) != 0) {
        pg_reply_error(c->req, 403, "this token is bound to unit '%s'; it may not act for '%s'",
                       c->tok->unit, unit);
        return NULL;
    }
    return c->tok->unit;
}

static double body_number(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static long path_id(pg_call *c)
{
    char *end;
    long id = strtol(c->seg[3], &end, 10);
    if (*end || id <= 0) {
        pg_reply_error(c->req, 404, "'%s' is not a record id", c->seg[3]);
        return -1;
    }
    return id;
}

/* A decision moved the value of `metric` (a self-report) or the points of `node` (a score, an
 * appeal) in `period` (as the record holds it: YYYY-MM or YYYY). */
static void changed(pg_call *c, const char *metric, const char *node, const char *period)
{
    int code = period ? pg_period_parse(period) : -1;
    pg_data_change ch = {.metric = metric, .node = node, .period = code, .everything = code < 0};
    c->h->data_version++;
    pg_rescore_data(c->h, &ch, "data");
}

/* changed() for the record `rec` (JSON: its "period" and `key`, the metric or indicator). */
static void changed_record(pg_call *c, const cJSON *rec, const char *key, int is_metric)
{
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, key));
    const char *period = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "period"));
    if (!id) period = NULL; /* unreadable: every period */
    changed(c, is_metric ? id : NULL, is_metric ? NULL : id, period);
}

/* --- evidence -------------------------------------------------------------------------- */

/* An upload of up to the body limit is hashed, written and flushed off the loop thread, on a
 * store connection of its own; the request's body stays put until it is answered. */
typedef struct {
    pg_job job;
    pg_http_req *req;
    char *datadir, *name, *unit; /* unit: the uploading unit token's, which owns the file */
    char actor[96], hash[65];
    int rc;
    pg_diags d;
} evidence_job;

static void store_evidence(pg_job *j)
{
    evidence_job *x = (evidence_job *)j;
    pg_store *st = NULL;
    x->rc = pg_store_open(x->datadir, &st, &x->d);
    if (x->rc == 0)
        x->rc = pg_evidence_put(st, x->datadir, x->name, x->req->body, x->req->body_len, x->actor,
                                x->unit, x->hash, &x->d);
    pg_store_close(st);
}

static void stored_evidence(pg_job *j)
{
    evidence_job *x = (evidence_job *)j;
    if (j->error) {
        pg_reply_error(x->req, 500, "%s", j->error);
    } else if (x->rc != 0) {
        fail(x->req, x->rc, "the evidence was not stored", &x->d);
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "hash", x->hash);
        cJSON_AddNumberToObject(o, "bytes", (double)x->req->body_len);
        cJSON_AddStringToObject(o, "name", x->name);
        pg_reply_json(x->req, 201, o);
    }
    pg_diags_free(&x->d);
    free(x->datadir), free(x->name), free(x->unit), free(x);
}

static void post_evidence(pg_call *c)
{
    char *name = pg_http_query_param(c->req, "name");
    if (!name) {
        pg_reply_error(c->req, 400, "which file? POST /api/v1/evidence?name=证明材料.pdf");
        return;
    }
    if (pg_host_refuse_stuck(c->h, c->req, NULL)) {
        free(name);
        return;
    }
    evidence_job *x = pg_xcalloc(1, sizeof *x);
    x->req = c->req;
    x->name = name;
    x->datadir = pg_xstrdup(c->h->cfg.data_dir);
    if (c->tok->role == PG_ROLE_UNIT) x->unit = pg_xstrdup(c->tok->unit);
    pg_call_actor(c, x->actor);
    x->job.work = store_evidence;
    x->job.what = "evidence";
    x->job.done = stored_evidence;
    pg_pool_submit(c->h->pool, &x->job);
}

/* --- self-reports ---------------------------------------------------------------------- */

static void post_selfreport(pg_call *c)
{
    cJSON *j = pg_call_body(c);
    if (!j) return;
    pg_selfreport_in in = {
        .unit = pg_call_body_string(j, "unit"),
        .period = pg_call_body_string(j, "period"),
        .metric = pg_call_body_string(j, "metric"),
        .value = body_number(j, "value"),
        .n = body_number(j, "n"),
        .evidence = pg_call_body_string(j, "evidence"),
        .link = pg_call_body_string(j, "link"),
        .note = pg_call_body_string(j, "note"),
        .own = c->tok->role == PG_ROLE_UNIT,
    };
    const pg_ruleset *rs = rules_for(c, in.period);
    pg_diags d = {0};
    if (rs && (in.unit = own_unit(c, rs, in.unit)) != NULL) {
        char actor[96];
        long id = 0;
        int rc = isnan(in.value)
                     ? (pg_error(&d, NULL, 0, "value is required (a number)"), -EINVAL)
                     : pg_selfreport_submit(c->h->store, rs, &in, pg_call_actor(c, actor), &id, &d);
        if (rc != 0)
            fail(c->req, rc, "the self-report was refused", &d);
        else
            pg_reply_json(c->req, 201, pg_selfreport_get(c->h->store, id));
    }
    pg_diags_free(&d);
    cJSON_Delete(j);
}

static void post_selfreport_review(pg_call *c)
{
    long id = path_id(c);
    if (id < 0) return;
    cJSON *j = pg_call_body(c);
    if (!j) return;
    const char *status = pg_call_body_string(j, "status");
    pg_diags d = {0};
    char actor[96];
    if (!status || (strcmp(status, "accepted") != 0 && strcmp(status, "rejected") != 0)) {
        pg_reply_error(c->req, 422,
                       "expected {\"status\": \"accepted\" or \"rejected\", \"reason\": \"…\"}");
    } else {
        int accept = strcmp(status, "accepted") == 0;
        int rc = pg_selfreport_review(c->h->store, id, accept, pg_call_body_string(j, "reason"),
                                      pg_call_actor(c, actor), &d);
        if (rc != 0)
            fail(c->req, rc, "the review was refused", &d);
        else {
            cJSON *rec = pg_selfreport_get(c->h->store, id);
            if (accept) changed_record(c, rec, "metric", 1);
            pg_reply_json(c->req, 200, rec);
        }
    }
    pg_diags_free(&d);
    cJSON_Delete(j);
}

/* The filters of a list from the query; a unit token's are pinned to its unit. The period is
 * read as one (a 400 names it), so that a mistyped one is not an empty list. */
typedef struct {
    char *v[3];
    char period[PG_PERIOD_BUF];
    pg_review_filter f;
} filters;

/* 0, or -1 after answering 400. */
static int read_filters(pg_call *c, filters *fl, const char *what)
{
    const char *period = NULL;
    if (pg_call_query_period(c, "period", fl->period, &period) < 0) return -1;
    fl->v[0] = c->tok->role == PG_ROLE_UNIT ? pg_xstrdup(c->tok->unit)
                                            : pg_http_query_param(c->req, "unit");
    fl->v[1] = pg_http_query_param(c->req, "status");
    fl->v[2] = pg_http_query_param(c->req, what);
    fl->f = (pg_review_filter){fl->v[0], period, fl->v[1], fl->v[2]};
    return 0;
}

static void answer_list(pg_call *c, const char *what,
                        int (*fn)(pg_store *, const pg_review_filter *, cJSON **, pg_diags *))
{
    filters fl;
    if (read_filters(c, &fl, what) != 0) return;
    pg_diags d = {0};
    cJSON *arr = NULL;
    if (fn(c->h->store, &fl.f, &arr, &d) != 0)
        pg_reply_diags(c->req, 500, "cannot read the store", &d, 5);
    else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "records", arr);
        pg_reply_json(c->req, 200, o);
    }
    for (int i = 0; i < 3; i++) free(fl.v[i]);
    pg_diags_free(&d);
}

static void get_selfreports(pg_call *c)
{
    answer_list(c, "metric", pg_selfreport_list);
}

/* --- scores ---------------------------------------------------------------------------- */

static void post_score(pg_call *c)
{
    cJSON *j = pg_call_body(c);
    if (!j) return;
    const char *period = pg_call_body_string(j, "period");
    const pg_ruleset *rs = rules_for(c, period);
    pg_diags d = {0};
    if (rs) {
        char actor[96];
        long id = 0;
        double score = body_number(j, "score");
        int rc = isnan(score) ? (pg_error(&d, NULL, 0, "score is required (a number)"), -EINVAL)
                              : pg_score_set(c->h->store, rs, pg_call_body_string(j, "unit"),
                                             period, pg_call_body_string(j, "indicator"), score,
                                             pg_call_body_string(j, "reason"),
                                             pg_call_actor(c, actor), &id, &d);
        if (rc != 0)
            fail(c->req, rc, "the score was refused", &d);
        else {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "id", (double)id);
            pg_reply_json(c->req, 201, o);
            changed(c, NULL, pg_call_body_string(j, "indicator"), period);
        }
    }
    pg_diags_free(&d);
    cJSON_Delete(j);
}

static void get_scores(pg_call *c)
{
    answer_list(c, "indicator", pg_score_list);
}

/* --- appeals --------------------------------------------------------------------------- */

static void post_appeal(pg_call *c)
{
    cJSON *j = pg_call_body(c);
    if (!j) return;
    const char *period = pg_call_body_string(j, "period");
    const pg_ruleset *rs = rules_for(c, period);
    const char *unit = rs ? own_unit(c, rs, pg_call_body_string(j, "unit")) : NULL;
    pg_diags d = {0};
    if (unit) {
        char actor[96];
        long id = 0;
        int rc =
            pg_appeal_submit(c->h->store, rs, unit, period, pg_call_body_string(j, "indicator"),
                             pg_call_body_string(j, "claim"), pg_call_actor(c, actor), &id, &d);
        if (rc != 0)
            fail(c->req, rc, "the appeal was refused", &d);
        else
            pg_reply_json(c->req, 201, pg_appeal_get(c->h->store, id));
    }
    pg_diags_free(&d);
    cJSON_Delete(j);
}

static void post_appeal_decision(pg_call *c)
{
    long id = path_id(c);
    if (id < 0) return;
    cJSON *appeal = pg_appeal_get(c->h->store, id);
    if (!appeal) {
        pg_reply_error(c->req, 404, "there is no appeal #%ld", id);
        return;
    }
    cJSON *j = pg_call_body(c);
    const pg_ruleset *rs =
        j ? rules_for(c, cJSON_GetObjectItemCaseSensitive(appeal, "period")->valuestring) : NULL;
    const char *status = j ? pg_call_body_string(j, "status") : NULL;
    pg_diags d = {0};
    if (rs && (!status || (strcmp(status, "upheld") != 0 && strcmp(status, "rejected") != 0))) {
        pg_reply_error(c->req, 422,
                       "expected {\"status\": \"upheld\" or \"rejected\", \"adjustment\": points "
                       "(when upheld), \"reason\": \"…\"}");
    } else if (rs) {
        char actor[96];
        int uphold = strcmp(status, "upheld") == 0;
        double adj = body_number(j, "adjustment");
        if (!uphold && isnan(adj)) adj = 0;
        int rc = pg_appeal_decide(c->h->store, rs, id, uphold, adj,
                                  pg_call_body_string(j, "reason"), pg_call_actor(c, actor), &d);
        if (rc != 0)
            fail(c->req, rc, "the decision was refused", &d);
        else {
            cJSON *rec = pg_appeal_get(c->h->store, id);
            if (uphold) changed_record(c, rec, "indicator", 0);
            pg_reply_json(c->req, 200, rec);
        }
    }
    pg_diags_free(&d);
    cJSON_Delete(j);
    cJSON_Delete(appeal);
}

static void get_appeals(pg_call *c)
{
    answer_list(c, "indicator", pg_appeal_list);
}

const pg_route pg_review_routes[] = {
    {PG_HTTP_POST, "evidence", PG_ROLES_STAFF | PG_ROLES_UNIT, post_evidence},
    {PG_HTTP_POST, "selfreports", PG_ROLES_STAFF | PG_ROLES_UNIT, post_selfreport},
    {PG_HTTP_POST, "selfreports/*/review", PG_ROLES_STAFF, post_selfreport_review},
    {PG_HTTP_GET, "selfreports", PG_ROLES_STAFF | PG_ROLES_UNIT, get_selfreports},
    {PG_HTTP_POST, "scores", PG_ROLES_STAFF, post_score},
    {PG_HTTP_GET, "scores", PG_ROLES_STAFF | PG_ROLES_UNIT, get_scores},
    {PG_HTTP_POST, "appeals", PG_ROLES_STAFF | PG_ROLES_UNIT, post_appeal},
    {PG_HTTP_POST, "appeals/*/decision", PG_ROLES_STAFF, post_appeal_decision},
    {PG_HTTP_GET, "appeals", PG_ROLES_STAFF | PG_ROLES_UNIT, get_appeals},
    {0, NULL, 0, NULL},
};
