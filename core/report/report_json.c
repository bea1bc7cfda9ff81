/* report_json.c — the JSON shape of a result (documented in docs/reports.md). Numbers that are
 * not finite (a dropped part) are written as null; points carry 4 decimals, totals the rule
 * set's rounding. */
#include "base.h"
#include "score.h"
#include "report.h"

#include <errno.h>
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>

const char *pg_movement(const pg_unit_result *ur)
{
    if (!ur->prev_rank) return "new";
    return ur->rank < ur->prev_rank ? "up" : ur->rank > ur->prev_rank ? "down" : "same";
}

static void add_num(cJSON *o, const char *k, double v, int digits)
{
    pg_json_num(o, k, pg_round(v, digits)); /* pg_round keeps a NaN a NaN */
}

/* A total, a part or a change: rounded as the rule set rounds its totals (rounding digits and
 * rounding_mode), so that a part reads here as the bulletin prints it. */
static void add_fig(cJSON *o, const char *k, double v, const pg_ruleset *rs)
{
    pg_json_num(o, k, pg_rs_round(rs, v));
}

static cJSON *parts_object(const pg_result *res, int u)
{
    const pg_scheme *s = &res->rs->schemes[res->scheme];
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; k < s->nparts; k++)
        add_fig(o, s->parts[k].id, pg_result_part(res, u, k), res->rs);
    return o;
}

static cJSON *ranking_row(const pg_result *res, int u)
{
    const pg_ruleset *rs = res->rs;
    const pg_unit_result *ur = &res->units[u];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", ur->rank);
    pg_json_str(o, "unit", rs->units[u].id);
    pg_json_str(o, "name", rs->units[u].name);
    pg_json_str(o, "code", rs->units[u].code);
    add_fig(o, "total", ur->total, rs);
    cJSON_AddItemToObject(o, "parts", parts_object(res, u));
    if (ur->prev_rank)
        cJSON_AddNumberToObject(o, "previous_rank", ur->prev_rank);
    else
        cJSON_AddNullToObject(o, "previous_rank");
    pg_json_str(o, "movement", pg_movement(ur));
    add_fig(o, "change", ur->prev_rank ? ur->total - ur->prev_total : NAN, rs);
    pg_json_str(o, "band", ur->band >= 0 ? rs->bands[ur->band].label : NULL);
    pg_json_str(o, "tie_breaker", ur->tie_breaker >= 0 ? rs->tie_breakers[ur->tie_breaker] : NULL);
    pg_json_str(o, "veto", ur->veto_node >= 0 ? rs->nodes[ur->veto_node].id : NULL);
    cJSON_AddNumberToObject(o, "errors", ur->errors);
    return o;
}

static cJSON *no_business_list(const pg_result *res, int u)
{
    const pg_scheme *s = &res->rs->schemes[res->scheme];
    cJSON *a = NULL;
    for (int i = 0; res->cells && i < s->norder; i++) {
        const pg_node *n = &res->rs->nodes[s->order[i]];
        if (n->nchildren || pg_result_cell(res, s->order[i], u)->status != PG_ST_NO_BUSINESS)
            continue;
        if (!a) a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, cJSON_CreateString(n->id));
    }
    return a;
}

static cJSON *group_object(const pg_result *res, int g)
{
    const pg_ruleset *rs = res->rs;
    cJSON *o = cJSON_CreateObject();
    pg_json_str(o, "id", rs->groups[g].id);
    pg_json_str(o, "name", rs->groups[g].name);
    cJSON *ranking = cJSON_AddArrayToObject(o, "ranking");
    cJSON *unranked = cJSON_AddArrayToObject(o, "unranked");
    cJSON *nb = cJSON_AddArrayToObject(o, "no_business");
    int *order = pg_result_group_order(res, g), n = 0;
    while (order[n] >= 0) cJSON_AddItemToArray(ranking, ranking_row(res, order[n++]));
    for (int u = 0; u < rs->nunits; u++) {
        if (rs->units[u].group != g) continue;
        if (!res->units[u].ranked) {
            cJSON *x = cJSON_CreateObject();
            pg_json_str(x, "unit", rs->units[u].id);
            pg_json_str(x, "name", rs->units[u].name);
            pg_json_str(x, "reason", pg_result_unranked_reason(res, u));
            /* a group declared ranked = false: evaluated, so its total is shown */
            if (!isnan(res->units[u].total)) add_fig(x, "total", res->units[u].total, rs);
            cJSON_AddItemToArray(unranked, x);
        }
        cJSON *list = no_business_list(res, u);
        if (list) {
            cJSON *x = cJSON_CreateObject();
            pg_json_str(x, "unit", rs->units[u].id);
            pg_json_str(x, "name", rs->units[u].name);
            cJSON_AddItemToObject(x, "indicators", list);
            cJSON_AddItemToArray(nb, x);
        }
    }
    free(order);
    return o;
}

