/* publish.c — bulletins over HTTP: publishing (and correcting) off the loop, and reading the
 * published record by role (see publish_api.h for the routes).
 *
 * A publish is a pool job on the generation that governs the period (a month's own, so a
 * correction of June uses June's rules after a change effective from July; a year's current
 * one, with an annual composite's earlier months under their own generations, months.h): it
 * opens its own store connection, loads the data directory as it is now, evaluates on the job's
 * rule set (loaded from the generation's snapshot, whose hash the run records), and writes the run,
 * the bulletin and the audit entry in one transaction (core/record/include/record.h) before the 201
 * goes out. The final documents are then written to DATA/bulletins/<scheme>-<period>-r<N>/ once,
 * beside the drafts the scheduled cut-offs keep replacing. The evaluation is always made afresh in
 * the job: it is by construction the current result of the rules and data being served, and the
 * frozen inputs are exactly what it read.
 *
 * Reads run on the loop thread against h->store (indexed lookups; WAL lets them run beside a
 * writer). Every body comes from the frozen result in the store, never from a re-evaluation,
 * so what a bulletin says cannot move when the rules or the data do. */
#include "publish_api.h"

#include "months.h"
#include "report.h"
#include "record.h"
#include "log.h"
#include "base.h"
#include "render.h"
#include "reply.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    pg_job job;
    pg_host *h;
    pg_http_req *req;
    char *datadir, *scheme, *reason;
    char actor[96];
    int period;
    int rc;
    pg_mix *mix; /* an annual composite's months under other generations (months.h), or NULL */
    cJSON *answer;
    pg_diags d;
} publish_job;

/* --- publishing ------------------------------------------------------------------------ */

static void publish(pg_job *j)
{
    publish_job *x = (publish_job *)j;
    const pg_ruleset *rs = j->rs;
    pg_store *st = NULL;
    pg_dataset *ds = NULL;
    pg_publish_out out = {0};
    int s = pg_strmap_get(&rs->scheme_ids, x->scheme);
    if (s < 0) {
        pg_error(&x->d, NULL, 0, "revision %.12s has no scheme '%s'", rs->revision, x->scheme);
        x->rc = -ENOENT;
        return;
    }
    if ((x->mix && (x->rc = pg_mix_begin(x->mix, rs, x->datadir, j->deadline_ms, &x->d)) != 0) ||
        (x->rc = pg_datadir_load(rs, x->datadir, &ds, &x->d)) != 0 ||
        (x->rc = pg_store_open(x->datadir, &st, &x->d)) != 0)
        goto done;
    pg_publish_in in = {x->datadir, rs,    j->gen->content, ds,        s,
                        x->period,  "api", x->actor,        x->reason, x->mix != NULL};
    if ((x->rc = pg_publish(st, &in, &out, &x->d)) != 0) goto done;
    char pbuf[PG_PERIOD_BUF];
    char *docs =
        pg_publish_docs_dir(x->datadir, x->scheme, pg_period_format(x->period, pbuf), out.revision);
    pg_diags dd = {0}; /* the bulletin is published whatever happens to its documents */
    pg_bl_issue issue = pg_publish_issue(&out);
    int drc = pg_bulletin_write_dir(out.res, ds, &issue, docs, 0, &dd);
    if (drc != 0)
        pg_log(PG_LOG_ERROR, "publish", "documents", docs, "error",
               dd.n ? dd.v[dd.n - 1].msg : "cannot write them", NULL);
    pg_diags_free(&dd);
    x->answer = cJSON_CreateObject();
    cJSON_AddItemToObject(x->answer, "bulletin", out.bulletin);
    out.bulletin = NULL;
    if (drc == 0)
        cJSON_AddStringToObject(x->answer, "documents", docs);
    else
        cJSON_AddNullToObject(x->answer, "documents");
    free(docs);
done:
    pg_publish_out_free(&out);
    pg_mix_end(x->mix); /* after the result, whose months borrow the mix's rule sets */
    pg_store_close(st);
    pg_dataset_free(ds);
}

static void published(pg_job *j)
{
    publish_job *x = (publish_job *)j;
    if (j->error) {
        pg_error(&x->d, NULL, 0, "%s", j->error);
        x->rc = -EIO;
    }
    if (x->rc == 0) {
        const cJSON *b = cJSON_GetObjectItem(x->answer, "bulletin");
        char rev[16];
        snprintf(rev, sizeof rev, "%d", cJSON_GetObjectItem(b, "revision")->valueint);
        pg_log(PG_LOG_INFO, "publish", "scheme", x->scheme, "period",
               cJSON_GetObjectItem(b, "period")->valuestring, "revision", rev, "actor", x->actor,
               NULL);
        pg_reply_json(x->req, 201, x->answer);
    } else {
        int status = x->rc == -ENOENT                       ? 404
                     : x->rc == -EINVAL                     ? 400
                     : x->rc == -EEXIST || x->rc == -EAGAIN ? 409
                                                            : 500;
        pg_log(PG_LOG_WARN, "publish", "scheme", x->scheme, "result", "refused", "error",
               x->d.n ? x->d.v[0].msg : NULL, NULL);
        pg_reply_diags(x->req, status, "not published", &x->d, 20);
    }
    pg_diags_free(&x->d);
    pg_mix_free(x->mix);
    free(x->datadir), free(x->scheme), free(x->reason), free(x);
}

