/* rectify.c — the 问题清单 and the 整改 loop over HTTP (core/report issues_list.c,
 * core/record rectify.c).
 *
 *   GET  /api/v1/issues/{scheme}/{period}?unit=U     the 问题清单 of a period: every unit's
 *        (staff) or the token's unit's items, each with its 整改 record and flags
 *   POST /api/v1/issues/{scheme}/{period}/{indicator}/rectify {unit?, note, evidence?, link?}
 *        a unit marks its item 已整改 (201 the record)
 *   POST /api/v1/rectifications/{id}/review   {"status": "verified"|"rejected", "reason"}
 *   GET  /api/v1/rectifications                ?unit= &scheme= &period=
 *
 * An item is an indicator on which the unit lost points in the period's current result (the
 * "issues" of its breakdown, evaluate.c), so the list answers from the same cache as
 * GET /results. Each item carries:
 *   rectification  the record of what the unit said and the evaluator decided, or null;
 *   overdue        its deadline (due) has passed, by the host's clock in the rule set's zone,
 *                  and it is not verified;
 *   recurring      (a month) the unit lost points on it in the two sampling months before too;
 *   next           (a month) what the next sampling month shows: "recovered" (no points lost
 *                  there), "not_recovered", or null when that month has no result yet.
 * The four periods are evaluated (or looked up) at once, on the pool, as series.c does. The list
 * is then put together on libuv's thread pool from the four outcomes (referenced until it is
 * sent): staff's every-unit list reads ~12,000 问题清单 and prints ~30 MB at 3,003 units,
 * seconds of CPU that would stall every other request on the loop. It runs no rule code, so it
 * does not queue behind evaluations for the rule workers. When the list draws on a cached
 * result served while its re-score runs, it carries X-Pinggu-Outdated as GET /results does:
 * "rules" when any of the four predates the rules in force, else "data".
 * Roles: a unit token sees and marks only its own items (another unit is 403); staff read every
 * unit's, may mark for a unit (naming it), and review; a viewer reads none. Writes are short
 * transactions with their audit entries, on the loop thread, as review.c's. */
#include "bodies.h"
#include "call.h"
#include "render.h"
#include "reply.h"
#include "base.h"
#include "record.h"
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The outcomes a list or a mark waits for: [0] the period, [1] and [2] the two months
 * before, [3] the month after (months only). */
enum { P_THIS, P_PREV1, P_PREV2, P_NEXT, P_N };

/* A 整改 record by its unit and indicator (one each in a scheme's period: a mark again reuses
 * it), sorted for bsearch: a province's list can hold ~12,000 items and as many records. */
typedef struct {
    const char *unit, *indicator;
    const cJSON *rec;
} rec_key;

typedef struct {
    uv_work_t work; /* a list, put together off the loop */
    pg_http_req *req;
    pg_host *h;
    char scheme[64], period[PG_PERIOD_BUF];
    int code[P_N], want[P_N];
    char *unit; /* the one unit listed or marking, or NULL: every unit */
    char *indicator, *note, *evidence, *link, actor[96]; /* a mark */
    int own;                                             /* a unit token marks */
    int pending;
    pg_outcome *out[P_N]; /* the outcomes, referenced until answered; NULL: none */
    cJSON *recs;          /* a list's 整改 records, read on the loop */
    rec_key *keys;        /* and sorted */
    int nkeys;
    char today[16];  /* and the date they are overdue by */
    pg_blob *answer; /* the list printed */
    char *error;     /* the period's own outcome failed: why */
    int status;
    const char *outdated; /* the strongest X-Pinggu-Outdated mark of the outcomes, or NULL */
} wait;

static void wait_free(wait *w)
{
    for (int i = 0; i < P_N; i++) pg_outcome_free(w->out[i]);
    cJSON_Delete(w->recs), free(w->keys), pg_blob_unref(w->answer);
    free(w->unit), free(w->indicator), free(w->note), free(w->evidence), free(w->link);
    free(w->error), free(w);
}

/* Whether the indicator is on the unit's 问题清单 of a period, from its result: -1 when that is
 * unknown (no outcome, a unit its rules do not have, a scheme of schemes). */
