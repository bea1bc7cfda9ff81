/* api.c — the router of the HTTP API under /api/v1, its roles, and the handlers of the core
 * routes (rules, units, rankings, results, evaluations, batches, the schedule).
 *
 * Every request but GET /healthz needs "Authorization: Bearer <token>": none or an unknown
 * token is 401, a known token whose role may not do this is 403. Roles:
 *   admin      everything
 *   evaluator  everything but reloading rules, withdrawing batches and the test clock
 *   unit       the rules, the units, the rankings, and its own unit's breakdown
 *   viewer     the rules, the units, and published bulletins (publish.c): a live ranking is
 *              refused with a 403 that points at the bulletin
 * Errors are {"error": {"status": 404, "message": "…"[, "errors": [...], "total": n]}} (reply.h).
 * The router calls the modules' handlers (api.h lists their tables); they answer through
 * reply.c and read the request through call.c, and never call back in here.
 * Paths outside /api/, /metrics and /healthz are the dashboard's files (static.c), served
 * without a token: the pages hold no data, and every call they make carries one. */
#include "api.h"
#include "data.h"
#include "log.h"
#include "base.h"
#include "publish_api.h"
#include "render.h"
#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef pg_call call;

/* --- handlers ------------------------------------------------------------------------ */

/* 200 only when the host can do its work: a worker stuck past its deadline (pool.h) is not
 * healthy, though the loop still answers, so a supervisor can see it and restart the host.
 * A rule set whose latest files fail to load is "degraded" but still 200: the last good set
 * keeps serving every request correctly, and a restart would not help (the same files fail
 * the same way) — it would only stop the serving. The author must fix the file; the status
 * and rules_errors make that visible to a probe and an alert. A stuck worker takes precedence:
 * it is the one a restart cures. */
static void get_healthz(call *c)
{
    const pg_host *h = c->h;
    int stuck = pg_pool_stuck(h->pool);
    int rules_errors = 0;
    for (int i = 0; i < h->nrules; i++) rules_errors += pg_rules_errors(h->rules[i]);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status",
                            h->stopping    ? "stopping"
                            : !h->gen      ? "starting"
                            : stuck        ? "stuck"
                            : rules_errors ? "degraded"
                                           : "ok");
    cJSON_AddNumberToObject(o, "rules_errors", rules_errors);
    if (h->gen) cJSON_AddStringToObject(o, "revision", h->gen->rs->revision);
    cJSON_AddNumberToObject(o, "workers", pg_pool_workers(h->pool));
    cJSON_AddNumberToObject(o, "workers_stuck", stuck);
    cJSON_AddNumberToObject(o, "job_deadline_ms", h->cfg.job_deadline_ms);
    pg_reply_json(c->req, h->gen && !h->stopping && !stuck ? 200 : 503, o);
}

static void get_metrics(call *c)
{
    pg_blob *b = pg_metrics_render(c->h);
    pg_reply_send(c->req, 200, "text/plain; version=0.0.4", NULL, b);
    pg_blob_unref(b);
}

static void get_rules(call *c)
{
    if (pg_call_year(c) != 0) return;
    pg_reply_send(c->req, 200, "application/json", NULL, c->gen->rules_json);
}

static void get_rules_status(call *c)
{
    pg_reply_json(c->req, 200, pg_reload_status(c->h));
}

static void post_reload(call *c)
{
    long y = 0;
    char actor[96];
    if (pg_call_query_int(c, "year", 1000, 9999, &y) < 0) return;
    pg_reload_request(c->h, (int)y, "api", pg_call_actor(c, actor), c->req);
}

/* GET /api/v1/whoami: who the presented token is, so the dashboard can show what its role
 * may see (and land a unit's user on its own unit). */
static void get_whoami(call *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", c->tok->name);
    cJSON_AddStringToObject(o, "role", pg_role_name(c->tok->role));
    if (c->tok->unit)
        cJSON_AddStringToObject(o, "unit", c->tok->unit);
    else
        cJSON_AddNullToObject(o, "unit");
    pg_reply_json(c->req, 200, o);
}

static void get_units(call *c)
{
    if (pg_call_year(c) != 0) return;
    const pg_ruleset *rs = c->gen->rs;
    cJSON *a = cJSON_CreateArray();
    for (int u = 0; u < rs->nunits; u++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", rs->units[u].id);
        cJSON_AddStringToObject(o, "name", rs->units[u].name);
        cJSON_AddStringToObject(o, "group", rs->groups[rs->units[u].group].id);
        if (rs->units[u].code) cJSON_AddStringToObject(o, "code", rs->units[u].code);
        if (rs->units[u].short_name) cJSON_AddStringToObject(o, "short", rs->units[u].short_name);
        cJSON_AddItemToArray(a, o);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "units", a);
    pg_reply_json(c->req, 200, o);
}

