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
 * Reads: every body comes from the frozen result in the store, never from a re-evaluation, so
 * what a bulletin says cannot move when the rules or the data do. A bulletin is stored with the
 * parts its readers ask for (core/record, schema 8): a viewer's read is its head, a unit's the
 * head and the unit's own part, `?part=summary`, `?group=G` and `?unit=U` one part each. Those
 * run on the loop thread against h->store (indexed lookups and a zstd frame of the reader's
 * size; WAL lets them run beside a writer) and splice the stored texts; nothing is parsed. The
 * whole result (staff's read, and GET /runs/N) is read and spliced by a pool job, never on the
 * loop: at 3,003 units it is 85 MB. A bulletin published before the parts existed is read whole:
 * by that job for staff, and on the loop (parsed and filtered, as before) for a viewer or unit. */
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

/* A read of stored texts off the loop: the whole result of a bulletin (`bulletin` > 0, spliced
 * after `head`) or a run with its inputs and result (`run` > 0). */
typedef struct {
    pg_job job;
    pg_http_req *req;
    char *datadir, *head; /* head: the answer's text before "result" (a bulletin's) */
    long bulletin, run;
    int rc;
    pg_blob *body;
    pg_diags d;
} read_job;

static pg_blob *splice(const char *const *texts, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++) len += strlen(texts[i]);
    pg_blob *b = pg_blob_new(NULL, len);
    char *p = b->data;
    for (int i = 0; i < n; i++) {
        size_t k = strlen(texts[i]);
        memcpy(p, texts[i], k), p += k;
    }
    *p = 0;
    return b;
}

static void read_whole(pg_job *j)
{
    read_job *x = (read_job *)j;
    pg_store *st = NULL;
    char *result = NULL, *inputs = NULL, *run = NULL;
    pg_run r = {0};
    if ((x->rc = pg_store_open(x->datadir, &st, &x->d)) != 0) goto done;
    if (x->bulletin) {
        if ((x->rc = pg_frozen_result_text(st, x->bulletin, &result, NULL, &x->d)) != 0) goto done;
        const char *t[] = {x->head, result, "}"};
        x->body = splice(t, 3);
    } else {
        if ((x->rc = pg_run_get(st, x->run, &r, &x->d)) != 0 ||
            (x->rc = pg_store_blob_get(st, r.inputs, &inputs, NULL, &x->d)) != 0 ||
            (x->rc = pg_store_blob_get(st, r.result, &result, NULL, &x->d)) != 0)
            goto done;
        cJSON *rj = pg_run_json(&r);
        run = cJSON_PrintUnformatted(rj);
        cJSON_Delete(rj);
        const char *t[] = {"{\"run\":", run, ",\"inputs\":", inputs, ",\"result\":", result, "}"};
        x->body = splice(t, 7);
    }
done:
    if (x->rc == -ENOENT && x->run && !r.id) pg_diags_free(&x->d); /* said by the reply */
    pg_run_clear(&r);
    cJSON_free(run);
    free(result), free(inputs);
    pg_store_close(st);
}

static void read_done(pg_job *j)
{
    read_job *x = (read_job *)j;
    if (j->error) {
        pg_error(&x->d, NULL, 0, "%s", j->error);
        x->rc = -EIO;
    }
    if (x->rc == 0)
        pg_reply_send(x->req, 200, "application/json", NULL, x->body);
    else if (x->rc == -ENOENT && x->run && x->d.n == 0)
        pg_reply_error(x->req, 404, "no run %ld", x->run);
    else
        pg_reply_diags(x->req, 500, x->run ? "cannot read the run" : "cannot read the bulletin",
                       &x->d, 5);
    pg_blob_unref(x->body);
    pg_diags_free(&x->d);
    free(x->datadir), free(x->head), free(x);
}

static void read_submit(pg_call *c, long bulletin, long run, char *head)
{
    if (c->h->stopping) {
        pg_reply_error(c->req, 503, "the host is shutting down");
        free(head);
        return;
    }
    if (pg_host_refuse_stuck(c->h, c->req, NULL)) {
        free(head);
        return;
    }
    read_job *x = pg_xcalloc(1, sizeof *x);
    x->req = c->req;
    x->datadir = pg_xstrdup(c->h->cfg.data_dir);
    x->head = head;
    x->bulletin = bulletin, x->run = run;
    x->job.work = read_whole;
    x->job.done = read_done;
    x->job.what = "read";
    pg_pool_submit(c->h->pool, &x->job);
}

/* The query of a bulletin read: which part, or 0 for the reader's whole view. */
enum { PART_VIEW, PART_SUMMARY, PART_GROUP, PART_UNIT };

/* Answers a read of a bulletin stored in parts from those parts, spliced after `head` (the
 * answer's text up to "result"); 1 when answered, 0 when the bulletin has no parts (published
 * before them). */