static int lost_in(const pg_outcome *o, const char *unit, const char *indicator)
{
    if (!o || !o->res || pg_unit_find(o->res->rs, unit) < 0) return -1;
    return pg_issue_lost_in(o->res, unit, indicator);
}

static int by_key(const void *a, const void *b)
{
    const rec_key *x = a, *y = b;
    int c = strcmp(x->unit, y->unit);
    return c ? c : strcmp(x->indicator, y->indicator);
}

/* w->recs sorted by unit and indicator into w->keys. */
static void sort_recs(wait *w)
{
    w->keys = pg_xcalloc((size_t)cJSON_GetArraySize(w->recs) + 1, sizeof *w->keys);
    for (const cJSON *r = w->recs->child; r; r = r->next) {
        const char *u = cJSON_GetStringValue(cJSON_GetObjectItem(r, "unit"));
        const char *i = cJSON_GetStringValue(cJSON_GetObjectItem(r, "indicator"));
        if (u && i) w->keys[w->nkeys++] = (rec_key){u, i, r};
    }
    qsort(w->keys, (size_t)w->nkeys, sizeof *w->keys, by_key);
}

/* Today in the rule set's zone, YYYY-MM-DD. */
static void today(const pg_host *h, int offset, char buf[16])
{
    long day = pg_time_day((double)pg_host_now(h), offset);
    int y, m, d;
    pg_civil_from_days(day, &y, &m, &d);
    snprintf(buf, 16, "%04d-%02d-%02d", y, m, d);
}

/* Unit k's items of the list into t (n: items so far), each with its record and flags. Its
 * 问题清单 is printed from the kept result and parsed one unit at a time: the whole list's trees
 * were ~150 MB at 3,003 units, and a thread pool's thread keeps what its malloc arena grew to. */
static void list_unit(wait *w, int k, pg_jtext *t, int *n, int *overdue, int *recurring)
{
    const pg_outcome *o = w->out[P_THIS];
    const char *uid = o->res->rs->units[k].id;
    pg_jtext text = {0};
    pg_unit_texts_add(o->texts, k, NULL, &text);
    cJSON *issues = cJSON_ParseWithLength(text.p, text.len);
    free(text.p);
    for (cJSON *it = issues ? issues->child : NULL; it; it = it->next) {
        const char *ind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "indicator"));
        const char *due = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "due"));
        if (!ind) ind = ""; /* every item names one; lost_in must never see NULL */
        rec_key want = {uid, ind, NULL};
        const rec_key *got = bsearch(&want, w->keys, (size_t)w->nkeys, sizeof want, by_key);
        const cJSON *rec = got ? got->rec : NULL;
        const char *st = rec ? cJSON_GetStringValue(cJSON_GetObjectItem(rec, "status")) : NULL;
        cJSON_AddItemToObject(it, "rectification",
                              rec ? cJSON_Duplicate(rec, 1) : cJSON_CreateNull());
        int late = due && strcmp(w->today, due) > 0 && !(st && strcmp(st, "verified") == 0);
        cJSON_AddBoolToObject(it, "overdue", late);
        *overdue += late;
        if (w->want[P_PREV1]) {
            int rec3 =
                lost_in(w->out[P_PREV1], uid, ind) == 1 && lost_in(w->out[P_PREV2], uid, ind) == 1;
            cJSON_AddBoolToObject(it, "recurring", rec3);
            *recurring += rec3;
        }
        if (w->want[P_NEXT]) {
            int next = lost_in(w->out[P_NEXT], uid, ind);
            if (next < 0)
                cJSON_AddNullToObject(it, "next");
            else
                cJSON_AddStringToObject(it, "next", next ? "not_recovered" : "recovered");
        }
        if ((*n)++) pg_jtext_put(t, ",", 1);
        pg_jtext_value(t, it, 0, 2);
    }
    cJSON_Delete(issues);
}

/* The list, printed as pg_render_take prints its object: {scheme, period, today, items,
 * overdue, recurring}, the items unit by unit in the period's order, biggest loss first. A
 * scheme of schemes has none. NULL on no memory. Off the loop (list_work). */