/* Resolves "/…/{scheme}/{period}" at segments i, i+1, with the rules of the period's year. */
static pg_entry *scheme_period(call *c, int i)
{
    int p = pg_period_parse(c->seg[i + 1]);
    c->gen = p < 0 ? c->h->gen : pg_host_gen_for(c->h, p);
    if (!c->gen) {
        char served[64] = "";
        for (int k = 0, n = 0; k < c->h->nrules && n < 56; k++)
            if (c->h->rules[k]->gen)
                n += snprintf(served + n, sizeof served - (size_t)n, "%s%d", n ? ", " : "",
                              c->h->rules[k]->year);
        pg_reply_error(c->req, 404,
                       "period '%s': no rule set is loaded for %d (the host serves %s)",
                       c->seg[i + 1], pg_period_year(p), served);
        return NULL;
    }
    const pg_ruleset *rs = c->gen->rs;
    int s = pg_strmap_get(&rs->scheme_ids, c->seg[i]);
    if (s < 0) {
        pg_reply_error(c->req, 404, "no scheme '%s' in the rule set (GET /api/v1/rules lists them)",
                       c->seg[i]);
        return NULL;
    }
    int want_year = rs->schemes[s].period == PG_PERIOD_YEAR;
    if (p < 0 || pg_period_is_year(p) != want_year) {
        pg_reply_error(c->req, 400, "period '%s': scheme '%s' is evaluated by %s (%s)",
                       c->seg[i + 1], c->seg[i], want_year ? "year" : "sampling month",
                       want_year ? "YYYY" : "YYYY-MM");
        return NULL;
    }
    return pg_entry_get(c->h, rs->schemes[s].id, p, 1);
}

/* Answers from the cached outcome if there is one, else evaluates and answers after. A stale
 * outcome is served while its re-score runs: it names its revision. But a group or a unit is
 * found by its index in the rules in force (c->gen), and an outcome made by other rules orders
 * its groups and units by those: such a read waits for the re-score rather than be answered
 * with another group's or unit's body. */
static void serve(call *c, pg_entry *e, pg_want want, int index)
{
    int hit = e->cur && !(e->cur->error && !pg_outcome_current(c->h, e->cur)) &&
              !(index >= 0 && e->cur->gen_id != c->gen->id);
    pg_cache_read(c->h, e, hit);
    if (hit) {
        if (!pg_outcome_current(c->h, e->cur) && !e->running)
            pg_evaluate(c->h, e, "request", NULL, PG_WANT_RUN, -1);
        pg_answer_outcome(c->h, c->req, want, index, e->cur);
        return;
    }
    pg_evaluate(c->h, e, "request", c->req, want, index);
}

static void get_ranking(call *c)
{
    pg_entry *e = scheme_period(c, 3);
    if (!e) return;
    if (c->tok->role == PG_ROLE_VIEWER) {
        pg_reply_error(c->req, 403,
                       "a viewer sees published bulletins only: GET /api/v1/bulletins/%s/%s",
                       c->seg[3], c->seg[4]);
        return;
    }
    char *group = pg_http_query_param(c->req, "group");
    if (group) {
        int g = pg_strmap_get(&c->gen->rs->group_ids, group);
        if (g < 0)
            pg_reply_error(c->req, 404, "no group '%s' in the rule set", group);
        else
            serve(c, e, PG_WANT_GROUP, g);
        free(group);
        return;
    }
    serve(c, e, PG_WANT_RANKING, -1);
}

static void get_results(call *c)
{
    pg_entry *e = scheme_period(c, 3);
    if (!e) return;
    if (c->nseg == 5) {
        if (c->tok->role == PG_ROLE_UNIT) {
            pg_reply_error(c->req, 403,
                           "a unit token sees its own unit only: /api/v1/results/%s/%s/%s",
                           c->seg[3], c->seg[4], c->tok->unit);
            return;
        }
        serve(c, e, PG_WANT_FULL, -1);
        return;
    }
    int u = pg_unit_find(c->gen->rs, c->seg[5]);
    if (u < 0) {
        pg_reply_error(c->req, 404, "no unit '%s' in the rule set", c->seg[5]);
        return;
    }
    if (c->tok->role == PG_ROLE_UNIT && strcmp(c->gen->rs->units[u].id, c->tok->unit) != 0) {
        pg_reply_error(c->req, 403, "this token is bound to unit '%s'", c->tok->unit);
        return;
    }
    serve(c, e, PG_WANT_UNIT, u);
}