static int answer_parts(pg_call *c, long id, int want, const char *key, const char *head)
{
    pg_diags d = {0};
    char *view = NULL, *part = NULL;
    int rc = pg_bulletin_part(c->h->store, id, "head", NULL, &view, NULL, &d);
    if (rc == -ENOENT) return 0;
    if (rc == 0 && want == PART_SUMMARY) {
        free(view), view = NULL;
        rc = pg_bulletin_part(c->h->store, id, "summary", NULL, &part, NULL, &d);
    } else if (rc == 0 && want != PART_VIEW) {
        free(view), view = NULL;
        rc = pg_bulletin_part(c->h->store, id, want == PART_GROUP ? "group" : "unit", key, &part,
                              NULL, &d);
    } else if (rc == 0 && c->tok->role == PG_ROLE_UNIT && c->tok->unit) {
        rc = pg_bulletin_part(c->h->store, id, "unit", c->tok->unit, &part, NULL, &d);
        if (rc == -ENOENT) rc = 0; /* a unit this bulletin does not rank: the rankings only */
    }
    pg_blob *b = NULL;
    if (rc == -ENOENT) {
        pg_reply_error(c->req, 404, "this bulletin has no %s '%s'",
                       want == PART_GROUP ? "group" : "unit", key);
    } else if (rc != 0) {
        pg_reply_diags(c->req, 500, "cannot read the bulletin", &d, 5);
    } else if (want == PART_VIEW && c->tok->role != PG_ROLE_UNIT) {
        const char *t[] = {head, view, "}"};
        b = splice(t, 3);
    } else if (want == PART_VIEW) {
        /* the head is an object: the unit's part goes in as "units", its last member, as the
         * whole result's filtered to the unit would have it (empty for a unit not in it) */
        size_t n = strlen(view);
        if (n && view[n - 1] == '}') view[n - 1] = 0;
        const char *t[] = {head, view, ",\"units\":[", part ? part : "", "]}}"};
        b = splice(t, 5);
    } else {
        /* head ends with "result": — the part is named by what was asked instead */
        char *h2 = pg_xstrdup(head);
        h2[strlen(head) - strlen("\"result\":")] = 0;
        const char *t[] = {h2,
                           want == PART_SUMMARY ? "\"summary\":"
                           : want == PART_GROUP ? "\"group\":"
                                                : "\"unit\":",
                           part, "}"};
        b = splice(t, 4);
        free(h2);
    }
    if (b) pg_reply_send(c->req, 200, "application/json", NULL, b);
    pg_blob_unref(b);
    free(view), free(part);
    pg_diags_free(&d);
    return 1;
}

