/* series.c — GET /api/v1/units/{unit}/series?scheme=S&year=Y: one unit's total, rank and band
 * in every period of a year, in one answer (the dashboard's trend asked for twelve breakdowns).
 *
 *   {"unit", "name", "group", "scheme", "year",
 *    "periods": [{"period": "2021-01", "total": 86.5, "rank": 3, "band": "良好",
 *                 "revision": "…"} | {"period": "2021-02", "total": null, "rank": null,
 *                 "band": null, "error": "no data for 2021-02: …"}, …]}
 *
 * A monthly scheme has the year's twelve sampling months, a yearly one the year itself. Each
 * period is answered from the same cache as GET /results/{scheme}/{period}/{unit}
 * (evaluate.c): a period evaluated before is a lookup, one never evaluated is evaluated now,
 * all of them on the pool at once, and the answer goes when the last has come back. A period
 * that cannot be evaluated (no data yet, a failing rule) has nulls and its error: the series
 * says where it has no value rather than failing whole. Access is the breakdown's: staff see
 * every unit, a unit token its own unit only (403 otherwise), a viewer none.
 *
 * The figures are read from the unit's rendered breakdown (its "units"[0] member), so they are
 * the very numbers GET /results/.../{unit} shows for that period. When any period's figures come
 * from a cached result served while its re-score runs, the answer carries X-Pinggu-Outdated as
 * GET /results does: "rules" when one of them predates the rules in force, else "data".
 *
 * GET /api/v1/units/{unit}/ranking?scheme=S&period=P: the unit's own line of its group's ranking
 * (rank, total, parts, previous_rank, movement, change, band), for the dashboard's 名次变化 card,
 * which read the whole group for it (at a province's 2,400-unit group, a megabyte for one row,
 * issue 19 §7). The answer is GET /rankings/{scheme}/{period}?group=G's with the group's
 * "ranking", "unranked" and "no_business" cut to the unit's own entries (each empty when it has
 * none there). It is cut from that cached group body on the pool, never parsed on the loop, and
 * carries the same X-Pinggu-Revision headers (and X-Pinggu-Outdated when the result is served
 * while its re-score runs). The unit's group is the one of the rules that made the result: a
 * result served while its re-score under new rules runs may have other groups, or the unit in
 * another, than the rules now in force; then each of its group bodies is looked through on the
 * pool for the unit. Access as for the series. */
#include "bodies.h"
#include "call.h"
#include "render.h"
#include "pool.h"
#include "reply.h"

#include "base.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PERIODS 12

typedef struct {
    pg_http_req *req;
    pg_host *h;
    int unit;    /* index in the year's current rule set */
    char *id;    /* the unit's id: a month under an earlier generation may index it otherwise */
    int pending; /* periods not yet back */
    int n;
    int period[MAX_PERIODS];
    cJSON *item[MAX_PERIODS]; /* each period's member of "periods", filled as they come */
    cJSON *answer;            /* everything but "periods" */
    const char *outdated;     /* the strongest mark of the periods' outcomes, or NULL */
} series;

/* Answers `body` (taken) with 200 and X-Pinggu-Outdated: `outdated` when not NULL. */
static void reply_marked(pg_http_req *req, cJSON *body, const char *outdated)
{
    if (!outdated) {
        pg_reply_json(req, 200, body);
        return;
    }
    pg_blob *b = pg_render_take(body);
    if (!b) {
        pg_reply_error(req, 500, "out of memory");
        return;
    }
    char headers[64];
    snprintf(headers, sizeof headers, "X-Pinggu-Outdated: %s\r\n", outdated);
    pg_reply_send(req, 200, "application/json", headers, b);
    pg_blob_unref(b);
}

/* One period's member, from its outcome (NULL: none could be run). */
static cJSON *period_item(int period, int unit, const char *id, const pg_outcome *o)
{
    char buf[PG_PERIOD_BUF];
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "period", pg_period_format(period, buf));
    cJSON *u = o && !o->error ? pg_outcome_unit_json(o, unit, id) : NULL;
    static const char *const keys[] = {"total", "rank", "band"};
    for (int k = 0; k < 3; k++) {
        const cJSON *v = u ? cJSON_GetObjectItemCaseSensitive(u, keys[k]) : NULL;
        cJSON_AddItemToObject(p, keys[k], v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
    }
    if (u)
        cJSON_AddStringToObject(p, "revision", o->revision);
    else
        cJSON_AddStringToObject(p, "error",
                                !o         ? "not evaluated: the host is stopping"
                                : o->error ? o->error
                                           : "the unit is not in this result");
    cJSON_Delete(u);
    return p;
}