static pg_blob *list_text(wait *w)
{
    const pg_outcome *o = w->out[P_THIS];
    pg_jtext t = {0};
    pg_blob_begin(&t);
    int m = 0, n = 0, overdue = 0, recurring = 0;
    pg_jtext_put(&t, "{", 1);
    pg_jtext_key(&t, "scheme", &m), pg_jtext_str(&t, w->scheme);
    pg_jtext_key(&t, "period", &m), pg_jtext_str(&t, w->period);
    pg_jtext_key(&t, "today", &m), pg_jtext_str(&t, w->today);
    pg_jtext_key(&t, "items", &m), pg_jtext_put(&t, "[", 1);
    int from = 0, to = o->res ? o->nunits : 0;
    if (o->res && w->unit) {
        int u = pg_unit_find(o->res->rs, w->unit); /* where the outcome's rules put it */
        from = u < 0 ? 0 : u, to = u < 0 ? 0 : u + 1;
    }
    for (int k = from; k < to; k++)
        if (o->cuts && o->cuts[k].item_len) list_unit(w, k, &t, &n, &overdue, &recurring);
    pg_jtext_put(&t, "]", 1);
    pg_jtext_key(&t, "overdue", &m), pg_jtext_num(&t, overdue);
    pg_jtext_key(&t, "recurring", &m), pg_jtext_num(&t, recurring);
    pg_jtext_put(&t, "}", 1);
    if (t.bad) { /* an item cJSON would not print: pg_render_take's NULL */
        free(pg_jtext_take(&t, NULL));
        return NULL;
    }
    return pg_blob_end(&t);
}

/* A mark: the item must be on the unit's list of the period. */
static void answer_mark(wait *w)
{
    if (lost_in(w->out[P_THIS], w->unit, w->indicator) != 1) {
        pg_reply_error(w->req, 422,
                       "%s 在 %s 的问题清单中没有指标 '%s'（该期未在此项失分），无需整改", w->unit,
                       w->period, w->indicator);
        return;
    }
    pg_rectify_in in = {w->unit, w->scheme,   w->period, w->indicator,
                        w->note, w->evidence, w->link,   w->own};
    pg_diags d = {0};
    long id = 0;
    int rc = pg_rectify_mark(w->h->store, &in, w->actor, &id, &d);
    if (rc != 0) {
        const char *msg = d.n ? d.v[0].msg : "the 整改 was refused";
        pg_reply_error(w->req, rc == -EINVAL ? 422 : rc == -EALREADY ? 409 : 500, "%s", msg);
    } else
        pg_reply_json(w->req, 201, pg_rectify_get(w->h->store, id));
    pg_diags_free(&d);
}

typedef struct {
    wait *w;
    int i;
} slot;

/* The list's work off the loop: only what never changes of an outcome is read here (what
 * pg_outcome_unit reads), and nothing of the host. */
static void list_work(uv_work_t *r)
{
    wait *w = r->data;
    w->answer = list_text(w);
}

static void list_done(uv_work_t *r, int status)
{
    wait *w = r->data;
    char headers[64] = "";
    if (w->outdated) snprintf(headers, sizeof headers, "X-Pinggu-Outdated: %s\r\n", w->outdated);
    if (status != 0) /* cancelled: the host is stopping */
        pg_reply_error(w->req, 503, "the host is shutting down");
    else if (w->answer)
        pg_reply_send(w->req, 200, "application/json", w->outdated ? headers : NULL, w->answer);
    else
        pg_reply_error(w->req, 500, "out of memory");
    wait_free(w);
}

/* The list: its records and today read on the loop, the rest off it. */
static void answer_list(wait *w)
{
    const pg_gen *g = pg_host_gen_for(w->h, w->code[P_THIS]);
    today(w->h, g ? g->rs->tz_offset : 8 * 3600, w->today);
    pg_diags d = {0};
    if (pg_rectify_list(w->h->store, w->unit, w->scheme, w->period, &w->recs, &d) != 0) {
        pg_reply_diags(w->req, 500, "cannot read the store", &d, 5);
        pg_diags_free(&d);
        wait_free(w);
        return;
    }
    sort_recs(w);
    w->work.data = w;
    int rc = uv_queue_work(w->h->loop, &w->work, list_work, list_done);
    if (rc != 0) {
        pg_reply_error(w->req, 500, "cannot list the issues: %s", uv_strerror(rc));
        wait_free(w);
    }
}