/* POST /api/v1/evaluations {"scheme": "monthly", "period": "2021-05"}: evaluate now. */
static void post_evaluation(call *c)
{
    cJSON *j = pg_call_body(c);
    if (!j) return;
    const char *s = pg_call_body_string(j, "scheme"), *p = pg_call_body_string(j, "period");
    if (!s || !p) {
        pg_reply_error(c->req, 400,
                       "expected {\"scheme\": \"…\", \"period\": \"YYYY-MM or YYYY\"}");
    } else {
        c->seg[3] = (char *)s, c->seg[4] = (char *)p;
        pg_entry *e = scheme_period(c, 3);
        if (e) pg_evaluate(c->h, e, "api", c->req, PG_WANT_RUN, -1);
    }
    cJSON_Delete(j);
}

/* POST /api/v1/rules/preview?scheme=monthly&period=2021-05, a weight-overrides file as the
 * body: the diff under the overrides, nothing applied. */
static void post_preview(call *c)
{
    char *s = pg_http_query_param(c->req, "scheme"), *p = pg_http_query_param(c->req, "period");
    if (!s || !p) {
        pg_reply_error(c->req, 400, "which evaluation? /api/v1/rules/preview?scheme=S&period=P");
    } else {
        c->seg[3] = s, c->seg[4] = p;
        pg_entry *e = scheme_period(c, 3);
        if (e) pg_preview(c->h, c->req, e->scheme, e->period);
    }
    free(s), free(p);
}

/* GET /api/v1/evaluations: this process's latest evaluations, failed ones included, with their
 * times — what the host has been doing. The recorded runs (durable) are GET /api/v1/runs. */
static void get_evaluations(call *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "runs",
                          c->h->runs ? cJSON_Duplicate(c->h->runs, 1) : cJSON_CreateArray());
    pg_reply_json(c->req, 200, o);
}

static void get_batches(call *c)
{
    pg_batch *b = NULL;
    int n = 0;
    pg_diags d = {0};
    if (pg_batch_list(c->h->cfg.data_dir, &b, &n, &d) != 0) {
        pg_reply_diags(c->req, 500, "the batch index cannot be read", &d, 20);
    } else {
        cJSON *a = cJSON_CreateArray();
        for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, pg_batch_json(&b[i]));
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "batches", a);
        pg_reply_json(c->req, 200, o);
    }
    pg_batch_list_free(b, n);
    pg_diags_free(&d);
}

/* POST /api/v1/batches?source=cases&name=cases-2021-05.csv, the file as the body. The format
 * comes from the name's extension, or from the Content-Type when no name is given. */
static void post_batch(call *c)
{
    char *source = pg_http_query_param(c->req, "source");
    char *name = pg_http_query_param(c->req, "name");
    const char *ct = c->req->content_type ? c->req->content_type : "";
    if (!source) {
        pg_reply_error(c->req, 400, "which source? POST /api/v1/batches?source=NAME[&name=FILE]");
    } else if (pg_strmap_get(&c->h->gen->rs->source_ids, source) < 0 &&
               strcmp(source, PG_BATCH_VALUES) != 0) {
        pg_reply_error(c->req, 404, "no source '%s' in the rule set (nor '%s', for fed values)",
                       source, PG_BATCH_VALUES);
    } else if (name && (!*name || strchr(name, '/') || name[0] == '.')) {
        pg_reply_error(c->req, 400, "name '%s': a plain file name, like cases-2021-05.csv", name);
    } else {
        if (!name)
            name = pg_xasprintf("upload.%s",
                                strstr(ct, "ndjson") || strstr(ct, "jsonl") ? "ndjson" : "csv");
        char actor[96];
        pg_intake_post(c->h, c->req, pg_call_actor(c, actor), source, name);
    }
    free(source), free(name);
}

static void delete_batch(call *c)
{
    char actor[96];
    pg_intake_withdraw(c->h, c->req, pg_call_actor(c, actor), c->seg[3]);
}

static void get_schedule(call *c)
{
    if (!c->h->sched) {
        pg_reply_error(c->req, 404, "the scheduler is off");
        return;
    }
    pg_sched_event ev;
    pg_sched_upcoming(c->h->sched, &ev);
    int offset = c->h->gen->rs->tz_offset;
    char a[PG_TIME_BUF], b[PG_TIME_BUF], p[PG_PERIOD_BUF];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "now", pg_render_time(pg_sched_now(c->h->sched), offset, a));
    cJSON_AddBoolToObject(o, "injected_clock", c->h->test_clock);
    cJSON *n = cJSON_AddObjectToObject(o, "next");
    cJSON_AddStringToObject(n, "at", pg_render_time(ev.at, offset, b));
    cJSON_AddStringToObject(n, "event",
                            ev.kind == PG_SCHED_MONTH ? "monthly cut-off" : "year close");
    cJSON_AddStringToObject(n, "period", pg_period_format(ev.period, p));
    pg_reply_json(c->req, 200, o);
}