static void finish(series *s)
{
    cJSON *a = cJSON_AddArrayToObject(s->answer, "periods");
    for (int i = 0; i < s->n; i++) cJSON_AddItemToArray(a, s->item[i]);
    reply_marked(s->req, s->answer, s->outdated);
    free(s->id), free(s);
}

typedef struct {
    series *s;
    int i;
} slot;

static void came_back(void *arg, const pg_outcome *o)
{
    slot *k = arg;
    series *s = k->s;
    /* a month governed by an earlier generation (effective dating) has its own unit indices */
    const pg_gen *g = o ? pg_host_gen_for(s->h, s->period[k->i]) : NULL;
    int unit = g && g->id == o->gen_id ? pg_unit_find(g->rs, s->id) : s->unit;
    s->item[k->i] = period_item(s->period[k->i], unit < 0 ? INT_MAX : unit, s->id, o);
    /* "rules" outweighs "data": new rules may move every number, new data some */
    const char *why = o ? pg_outcome_outdated_by(s->h, o) : NULL;
    if (why && (!s->outdated || strcmp(why, "rules") == 0)) s->outdated = why;
    free(k);
    if (--s->pending == 0) finish(s);
}

static void get_series(pg_call *c)
{
    long year = 0;
    int has_year = pg_call_query_int(c, "year", 1000, 9999, &year);
    if (has_year < 0) return; /* answered 400 */
    char *scheme = pg_http_query_param(c->req, "scheme");
    const pg_ruleset *rs = NULL;
    int sc = -1, u = -1;
    if (!scheme || !has_year) {
        pg_reply_error(c->req, 400, "which series? /api/v1/units/%s/series?scheme=SCHEME&year=YYYY",
                       c->seg[3]);
    } else if (!(c->gen = pg_host_gen(c->h, (int)year))) {
        pg_reply_error(c->req, 404, "no rule set is loaded for %ld (GET /api/v1/rules/status)",
                       year);
    } else if ((sc = pg_strmap_get(&(rs = c->gen->rs)->scheme_ids, scheme)) < 0) {
        pg_reply_error(c->req, 404, "no scheme '%s' in the rules for %ld (GET /api/v1/rules)",
                       scheme, year);
    } else if ((u = pg_unit_find(rs, c->seg[3])) < 0) {
        pg_reply_error(c->req, 404, "no unit '%s' in the rules for %ld", c->seg[3], year);
    } else if (c->tok->role == PG_ROLE_UNIT && strcmp(rs->units[u].id, c->tok->unit) != 0) {
        pg_reply_error(c->req, 403, "this token is bound to unit '%s'", c->tok->unit);
    } else if (pg_host_refuse_stuck(c->h, c->req, NULL)) {
    } else {
        series *s = pg_xcalloc(1, sizeof *s);
        s->req = c->req;
        s->h = c->h;
        s->unit = u;
        s->id = pg_xstrdup(rs->units[u].id);
        int monthly = rs->schemes[sc].period != PG_PERIOD_YEAR;
        for (int m = 1; m <= (monthly ? 12 : 1); m++) {
            char text[PG_PERIOD_BUF];
            snprintf(text, sizeof text, monthly ? "%04ld-%02d" : "%04ld", year, m);
            s->period[s->n++] = pg_period_parse(text);
        }
        s->answer = cJSON_CreateObject();
        cJSON_AddStringToObject(s->answer, "unit", rs->units[u].id);
        cJSON_AddStringToObject(s->answer, "name", rs->units[u].name);
        cJSON_AddStringToObject(s->answer, "group", rs->groups[rs->units[u].group].id);
        cJSON_AddStringToObject(s->answer, "scheme", rs->schemes[sc].id);
        cJSON_AddNumberToObject(s->answer, "year", (double)year);
        /* one more than the periods, so that answers coming back at once cannot finish early */
        s->pending = s->n + 1;
        const char *id = rs->schemes[sc].id;
        for (int i = 0; i < s->n; i++) {
            slot *k = pg_xmalloc(sizeof *k);
            *k = (slot){s, i};
            pg_evaluate_then(c->h, pg_entry_get(c->h, id, s->period[i], 1), came_back, k);
        }
        if (--s->pending == 0) finish(s);
    }
    free(scheme);
}

