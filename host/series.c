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
 * the very numbers GET /results/.../{unit} shows for that period. */
#include "call.h"
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
} series;

/* One period's member, from its outcome (NULL: none could be run). */
static cJSON *period_item(int period, int unit, const char *id, const pg_outcome *o)
{
    char buf[PG_PERIOD_BUF];
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "period", pg_period_format(period, buf));
    cJSON *u = NULL, *body = NULL;
    if (o && !o->error && unit < o->nunits && o->units[unit]) {
        body = cJSON_ParseWithLength(o->units[unit]->data, o->units[unit]->len);
        u = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(body, "units"), 0);
        /* never another unit's numbers: the outcome's rules may order the units otherwise */
        const char *got = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(u, "unit"));
        if (!got || strcmp(got, id) != 0) u = NULL;
    }
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
    cJSON_Delete(body);
    return p;
}

static void finish(series *s)
{
    cJSON *a = cJSON_AddArrayToObject(s->answer, "periods");
    for (int i = 0; i < s->n; i++) cJSON_AddItemToArray(a, s->item[i]);
    pg_reply_json(s->req, 200, s->answer);
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

const pg_route pg_series_routes[] = {
    {PG_HTTP_GET, "units/*/series", PG_ROLES_STAFF | PG_ROLES_UNIT, get_series},
    {0, NULL, 0, NULL},
};