/* POST /api/v1/bulletins {"scheme": "monthly", "period": "2021-05", "reason": "…"} */
static void post_bulletin(pg_call *c)
{
    cJSON *j = pg_call_body(c);
    if (!j) return;
    const char *s = pg_call_body_string(j, "scheme"), *p = pg_call_body_string(j, "period");
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(j, "reason");
    int period = p ? pg_period_parse(p) : -1;
    /* a month (a correction too) is published under the rules in force in it */
    const pg_gen *g = period >= 0 ? pg_host_gen_for(c->h, period) : NULL;
    int sc = g && s ? pg_strmap_get(&g->rs->scheme_ids, s) : -1;

    if (!s || !p || (reason && !cJSON_IsString(reason) && !cJSON_IsNull(reason))) {
        pg_reply_error(c->req, 400,
                       "expected {\"scheme\": \"…\", \"period\": \"YYYY-MM or YYYY\"[, \"reason\": "
                       "\"why, for a correction\"]}");
    } else if (period < 0) {
        pg_reply_error(c->req, 400, "period '%s': expected YYYY-MM or YYYY", p);
    } else if (!g) {
        pg_reply_error(c->req, 404, "no rule set is loaded for %d", pg_period_year(period));
    } else if (sc < 0) {
        pg_reply_error(c->req, 404, "no scheme '%s' in the rules for %d", s,
                       pg_period_year(period));
    } else if (pg_period_is_year(period) != (g->rs->schemes[sc].period == PG_PERIOD_YEAR)) {
        pg_reply_error(c->req, 400, "period '%s': scheme '%s' is evaluated by %s", p, s,
                       pg_period_is_year(period) ? "sampling month (YYYY-MM)" : "year (YYYY)");
    } else if (c->h->stopping) {
        pg_reply_error(c->req, 503, "the host is shutting down");
    } else if (pg_host_refuse_stuck(c->h, c->req, NULL)) {
    } else {
        publish_job *x = pg_xcalloc(1, sizeof *x);
        x->h = c->h;
        x->req = c->req;
        x->datadir = pg_xstrdup(c->h->cfg.data_dir);
        x->scheme = pg_xstrdup(s);
        x->reason = cJSON_IsString(reason) ? pg_xstrdup(reason->valuestring) : NULL;
        x->period = period;
        pg_call_actor(c, x->actor);
        x->job.gen = pg_gen_ref((pg_gen *)g);
        x->mix = pg_mix_new(c->h, sc, period);
        x->job.work = publish;
        x->job.done = published;
        x->job.deadline_ms = c->h->cfg.job_deadline_ms;
        x->job.what = "publication";
        pg_pool_submit(c->h->pool, &x->job);
    }
    cJSON_Delete(j);
}

/* --- reading --------------------------------------------------------------------------- */

/* What a role sees of a frozen result: a viewer the rankings, a unit the rankings and its own
 * breakdown, staff everything. */
static void filter_result(const pg_call *c, cJSON *result)
{
    if (c->tok->role == PG_ROLE_VIEWER) {
        cJSON_DeleteItemFromObjectCaseSensitive(result, "units");
        return;
    }
    if (c->tok->role != PG_ROLE_UNIT) return;
    cJSON *units = cJSON_GetObjectItemCaseSensitive(result, "units");
    for (cJSON *u = units ? units->child : NULL; u;) {
        cJSON *next = u->next;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(u, "unit");
        if (!cJSON_IsString(id) || !c->tok->unit || strcmp(id->valuestring, c->tok->unit) != 0)
            cJSON_Delete(cJSON_DetachItemViaPointer(units, u));
        u = next;
    }
}

/* A period as given in a path, in the stored form, or NULL after answering 400 (a query's is
 * call.c's pg_call_query_period). */
static const char *period_arg(pg_call *c, const char *p, char buf[PG_PERIOD_BUF])
{
    int code = pg_period_parse(p);
    if (code < 0) {
        pg_reply_error(c->req, 400, "period '%s': expected YYYY-MM or YYYY", p);
        return NULL;
    }
    return pg_period_format(code, buf);
}

static void get_bulletins(pg_call *c)
{
    char buf[PG_PERIOD_BUF];
    const char *period = NULL;
    if (pg_call_query_period(c, "period", buf, &period) < 0) return; /* answered 400 */
    char *s = pg_http_query_param(c->req, "scheme");
    pg_diags d = {0};
    cJSON *list = NULL;
    if (pg_publish_list(c->h->store, s, period, &list, &d) != 0) {
        pg_reply_diags(c->req, 500, "cannot read the bulletins", &d, 5);
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "bulletins", list);
        pg_reply_json(c->req, 200, o);
    }
    free(s);
    pg_diags_free(&d);
}