static cJSON *indicator_row(const pg_result *res, int node, int u, const char *part)
{
    const pg_ruleset *rs = res->rs;
    const pg_node *n = &rs->nodes[node];
    const pg_cell *c = pg_result_cell(res, node, u);
    int leaf = n->nchildren == 0 && !n->adjust;
    cJSON *o = cJSON_CreateObject();
    pg_json_str(o, "id", n->id);
    pg_json_str(o, "name", n->name);
    pg_json_str(o, "parent", n->parent >= 0 ? rs->nodes[n->parent].id : NULL);
    pg_json_str(o, "part", part);
    cJSON_AddNumberToObject(o, "depth", n->depth);
    cJSON_AddBoolToObject(o, "leaf", leaf);
    if (leaf) {
        pg_json_str(o, "metric", n->metric >= 0 ? rs->metrics[n->metric].id : NULL);
        add_num(o, "value", c->value, 6);
        add_num(o, "n", c->n, 6);
        pg_json_str(o, "method",
                    n->veto        ? "veto"
                    : n->evaluator ? "evaluator_score"
                                   : pg_method_name(n->method.kind));
        pg_json_str(o, "policy", pg_missing_name(n->missing));
    }
    add_num(o, "points", c->points, 4);
    add_num(o, "max", c->max, 4);
    add_num(o, "weight", c->weight, 6);
    add_num(o, "lost", pg_result_lost(res, node, u), 4);
    pg_json_str(o, "status", pg_status_name((pg_status)c->status));
    cJSON_AddBoolToObject(o, "capped", c->capped);
    char buf[PG_PERIOD_BUF];
    pg_json_str(o, "carried_from",
                c->status == PG_ST_CARRIED ? pg_period_format(c->carried_from, buf) : NULL);
    pg_json_str(o, "note", pg_result_note(res, c->note));
    return o;
}

static void add_tree(const pg_result *res, cJSON *a, int node, int u, const char *part)
{
    if (pg_result_cell(res, node, u)->status == PG_ST_OFF) return;
    cJSON_AddItemToArray(a, indicator_row(res, node, u, part));
    const pg_node *n = &res->rs->nodes[node];
    for (int k = 0; k < n->nchildren; k++) add_tree(res, a, n->children[k], u, part);
}

/* For a scheme of schemes: each part's sub-results, period by period. */
static cJSON *sources_object(const pg_result *res, int u)
{
    const pg_scheme *s = &res->rs->schemes[res->scheme];
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; k < s->nparts; k++) {
        cJSON *p = cJSON_AddObjectToObject(o, s->parts[k].id);
        for (int i = 0; i < res->nsub; i++) {
            if (res->sub_part[i] != k) continue;
            char buf[PG_PERIOD_BUF];
            const pg_unit_result *sr = &res->sub[i]->units[u];
            add_fig(p, pg_period_format(res->sub[i]->period, buf), sr->ranked ? sr->total : NAN,
                    res->rs);
        }
    }
    return o;
}

/* 评估数据真实性 flags ("flags", whenever the rule set declares a check) and upheld appeals
 * ("appeals", when there are any) of one unit. */
static void add_review(const pg_result *res, int u, cJSON *o)
{
    const pg_ruleset *rs = res->rs;
    int checks = 0;
    for (int m = 0; m < rs->nmetrics; m++) checks |= rs->metrics[m].auth_measured >= 0;
    if (checks) {
        cJSON *a = cJSON_AddArrayToObject(o, "flags");
        for (int i = 0; i < res->nflags; i++) {
            const pg_auth_flag *f = &res->flags[i];
            if (f->unit != u) continue;
            const pg_metric *m = &rs->metrics[f->metric];
            char buf[PG_PERIOD_BUF];
            cJSON *x = cJSON_CreateObject();
            pg_json_str(x, "metric", m->id);
            pg_json_str(x, "name", m->name);
            pg_json_str(x, "period", pg_period_format(f->period, buf));
            add_num(x, "reported", f->reported, 6);
            pg_json_str(x, "measured_metric", rs->metrics[m->auth_measured].id);
            add_num(x, "measured", f->measured, 6);
            add_num(x, "tolerance", m->auth_tolerance, 6);
            pg_json_str(x, "into", m->auth_into >= 0 ? rs->metrics[m->auth_into].id : NULL);
            cJSON_AddItemToArray(a, x);
        }
    }
    cJSON *a = NULL;
    for (int i = 0; i < res->nappeals; i++) {
        const pg_appeal_applied *ap = &res->appeals[i];
        if (ap->unit != u) continue;
        if (!a) a = cJSON_AddArrayToObject(o, "appeals");
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "id", (double)ap->id);
        pg_json_str(x, "indicator", rs->nodes[ap->node].id);
        add_num(x, "granted", ap->granted, 6);
        add_num(x, "applied", ap->applied, 6);
        pg_json_str(x, "reason", ap->reason);
        cJSON_AddItemToArray(a, x);
    }
}