/* GET /api/v1/bulletins/{scheme}/{period}[/{revision}][?part=summary | ?group=G | ?unit=U] */
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
    char *part = pg_http_query_param(c->req, "part"), *group = pg_http_query_param(c->req, "group"),
         *unit = pg_http_query_param(c->req, "unit");
    int want = PART_VIEW;
    const char *key = NULL;
    if ((part != NULL) + (group != NULL) + (unit != NULL) > 1 ||
        (part && strcmp(part, "summary") != 0)) {
        pg_reply_error(c->req, 400,
                       "expected one of ?part=summary, ?group=GROUP or ?unit=UNIT (or none: the "
                       "whole bulletin as your role sees it)");
        goto out;
    }
    if (part) want = PART_SUMMARY;
    if (group) want = PART_GROUP, key = group;
    if (unit) want = PART_UNIT, key = unit;
    if (unit &&
        (c->tok->role == PG_ROLE_VIEWER ||
         (c->tok->role == PG_ROLE_UNIT && (!c->tok->unit || strcmp(c->tok->unit, unit) != 0)))) {
        pg_reply_error(c->req, 403, "a unit's breakdown is for the unit and staff only");
        goto out;
    }

    pg_diags d = {0};
    cJSON *b = NULL, *revs = NULL, *result = NULL;
    int rc = pg_publish_find(c->h->store, c->seg[3], period, revision, &b, &d);
    if (rc == 0) rc = pg_publish_list(c->h->store, c->seg[3], period, &revs, &d);
    if (rc == -ENOENT && !b) {
        if (revision)
            pg_reply_error(c->req, 404, "%s %s has no revision %d (GET /api/v1/bulletins/%s/%s)",
                           c->seg[3], period, revision, c->seg[3], period);
        else
            pg_reply_error(c->req, 404, "no bulletin of %s %s is published", c->seg[3], period);
        goto done;
    } else if (rc != 0) {
        pg_reply_diags(c->req, 500, "cannot read the bulletin", &d, 5);
        goto done;
    }
    long id = (long)cJSON_GetObjectItem(b, "id")->valuedouble;
    /* the overdue 整改 items frozen with it: a unit's own only (its token's, or the one asked
     * for); every unit's to staff and viewers, who read the whole 通报; null when published
     * before they were kept. Not with a group or the summary. */
    char *overdue = NULL;
    if (want == PART_VIEW || want == PART_UNIT) {
        const char *whose = want == PART_UNIT              ? key
                            : c->tok->role == PG_ROLE_UNIT ? c->tok->unit
                                                           : NULL;
        if (c->tok->role == PG_ROLE_UNIT && !whose) whose = ""; /* a unit token without a unit */
        rc = pg_bulletin_overdue(c->h->store, id, whose, &overdue, &d);
        if (rc != 0 && rc != -ENOENT) {
            pg_reply_diags(c->req, 500, "cannot read the bulletin", &d, 5);
            goto done;
        }
    }
    char *bt = cJSON_PrintUnformatted(b), *rt = cJSON_PrintUnformatted(revs);
    char *head = overdue ? pg_xasprintf("{\"bulletin\":%s,\"revisions\":%s,\"overdue\":%s,"
                                        "\"result\":",
                                        bt, rt, overdue)
                         : pg_xasprintf("{\"bulletin\":%s,\"revisions\":%s,\"result\":", bt, rt);
    cJSON_free(bt), cJSON_free(rt);
    free(overdue);
    if (want == PART_VIEW && c->tok->role != PG_ROLE_VIEWER && c->tok->role != PG_ROLE_UNIT) {
        read_submit(c, id, 0, head); /* staff: the whole result, off the loop */
        goto done;
    }
    int answered = answer_parts(c, id, want, key, head);
    free(head);
    if (answered) goto done;
    /* published before bulletins were stored in parts: read whole and cut here */
    if ((rc = pg_frozen_result(c->h->store, id, &result, &d)) != 0) {
        pg_reply_diags(c->req, 500, "cannot read the bulletin", &d, 5);
        goto done;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "bulletin", b);
    cJSON_AddItemToObject(o, "revisions", revs);
    b = revs = NULL;
    if (want == PART_VIEW) {
        filter_result(c, result);
        cJSON_AddItemToObject(o, "result", result), result = NULL;
    } else {
        const char *arr = want == PART_GROUP ? "groups" : "units";
        const char *idk = want == PART_GROUP ? "id" : "unit";
        cJSON *x, *found = NULL;
        cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(result, arr))
        {
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(x, idk));
            if (want != PART_SUMMARY && v && strcmp(v, key) == 0) found = x;
        }
        if (!found) {
            if (want == PART_SUMMARY)
                pg_reply_error(c->req, 404,
                               "this bulletin was published before summaries were stored: read "
                               "it whole");
            else
                pg_reply_error(c->req, 404, "this bulletin has no %s '%s'",
                               want == PART_GROUP ? "group" : "unit", key);
            cJSON_Delete(o);
            goto done;
        }
        cJSON_AddItemToObject(o, want == PART_GROUP ? "group" : "unit", cJSON_Duplicate(found, 1));
    }
    pg_reply_json(c->req, 200, o);
done:
    cJSON_Delete(b), cJSON_Delete(revs), cJSON_Delete(result);
    pg_diags_free(&d);
out:
    free(part), free(group), free(unit);
}

/* GET /api/v1/runs/{id}: {"run": …, "inputs": …, "result": …}, the stored texts spliced in as
 * they are (no parse and print of a large result), by a pool job: at 3,003 units they are
 * 85 MB together, which the loop must not wait for. */
static void get_run(pg_call *c)
{
    char *end;
    long id = strtol(c->seg[3], &end, 10);
    if (*end || id <= 0) {
        pg_reply_error(c->req, 400, "run '%s': expected a run id (a number)", c->seg[3]);
        return;
    }
    read_submit(c, 0, id, NULL);
}

/* GET /api/v1/runs[?scheme=][&period=][&limit=N][&after=ID]: a page of runs, newest first
 * (100 by default, at most 1,000), and "next": the `after` of the next page, or null after the
 * last. */
void pg_runs_list(pg_call *c)
{
    char buf[PG_PERIOD_BUF];
    const char *period = NULL;
    long limit = 100, after = 0;
    if (pg_call_query_period(c, "period", buf, &period) < 0 ||
        pg_call_query_int(c, "limit", 1, 1000, &limit) < 0 ||
        pg_call_query_int(c, "after", 1, LONG_MAX, &after) < 0)
        return; /* answered 400 */
    char *s = pg_http_query_param(c->req, "scheme");
    pg_diags d = {0};
    cJSON *list = NULL;
    if (pg_run_list(c->h->store, s, period, (int)limit, after, &list, &d) != 0) {
        pg_reply_diags(c->req, 500, "cannot read the runs", &d, 5);
    } else {
        cJSON *o = cJSON_CreateObject();
        int n = cJSON_GetArraySize(list);
        cJSON *last = n == limit ? cJSON_GetArrayItem(list, n - 1) : NULL;
        cJSON_AddItemToObject(o, "runs", list);
        if (last)
            cJSON_AddNumberToObject(o, "next", cJSON_GetObjectItem(last, "id")->valuedouble);
        else
            cJSON_AddNullToObject(o, "next");
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