/* GET /api/v1/bulletins/{scheme}/{period}[/{revision}] */
static void get_bulletin(pg_call *c)
{
    char buf[PG_PERIOD_BUF];
    const char *period = period_arg(c, c->seg[4], buf);
    if (!period) return;
    int revision = 0;
    if (c->nseg == 6) {
        char *end;
        long r = strtol(c->seg[5], &end, 10);
        if (*end || r <= 0 || r > 1000000) {
            pg_reply_error(c->req, 400, "revision '%s': expected 1, 2, …", c->seg[5]);
            return;
        }
        revision = (int)r;
    }
    pg_diags d = {0};
    cJSON *b = NULL, *revs = NULL, *result = NULL;
    int rc = pg_publish_find(c->h->store, c->seg[3], period, revision, &b, &d);
    if (rc == 0) rc = pg_publish_list(c->h->store, c->seg[3], period, &revs, &d);
    if (rc == 0)
        rc = pg_frozen_result(c->h->store, (long)cJSON_GetObjectItem(b, "id")->valuedouble, &result,
                              &d);
    if (rc == -ENOENT && !b) {
        if (revision)
            pg_reply_error(c->req, 404, "%s %s has no revision %d (GET /api/v1/bulletins/%s/%s)",
                           c->seg[3], period, revision, c->seg[3], period);
        else
            pg_reply_error(c->req, 404, "no bulletin of %s %s is published", c->seg[3], period);
    } else if (rc != 0) {
        pg_reply_diags(c->req, 500, "cannot read the bulletin", &d, 5);
    } else {
        filter_result(c, result);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "bulletin", b);
        cJSON_AddItemToObject(o, "revisions", revs);
        cJSON_AddItemToObject(o, "result", result);
        b = revs = result = NULL;
        pg_reply_json(c->req, 200, o);
    }
    cJSON_Delete(b), cJSON_Delete(revs), cJSON_Delete(result);
    pg_diags_free(&d);
}

/* GET /api/v1/runs/{id}: {"run": …, "inputs": …, "result": …}, the stored texts spliced in as
 * they are (no parse and print of a large result). */
static void get_run(pg_call *c)
{
    char *end;
    long id = strtol(c->seg[3], &end, 10);
    if (*end || id <= 0) {
        pg_reply_error(c->req, 400, "run '%s': expected a run id (a number)", c->seg[3]);
        return;
    }
    pg_diags d = {0};
    pg_run r = {0};
    char *inputs = NULL, *result = NULL;
    int rc = pg_run_get(c->h->store, id, &r, &d);
    if (rc == 0) rc = pg_store_blob_get(c->h->store, r.inputs, &inputs, NULL, &d);
    if (rc == 0) rc = pg_store_blob_get(c->h->store, r.result, &result, NULL, &d);
    if (rc == -ENOENT && !r.id) {
        pg_reply_error(c->req, 404, "no run %ld", id);
    } else if (rc != 0) {
        pg_reply_diags(c->req, 500, "cannot read the run", &d, 5);
    } else {
        cJSON *rj = pg_run_json(&r);
        char *run = cJSON_PrintUnformatted(rj);
        cJSON_Delete(rj);
        size_t rl = strlen(run), il = strlen(inputs), tl = strlen(result);
        pg_blob *b = pg_blob_new(NULL, rl + il + tl + 32);
        int n = snprintf(b->data, b->len + 1, "{\"run\":%s,\"inputs\":%s,\"result\":%s}", run,
                         inputs, result);
        b->len = (size_t)n;
        pg_reply_send(c->req, 200, "application/json", NULL, b);
        pg_blob_unref(b);
        cJSON_free(run);
    }
    pg_run_clear(&r);
    free(inputs), free(result);
    pg_diags_free(&d);
}

void pg_runs_list(pg_call *c)
{
    char buf[PG_PERIOD_BUF];
    const char *period = NULL;
    long limit = 0;
    if (pg_call_query_period(c, "period", buf, &period) < 0 ||
        pg_call_query_int(c, "limit", 1, INT_MAX, &limit) < 0)
        return; /* answered 400 */
    char *s = pg_http_query_param(c->req, "scheme");
    pg_diags d = {0};
    cJSON *list = NULL;
    if (pg_run_list(c->h->store, s, period, (int)limit, &list, &d) != 0) {
        pg_reply_diags(c->req, 500, "cannot read the runs", &d, 5);
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "runs", list);
        pg_reply_json(c->req, 200, o);
    }
    free(s);
    pg_diags_free(&d);
}

const pg_route pg_publish_routes[] = {
    {PG_HTTP_POST, "bulletins", PG_ROLES_STAFF, post_bulletin},
    {PG_HTTP_GET, "bulletins", PG_ROLES_ANY, get_bulletins},
    {PG_HTTP_GET, "bulletins/*/*", PG_ROLES_ANY, get_bulletin},
    {PG_HTTP_GET, "bulletins/*/*/*", PG_ROLES_ANY, get_bulletin},
    {PG_HTTP_GET, "runs/*", PG_ROLES_STAFF, get_run},
    {0, NULL, 0, NULL},
};