static cJSON *unit_object(const pg_result *res, int u)
{
    const pg_ruleset *rs = res->rs;
    const pg_unit_result *ur = &res->units[u];
    const pg_scheme *s = &rs->schemes[res->scheme];
    cJSON *o = cJSON_CreateObject();
    pg_json_str(o, "unit", rs->units[u].id);
    pg_json_str(o, "name", rs->units[u].name);
    pg_json_str(o, "group", rs->groups[rs->units[u].group].id);
    pg_json_str(o, "code", rs->units[u].code);
    cJSON_AddBoolToObject(o, "code_standard", rs->units[u].code_standard);
    add_fig(o, "total", ur->total, rs);
    add_num(o, "unrounded_total", isnan(ur->total) ? NAN : ur->raw_total, 6);
    if (ur->rank)
        cJSON_AddNumberToObject(o, "rank", ur->rank);
    else
        cJSON_AddNullToObject(o, "rank");
    pg_json_str(o, "band", ur->band >= 0 ? rs->bands[ur->band].label : NULL);
    pg_json_str(o, "veto", ur->veto_node >= 0 ? rs->nodes[ur->veto_node].id : NULL);
    cJSON_AddBoolToObject(o, "clamped", ur->clamped);
    pg_json_str(o, "note", pg_result_note(res, ur->note));
    cJSON_AddItemToObject(o, "parts", parts_object(res, u));
    if (res->cells) {
        cJSON *a = cJSON_AddArrayToObject(o, "indicators");
        for (int k = 0; k < s->nparts; k++)
            if (s->parts[k].node >= 0) add_tree(res, a, s->parts[k].node, u, s->parts[k].id);
        add_review(res, u, o);
    } else
        cJSON_AddItemToObject(o, "sources", sources_object(res, u));
    return o;
}

cJSON *pg_report_json_tree(const pg_result *res, int unit)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    char buf[PG_PERIOD_BUF];
    cJSON *root = cJSON_CreateObject();
    cJSON *r = cJSON_AddObjectToObject(root, "ruleset");
    pg_json_str(r, "id", rs->id);
    pg_json_str(r, "name", rs->name);
    cJSON_AddNumberToObject(r, "year", rs->year);
    pg_json_str(r, "revision", rs->revision);
    cJSON *sc = cJSON_AddObjectToObject(root, "scheme");
    pg_json_str(sc, "id", s->id);
    pg_json_str(sc, "name", s->name);
    cJSON_AddNumberToObject(sc, "max", s->max);
    cJSON *parts = cJSON_AddArrayToObject(sc, "parts");
    for (int k = 0; k < s->nparts; k++) {
        cJSON *p = cJSON_CreateObject();
        pg_json_str(p, "id", s->parts[k].id);
        pg_json_str(p, "name", s->parts[k].name);
        cJSON_AddNumberToObject(p, "weight", s->parts[k].weight);
        pg_json_str(p, "scheme", s->parts[k].ref);
        cJSON_AddItemToArray(parts, p);
    }
    pg_json_str(root, "period", pg_period_format(res->period, buf));
    pg_json_str(root, "previous_period",
                res->has_prev ? pg_period_format(pg_period_prev(res->period), buf) : NULL);
    cJSON_AddNumberToObject(root, "rounding", rs->rounding);
    pg_json_str(root, "ranking_method", rs->dense ? "dense" : "competition");
    cJSON *groups = cJSON_AddArrayToObject(root, "groups");
    for (int g = 0; g < rs->ngroups; g++) cJSON_AddItemToArray(groups, group_object(res, g));
    cJSON *units = cJSON_AddArrayToObject(root, "units");
    for (int u = 0; u < rs->nunits && unit != PG_REPORT_NO_UNITS; u++)
        if (unit < 0 || unit == u) cJSON_AddItemToArray(units, unit_object(res, u));
    return root;
}

cJSON *pg_report_json_unit(const pg_result *res, int u)
{
    return unit_object(res, u);
}

int pg_report_json(const pg_result *res, int unit, FILE *out)
{
    cJSON *root = pg_report_json_tree(res, unit);
    char *text = pg_json_print(root, 1, NULL);
    cJSON_Delete(root);
    if (!text) return -ENOMEM;
    int bad = fputs(text, out) < 0 || fputc('\n', out) == EOF;
    free(text);
    return bad ? -EIO : 0;
}