static void finish(wait *w)
{
    if (!w->error && !w->indicator) {
        answer_list(w); /* frees w when it is answered */
        return;
    }
    if (w->error)
        pg_reply_error(w->req, w->status ? w->status : 404, "%s", w->error);
    else
        answer_mark(w);
    wait_free(w);
}

static void came_back(void *arg, const pg_outcome *o)
{
    slot *k = arg;
    wait *w = k->w;
    int i = k->i;
    free(k);
    /* "rules" outweighs "data": new rules may move every number, new data some */
    const char *why = o ? pg_outcome_outdated_by(w->h, o) : NULL;
    if (why && (!w->outdated || strcmp(why, "rules") == 0)) w->outdated = why;
    if (o && !o->error)
        w->out[i] = pg_outcome_ref(o);
    else if (i == P_THIS) {
        w->error = pg_xstrdup(!o ? "not evaluated: the host is stopping" : o->error);
        w->status = o ? o->status : 503;
    }
    if (--w->pending == 0) finish(w);
}

/* Resolves /…/{scheme}/{period} at seg[3], seg[4] and starts the evaluations; NULL after
 * answering. `unit` is the unit asked for (NULL: any, for staff). */
static wait *begin(pg_call *c, const char *unit, int marking)
{
    int p = pg_period_parse(c->seg[4]);
    const pg_gen *g = p < 0 ? NULL : pg_host_gen_for(c->h, p);
    if (!g) {
        pg_reply_error(c->req, p < 0 ? 400 : 404,
                       p < 0 ? "period '%s' is not YYYY-MM or YYYY"
                             : "period '%s': no rule set is loaded for its year",
                       c->seg[4]);
        return NULL;
    }
    int s = pg_strmap_get(&g->rs->scheme_ids, c->seg[3]);
    if (s < 0 || (g->rs->schemes[s].period == PG_PERIOD_YEAR) != pg_period_is_year(p)) {
        pg_reply_error(c->req, 404, "no scheme '%s' for period '%s' (GET /api/v1/rules lists them)",
                       c->seg[3], c->seg[4]);
        return NULL;
    }
    const char *own = c->tok->role == PG_ROLE_UNIT ? c->tok->unit : NULL;
    if (own && unit && strcmp(unit, own) != 0) {
        pg_reply_error(c->req, 403, "单位账号只能查看和整改本单位的问题清单（%s）", own);
        return NULL;
    }
    if (own) unit = own;
    if (unit && pg_unit_find(g->rs, unit) < 0) {
        pg_reply_error(c->req, 404, "no unit '%s' in the rule set", unit);
        return NULL;
    }
    if (marking && !unit) {
        pg_reply_error(c->req, 422, "which unit's item? {\"unit\": \"…\", \"note\": \"…\"}");
        return NULL;
    }
    if (pg_host_refuse_stuck(c->h, c->req, NULL)) return NULL;
    wait *w = pg_xcalloc(1, sizeof *w);
    w->req = c->req;
    w->h = c->h;
    snprintf(w->scheme, sizeof w->scheme, "%s", g->rs->schemes[s].id);
    pg_period_format(p, w->period);
    w->unit = unit ? pg_xstrdup(g->rs->units[pg_unit_find(g->rs, unit)].id) : NULL;
    w->code[P_THIS] = p, w->want[P_THIS] = 1;
    if (!pg_period_is_year(p) && !marking) {
        w->code[P_PREV1] = pg_period_prev(p), w->want[P_PREV1] = 1;
        w->code[P_PREV2] = pg_period_prev(w->code[P_PREV1]), w->want[P_PREV2] = 1;
        int y = pg_period_year(p), m = p % 100;
        w->code[P_NEXT] = m == 12 ? (y + 1) * 100 + 1 : p + 1;
        w->want[P_NEXT] = 1;
    }
    return w;
}