/* POST /api/v1/clock {"now": "2021-03-26T00:00:00+08:00"}: moves an injected clock forward. */
static void post_clock(call *c)
{
    if (!c->h->test_clock) {
        pg_reply_error(c->req, 403, "the clock is real; start the host with --clock to inject one");
        return;
    }
    cJSON *j = pg_call_body(c);
    if (!j) return;
    const char *now = pg_call_body_string(j, "now");
    double t;
    if (!now || pg_time_parse(now, strlen(now), c->h->gen->rs->tz_offset, &t) != 0) {
        pg_reply_error(c->req, 400, "expected {\"now\": \"YYYY-MM-DDTHH:MM:SS+08:00\"}");
    } else if (pg_sched_set_now(c->h->sched, (int64_t)t) != 0) {
        pg_reply_error(c->req, 409, "the clock only moves forward");
    } else {
        get_schedule(c);
    }
    cJSON_Delete(j);
}

/* --- routing ------------------------------------------------------------------------- */

static const pg_route routes[] = {
    {PG_HTTP_GET, "rules", PG_ROLES_ANY, get_rules},
    {PG_HTTP_GET, "rules/status", PG_ROLES_STAFF, get_rules_status},
    {PG_HTTP_POST, "rules/reload", PG_ROLES_ADMIN, post_reload},
    {PG_HTTP_POST, "rules/preview", PG_ROLES_STAFF, post_preview},
    {PG_HTTP_GET, "units", PG_ROLES_ANY, get_units},
    {PG_HTTP_GET, "whoami", PG_ROLES_ANY, get_whoami},
    {PG_HTTP_GET, "rankings/*/*", PG_ROLES_STAFF | PG_ROLES_UNIT | PG_ROLES_VIEWER, get_ranking},
    {PG_HTTP_GET, "results/*/*", PG_ROLES_STAFF | PG_ROLES_UNIT, get_results},
    {PG_HTTP_GET, "results/*/*/*", PG_ROLES_STAFF | PG_ROLES_UNIT, get_results},
    {PG_HTTP_POST, "evaluations", PG_ROLES_STAFF, post_evaluation},
    {PG_HTTP_GET, "evaluations", PG_ROLES_STAFF, get_evaluations},
    {PG_HTTP_GET, "runs", PG_ROLES_STAFF, pg_runs_list},
    {PG_HTTP_GET, "batches", PG_ROLES_STAFF, get_batches},
    {PG_HTTP_POST, "batches", PG_ROLES_STAFF, post_batch},
    {PG_HTTP_DELETE, "batches/*", PG_ROLES_ADMIN, delete_batch},
    {PG_HTTP_GET, "schedule", PG_ROLES_STAFF, get_schedule},
    {PG_HTTP_POST, "clock", PG_ROLES_ADMIN, post_clock},
    {0, NULL, 0, NULL},
};

const pg_route *const pg_api_tables[] = {routes,
                                         pg_audit_routes,
                                         pg_publish_routes,
                                         pg_review_routes,
                                         pg_rectify_routes,
                                         pg_series_routes,
                                         pg_rule_edit_routes,
                                         pg_sensitivity_routes,
                                         pg_periods_routes,
                                         pg_documents_routes,
                                         NULL};

static int matches(const char *pattern, call *c)
{
    int i = 2; /* after "api", "v1" */
    for (const char *p = pattern; *p; i++) {
        size_t len = strcspn(p, "/");
        if (i >= c->nseg) return 0;
        if (!(len == 1 && *p == '*') && (strlen(c->seg[i]) != len || strncmp(p, c->seg[i], len)))
            return 0;
        p += len + (p[len] == '/');
    }
    return i == c->nseg;
}

/* GET /api/v1/openapi.json: docs/openapi.yaml as JSON, which the build writes into the web
 * directory (host/openapi/); served like the dashboard's files, without a token: it describes
 * the API and holds no data, and an integrator reads it before holding a token. */
static void get_openapi(call *c)
{
    pg_static_send(c->h, c->req, "openapi.json",
                   "the OpenAPI description is not installed (openapi.json in the web directory)");
}