/* --- one unit's ranking line -------------------------------------------------------- */

typedef struct {
    pg_job job;
    pg_http_req *req;
    pg_host *h;
    char *id;       /* the unit's id */
    char *group_id; /* its group's under the outcome's rules; NULL: not known, look it up */
    int period;     /* for the outcome's generation */
    pg_blob **body; /* the group bodies to cut from: the unit's group's, or (group_id NULL) every
                       group's; references taken and dropped on the loop */
    int nbody;
    char *headers; /* the outcome's revision headers, and X-Pinggu-Outdated when it is stale */
    char revision[13];
    pg_blob *answer;
    int status;  /* when not 200 */
    char *error; /* … why */
} row_job;

/* Keeps only the members of the array `key` of group object g whose "unit" is id. */
static void keep_own(cJSON *g, const char *key, const char *id)
{
    cJSON *a = cJSON_GetObjectItemCaseSensitive(g, key), *x = a ? a->child : NULL;
    while (x) {
        cJSON *next = x->next;
        const char *u = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "unit"));
        if (!u || strcmp(u, id) != 0) cJSON_Delete(cJSON_DetachItemViaPointer(a, x));
        x = next;
    }
}

static const char *const row_lists[] = {"ranking", "unranked", "no_business"};

/* Whether group object g lists unit id in any of its lists. */
static int lists_unit(const cJSON *g, const char *id)
{
    for (int k = 0; k < 3; k++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(g, row_lists[k]), *x;
        cJSON_ArrayForEach(x, a)
        {
            const char *u = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "unit"));
            if (u && strcmp(u, id) == 0) return 1;
        }
    }
    return 0;
}

static void row_work(pg_job *j)
{
    row_job *x = (row_job *)j;
    for (int i = 0; i < x->nbody && !x->answer && !x->error; i++) {
        cJSON *root = cJSON_ParseWithLength(x->body[i]->data, x->body[i]->len);
        cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "groups"), 0);
        const char *gid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "id"));
        if (x->group_id && (!g || !gid || strcmp(gid, x->group_id) != 0)) {
            x->status = 500;
            x->error = pg_xasprintf("the result has no group '%s' of unit '%s' where expected",
                                    x->group_id, x->id);
        } else if (g && (x->group_id || lists_unit(g, x->id))) {
            for (int k = 0; k < 3; k++) keep_own(g, row_lists[k], x->id);
            x->answer = pg_render_take(root), root = NULL;
            if (!x->answer) x->status = 500, x->error = pg_xstrdup("out of memory");
        }
        cJSON_Delete(root);
    }
    if (!x->answer && !x->error) {
        x->status = 404;
        x->error = pg_xasprintf("revision %s has no ranking of unit '%s'", x->revision, x->id);
    }
}

static void row_free(row_job *x)
{
    for (int i = 0; i < x->nbody; i++) pg_blob_unref(x->body[i]);
    pg_blob_unref(x->answer);
    free(x->body), free(x->id), free(x->group_id), free(x->headers), free(x->error), free(x);
}

static void row_done(pg_job *j)
{
    row_job *x = (row_job *)j;
    if (x->error)
        pg_reply_error(x->req, x->status, "%s", x->error);
    else
        pg_reply_send(x->req, 200, "application/json", x->headers, x->answer);
    row_free(x);
}