static void start(wait *w)
{
    w->pending = 1;
    for (int i = 0; i < P_N; i++) {
        if (!w->want[i]) continue;
        /* a month whose year no rule set serves has no result: nothing to compare */
        if (i != P_THIS && !pg_host_gen_for(w->h, w->code[i])) continue;
        w->pending++;
        slot *k = pg_xmalloc(sizeof *k);
        *k = (slot){w, i};
        pg_evaluate_then(w->h, pg_entry_get(w->h, w->scheme, w->code[i], 1), came_back, k);
    }
    if (--w->pending == 0) finish(w);
}

static void get_issues(pg_call *c)
{
    char *unit = pg_http_query_param(c->req, "unit");
    wait *w = begin(c, unit, 0);
    free(unit);
    if (w) start(w);
}

static void post_rectify(pg_call *c)
{
    cJSON *j = pg_call_body(c);
    if (!j) return;
    wait *w = begin(c, pg_call_body_string(j, "unit"), 1);
    if (w) {
        w->indicator = pg_xstrdup(c->seg[5]);
        const char *v[] = {pg_call_body_string(j, "note"), pg_call_body_string(j, "evidence"),
                           pg_call_body_string(j, "link")};
        w->note = v[0] ? pg_xstrdup(v[0]) : NULL;
        w->evidence = v[1] ? pg_xstrdup(v[1]) : NULL;
        w->link = v[2] ? pg_xstrdup(v[2]) : NULL;
        w->own = c->tok->role == PG_ROLE_UNIT;
        pg_call_actor(c, w->actor);
        start(w);
    }
    cJSON_Delete(j);
}

static void post_review(pg_call *c)
{
    char *end;
    long id = strtol(c->seg[3], &end, 10);
    if (*end || id <= 0) {
        pg_reply_error(c->req, 404, "'%s' is not a record id", c->seg[3]);
        return;
    }
    cJSON *j = pg_call_body(c);
    if (!j) return;
    const char *status = pg_call_body_string(j, "status");
    if (!status || (strcmp(status, "verified") != 0 && strcmp(status, "rejected") != 0)) {
        pg_reply_error(c->req, 422,
                       "expected {\"status\": \"verified\" or \"rejected\", \"reason\": \"…\"}");
    } else {
        pg_diags d = {0};
        char actor[96];
        int rc = pg_rectify_review(c->h->store, id, strcmp(status, "verified") == 0,
                                   pg_call_body_string(j, "reason"), pg_call_actor(c, actor), &d);
        if (rc != 0)
            pg_reply_error(c->req,
                           rc == -EINVAL     ? 422
                           : rc == -ENOENT   ? 404
                           : rc == -EALREADY ? 409
                                             : 500,
                           "%s", d.n ? d.v[0].msg : "the review was refused");
        else
            pg_reply_json(c->req, 200, pg_rectify_get(c->h->store, id));
        pg_diags_free(&d);
    }
    cJSON_Delete(j);
}

static void get_rectifications(pg_call *c)
{
    char period[PG_PERIOD_BUF];
    const char *p = NULL;
    if (pg_call_query_period(c, "period", period, &p) < 0) return;
    char *unit = c->tok->role == PG_ROLE_UNIT ? pg_xstrdup(c->tok->unit)
                                              : pg_http_query_param(c->req, "unit");
    char *scheme = pg_http_query_param(c->req, "scheme");
    pg_diags d = {0};
    cJSON *arr = NULL;
    if (pg_rectify_list(c->h->store, unit, scheme, p, &arr, &d) != 0)
        pg_reply_diags(c->req, 500, "cannot read the store", &d, 5);
    else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "records", arr);
        pg_reply_json(c->req, 200, o);
    }
    free(unit), free(scheme);
    pg_diags_free(&d);
}

const pg_route pg_rectify_routes[] = {
    {PG_HTTP_GET, "issues/*/*", PG_ROLES_STAFF | PG_ROLES_UNIT, get_issues},
    {PG_HTTP_POST, "issues/*/*/*/rectify", PG_ROLES_STAFF | PG_ROLES_UNIT, post_rectify},
    {PG_HTTP_POST, "rectifications/*/review", PG_ROLES_STAFF, post_review},
    {PG_HTTP_GET, "rectifications", PG_ROLES_STAFF | PG_ROLES_UNIT, get_rectifications},
    {0, NULL, 0, NULL},
};