/* The routes the router answers before the /api/v1 tables, by their whole path; roles 0 means
 * no token is needed. */
const pg_route pg_api_own_routes[] = {
    {PG_HTTP_GET, "/healthz", 0, get_healthz},
    {PG_HTTP_GET, "/api/v1/openapi.json", 0, get_openapi},
    {PG_HTTP_GET, "/metrics", PG_ROLES_STAFF, get_metrics},
    {0, NULL, 0, NULL},
};

/* c->tok from the request's token, or 0 after answering 401. */
static int authenticate(call *c)
{
    c->tok = pg_config_token(&c->h->cfg, c->req->authorization);
    if (!c->tok)
        pg_reply_error(c->req, 401,
                       c->req->authorization ? "unknown token"
                                             : "a token is needed: Authorization: Bearer <token>");
    return c->tok != NULL;
}

/* Finds the route and checks the token and its role, answering 401, 403, 404, 405 or 503
 * itself; then calls the route's handler, or, `on_headers`, only returns: the request's body
 * has not been read yet (pg_api_head). */
static void dispatch(call *c, int on_headers)
{
    pg_http_req *req = c->req;
    pg_http_method m = req->method == PG_HTTP_HEAD ? PG_HTTP_GET : req->method;
    for (const pg_route *r = pg_api_own_routes; r->pattern; r++) {
        if (strcmp(req->path, r->pattern) != 0) continue;
        if (r->roles && !authenticate(c)) return;
        if (r->roles && !(r->roles & PG_ROLE_BIT(c->tok->role)))
            pg_reply_error(req, 403, "role '%s' may not %s %s", pg_role_name(c->tok->role),
                           req->method_name, req->path);
        else if (m != r->method)
            pg_reply_error(req, 405, "%s answers GET", req->path);
        else if (!on_headers)
            r->fn(c);
        return;
    }
    /* by the raw path too: a path too deep to split must still need a token under /api */
    int api = strncmp(req->path, "/api/", 5) == 0 || strcmp(req->path, "/api") == 0 ||
              (c->nseg > 0 && strcmp(c->seg[0], "api") == 0);
    if (!api) {
        /* the dashboard's files answer GET; anything else is refused there at once */
        if (!on_headers || m != PG_HTTP_GET) pg_static_serve(c->h, req);
        return;
    }
    if (!authenticate(c)) return;
    if (c->nseg < 3 || strcmp(c->seg[0], "api") || strcmp(c->seg[1], "v1")) {
        pg_reply_error(req, 404, "no such resource: %s (the API is under /api/v1)", req->path);
        return;
    }
    if (!c->h->gen) {
        pg_reply_error(req, 503, "no rule set is loaded yet");
        return;
    }
    int path_known = 0;
    for (const pg_route *const *t = pg_api_tables; *t; t++)
        for (const pg_route *r = *t; r->pattern; r++) {
            if (!matches(r->pattern, c)) continue;
            path_known = 1;
            if (r->method != m) continue;
            if (!(r->roles & PG_ROLE_BIT(c->tok->role))) {
                pg_reply_error(req, 403, "role '%s' may not %s %s", pg_role_name(c->tok->role),
                               req->method_name, req->path);
                return;
            }
            if (!on_headers) r->fn(c);
            return;
        }
    if (path_known)
        pg_reply_error(req, 405, "%s is not allowed on %s", req->method_name, req->path);
    else
        pg_reply_error(req, 404, "no such resource: %s", req->path);
}

/* Splits the decoded path into c->seg, in a copy the caller frees; empty segments (a trailing
 * slash) are dropped, and a path too deep gives no segments. */
static char *split_path(call *c)
{
    char *copy = pg_xstrdup(c->req->path), *save = NULL;
    for (char *s = strtok_r(copy, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        if (c->nseg == PG_CALL_MAX_SEGS) {
            c->nseg = 0;
            break;
        }
        c->seg[c->nseg++] = s;
    }
    return copy;
}

void pg_api_handle(pg_http_req *req, void *ctx)
{
    call c = {.h = ctx, .req = req};
    char *copy = split_path(&c);
    req->data = c.h; /* for pg_reply_send's counters */
    pg_log(PG_LOG_DEBUG, "request", "method", req->method_name, "path", req->path, "peer",
           req->peer, NULL);
    dispatch(&c, 0);
    free(copy);
}

void pg_api_head(pg_http_req *req, void *ctx)
{
    call c = {.h = ctx, .req = req};
    char *copy = split_path(&c);
    req->data = c.h; /* an answer now is counted like any other */
    dispatch(&c, 1);
    free(copy);
}