/* The period's outcome is in (on the loop): the unit's group body goes to the pool to be cut. */
static void row_came_back(void *arg, const pg_outcome *o)
{
    row_job *x = arg;
    if (!o || o->error) {
        if (o)
            pg_reply_error(x->req, o->status, "%s", o->error);
        else
            pg_reply_error(x->req, 503, "not evaluated: the host is stopping");
        row_free(x);
        return;
    }
    snprintf(x->revision, sizeof x->revision, "%.12s", o->revision);
    /* the unit's group under the rules that made the outcome: those in force for the period, or
     * (a result served while its re-score under new rules runs) rules no longer at hand, whose
     * groups may differ: then every group body of the outcome is a candidate */
    const pg_gen *g = pg_host_gen_for(x->h, x->period);
    if (g && g->id == o->gen_id) {
        int u = pg_unit_find(g->rs, x->id), gi = u >= 0 ? g->rs->units[u].group : -1;
        if (gi >= 0 && gi < o->ngroups && o->groups[gi]) {
            x->group_id = pg_xstrdup(g->rs->groups[gi].id);
            x->body = pg_xmalloc(sizeof *x->body);
            x->body[x->nbody++] = pg_blob_ref(o->groups[gi]);
        }
    } else {
        x->body = pg_xcalloc((size_t)(o->ngroups > 0 ? o->ngroups : 1), sizeof *x->body);
        for (int i = 0; i < o->ngroups; i++)
            if (o->groups[i]) x->body[x->nbody++] = pg_blob_ref(o->groups[i]);
    }
    if (!x->nbody) {
        pg_reply_error(x->req, 404, "revision %s has no ranking of unit '%s'", x->revision, x->id);
        row_free(x);
        return;
    }
    const char *why = pg_outcome_outdated_by(x->h, o);
    x->headers =
        why ? pg_xasprintf("%sX-Pinggu-Outdated: %s\r\n", o->headers ? o->headers : "", why)
        : o->headers ? pg_xstrdup(o->headers)
                     : NULL;
    x->job.work = row_work;
    x->job.done = row_done;
    x->job.what = "ranking row";
    pg_pool_submit(x->h->pool, &x->job);
}

static void get_row(pg_call *c)
{
    char buf[PG_PERIOD_BUF];
    const char *period = NULL;
    int has_period = pg_call_query_period(c, "period", buf, &period);
    if (has_period < 0) return; /* answered 400 */
    char *scheme = pg_http_query_param(c->req, "scheme");
    int p = has_period ? pg_period_parse(period) : -1, sc = -1, u = -1;
    const pg_ruleset *rs = NULL;
    if (!scheme || !has_period) {
        pg_reply_error(c->req, 400,
                       "which ranking? /api/v1/units/%s/ranking?scheme=SCHEME&period=YYYY-MM",
                       c->seg[3]);
    } else if (!(c->gen = pg_host_gen_for(c->h, p))) {
        pg_reply_error(c->req, 404, "period '%s': no rule set is loaded for %d", period,
                       pg_period_year(p));
    } else if ((sc = pg_strmap_get(&(rs = c->gen->rs)->scheme_ids, scheme)) < 0) {
        pg_reply_error(c->req, 404, "no scheme '%s' in the rule set (GET /api/v1/rules)", scheme);
    } else if (pg_period_is_year(p) != (rs->schemes[sc].period == PG_PERIOD_YEAR)) {
        pg_reply_error(c->req, 400, "period '%s': scheme '%s' is evaluated by %s", period, scheme,
                       rs->schemes[sc].period == PG_PERIOD_YEAR ? "year (YYYY)"
                                                                : "sampling month (YYYY-MM)");
    } else if ((u = pg_unit_find(rs, c->seg[3])) < 0) {
        pg_reply_error(c->req, 404, "no unit '%s' in the rule set", c->seg[3]);
    } else if (c->tok->role == PG_ROLE_UNIT && strcmp(rs->units[u].id, c->tok->unit) != 0) {
        pg_reply_error(c->req, 403, "this token is bound to unit '%s'", c->tok->unit);
    } else if (pg_host_refuse_stuck(c->h, c->req, NULL)) {
    } else {
        row_job *x = pg_xcalloc(1, sizeof *x);
        x->req = c->req;
        x->h = c->h;
        x->id = pg_xstrdup(rs->units[u].id);
        x->period = p;
        pg_evaluate_then(c->h, pg_entry_get(c->h, rs->schemes[sc].id, p, 1), row_came_back, x);
    }
    free(scheme);
}

const pg_route pg_series_routes[] = {
    {PG_HTTP_GET, "units/*/series", PG_ROLES_STAFF | PG_ROLES_UNIT, get_series},
    {PG_HTTP_GET, "units/*/ranking", PG_ROLES_STAFF | PG_ROLES_UNIT, get_row},
    {0, NULL, 0, NULL},
};
