/* report_bjson.c — a bulletin's document model as JSON (`pinggu report --format json`):
 * <basename>.json, the model field for field, so that other programs read exactly what the
 * HTML and CSV show. Numbers that do not exist are null. */
#include "report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void rank(cJSON *o, const char *k, int r)
{
    if (r)
        cJSON_AddNumberToObject(o, k, r);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *parts(const pg_bulletin *b, const double *v)
{
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; k < b->nparts; k++) pg_json_num(o, b->parts[k].id, v[k]);
    return o;
}

static cJSON *asides(const pg_bulletin *b, const pg_bl_aside *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        pg_json_str(o, "unit", b->units[v[i].unit].id);
        pg_json_str(o, "name", b->units[v[i].unit].name);
        pg_json_str(o, "reason", v[i].reason);
        pg_json_str(o, "indicators", v[i].indicators);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* A ranked = false group's table: its units' totals and parts, highest first, no rank. Only
 * when the group has one, so that other bulletins keep their bytes. */
static void observers(cJSON *o, const pg_bulletin *b, int gi)
{
    const pg_bl_group *g = &b->groups[gi];
    int *obs = pg_xcalloc((size_t)g->nunranked + 1, sizeof(int));
    int n = pg_bl_observers(b, gi, obs);
    if (n) {
        cJSON *a = cJSON_AddArrayToObject(o, "not_ranked");
        for (int i = 0; i < n; i++) {
            const pg_bl_unit *u = &b->units[obs[i]];
            cJSON *x = cJSON_CreateObject();
            pg_json_str(x, "unit", u->id);
            pg_json_str(x, "name", u->name);
            pg_json_num(x, "total", u->total);
            cJSON_AddItemToObject(x, "parts", parts(b, u->parts));
            pg_json_str(x, "band", u->band);
            cJSON_AddItemToArray(a, x);
        }
    }
    free(obs);
}

static cJSON *group(const pg_bulletin *b, int gi)
{
    const pg_bl_group *g = &b->groups[gi];
    cJSON *o = cJSON_CreateObject();
    pg_json_str(o, "id", g->id);
    pg_json_str(o, "name", g->name);
    cJSON *rows = cJSON_AddArrayToObject(o, "ranking");
    for (int i = 0; i < g->nrows; i++) {
        const pg_bl_row *r = &g->rows[i];
        cJSON *x = cJSON_CreateObject();
        rank(x, "rank", r->rank);
        pg_json_str(x, "unit", b->units[r->unit].id);
        pg_json_str(x, "name", b->units[r->unit].name);
        pg_json_num(x, "total", r->total);
        cJSON_AddItemToObject(x, "parts", parts(b, r->parts));
        pg_json_num(x, "change", r->change);
        rank(x, "previous_rank", r->prev_rank);
        pg_json_str(x, "movement", r->movement);
        pg_json_str(x, "mark", r->mark);
        pg_json_str(x, "band", r->band);
        cJSON_AddItemToArray(rows, x);
    }
    observers(o, b, gi);
    cJSON_AddItemToObject(o, "unranked", asides(b, g->unranked, g->nunranked));
    cJSON_AddItemToObject(o, "no_business", asides(b, g->no_business, g->nno_business));
    cJSON *imp = cJSON_AddArrayToObject(o, "improved");
    for (int i = 0; i < g->nimproved; i++)
        cJSON_AddItemToArray(imp, cJSON_CreateString(b->units[g->rows[g->improved[i]].unit].id));
    pg_json_str(o, "summary", g->summary);
    return o;
}

/* The unit's 问题清单 (the model's items of unit u, biggest loss of the total first): what the
 * HTML's 附件4 and the CSV's -issues file list. */
static cJSON *issues(const pg_bulletin *b, int u)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < b->nissues; i++) {
        const pg_bl_problem *p = &b->issues[i];
        if (p->unit != u) continue;
        cJSON *x = cJSON_CreateObject();
        pg_json_str(x, "indicator", p->indicator);
        pg_json_str(x, "name", p->name);
        pg_json_num(x, "lost_total", pg_bl_round(b, p->lost_total, 4));
        pg_json_num(x, "lost_part", pg_bl_round(b, p->lost_part, 4));
        pg_json_str(x, "rule", p->rule);
        pg_json_str(x, "data", p->data);
        pg_json_str(x, "regain", p->regain);
        pg_json_str(x, "rectify", p->rectify);
        pg_json_str(x, "due", p->due);
        cJSON_AddBoolToObject(x, "recurring", p->recurring);
        cJSON_AddItemToArray(a, x);
    }
    return a;
}

/* The unit's 整改 items of earlier periods overdue on the publication's day, as the HTML's
 * 附件5 lists them. */
static cJSON *overdue(const pg_bulletin *b, int u)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < b->noverdue; i++) {
        const pg_bl_overdue *p = &b->overdue[i];
        if (p->unit != u) continue;
        cJSON *x = cJSON_CreateObject();
        pg_json_str(x, "period", p->period);
        pg_json_str(x, "indicator", p->indicator);
        pg_json_str(x, "name", p->name);
        pg_json_num(x, "lost_total", pg_bl_round(b, p->lost_total, 4));
        pg_json_num(x, "lost_part", pg_bl_round(b, p->lost_part, 4));
        pg_json_str(x, "due", p->due);
        cJSON_AddNumberToObject(x, "days", p->days);
        pg_json_str(x, "state", p->state);
        cJSON_AddItemToArray(a, x);
    }
    return a;
}

static cJSON *unit(const pg_bulletin *b, const pg_bl_unit *u)
{
    cJSON *o = cJSON_CreateObject();
    pg_json_str(o, "unit", u->id);
    pg_json_str(o, "name", u->name);
    pg_json_str(o, "code", u->code);
    pg_json_str(o, "group", b->groups[u->group].id);
    rank(o, "rank", u->rank);
    pg_json_num(o, "total", u->total);
    pg_json_str(o, "band", u->band);
    pg_json_str(o, "mark", u->mark);
    pg_json_num(o, "change", u->change);
    cJSON_AddItemToObject(o, "parts", parts(b, u->parts));
    pg_json_str(o, "composite", u->composite);
    pg_json_str(o, "note", u->note);
    cJSON *trend = cJSON_AddObjectToObject(o, "trend");
    for (int m = 0; u->trend && m < b->ntrend; m++)
        pg_json_num(trend, b->trend_periods[m], u->trend[m]);
    cJSON *lost = cJSON_AddArrayToObject(o, "lost");
    for (int i = 0; i < u->nlost; i++) {
        const pg_bl_lost *l = &u->lost[i];
        cJSON *x = cJSON_CreateObject();
        pg_json_str(x, "indicator", l->indicator);
        pg_json_str(x, "name", l->name);
        pg_json_str(x, "part", l->part >= 0 ? b->parts[l->part].id : NULL);
        pg_json_num(x, "max", l->max);
        pg_json_num(x, "got", l->got);
        pg_json_num(x, "weight", l->weight);
        pg_json_num(x, "lost", l->lost);
        pg_json_num(x, "lost_total", l->lost_total);
        pg_json_str(x, "status", l->status);
        pg_json_str(x, "why", l->why);
        pg_json_str(x, "metric", l->metric);
        pg_json_str(x, "metric_name", l->metric_name);
        pg_json_num(x, "value", l->value);
        pg_json_num(x, "n", l->n);
        pg_json_str(x, "value_text", l->value_text);
        pg_json_str(x, "doc", l->doc);
        cJSON_AddItemToArray(lost, x);
    }
    /* a scheme of schemes has no items: its losses are in the schemes it aggregates */
    if (b->issues) cJSON_AddItemToObject(o, "issues", issues(b, (int)(u - b->units)));
    /* only a published bulletin has them: a draft keeps its bytes */
    if (b->overdue_as_of) cJSON_AddItemToObject(o, "overdue", overdue(b, (int)(u - b->units)));
    return o;
}

static cJSON *tree(const pg_bulletin *b)
{
    cJSON *root = cJSON_CreateObject();
    pg_json_str(root, "title", b->title);
    cJSON *r = cJSON_AddObjectToObject(root, "ruleset");
    pg_json_str(r, "id", b->ruleset_id);
    pg_json_str(r, "name", b->ruleset_name);
    pg_json_str(r, "revision", b->revision);
    cJSON *s = cJSON_AddObjectToObject(root, "scheme");
    pg_json_str(s, "id", b->scheme_id);
    pg_json_str(s, "name", b->scheme_name);
    pg_json_num(s, "max", b->max);
    cJSON_AddBoolToObject(s, "year", b->year_report);
    cJSON *ps = cJSON_AddArrayToObject(s, "parts");
    for (int k = 0; k < b->nparts; k++) {
        const pg_bl_part *p = &b->parts[k];
        cJSON *x = cJSON_CreateObject();
        pg_json_str(x, "id", p->id);
        pg_json_str(x, "name", p->name);
        pg_json_num(x, "weight", p->weight);
        pg_json_str(x, "scheme", p->scheme);
        if (p->month_from) {
            cJSON *m = cJSON_AddArrayToObject(x, "months");
            cJSON_AddItemToArray(m, cJSON_CreateNumber(p->month_from));
            cJSON_AddItemToArray(m, cJSON_CreateNumber(p->month_to));
        }
        cJSON_AddItemToArray(ps, x);
    }
    cJSON *is = cJSON_AddObjectToObject(root, "issue");
    pg_json_str(is, "issuer", b->issuer);
    pg_json_str(is, "number", b->number);
    pg_json_str(is, "date", b->issued_on);
    cJSON_AddNumberToObject(is, "edition", b->edition);
    pg_json_str(is, "correction", b->correction);
    if (b->overdue_as_of) pg_json_str(is, "overdue_as_of", b->overdue_as_of);
    pg_json_str(root, "period", b->period);
    pg_json_str(root, "previous_period", b->previous_period);
    cJSON_AddNumberToObject(root, "rounding", b->rounding);
    pg_json_str(root, "composite", b->composite);
    if (b->nnotes) { /* only when there are: bulletins without notes keep their bytes */
        cJSON *ns = cJSON_AddArrayToObject(root, "notes");
        for (int i = 0; i < b->nnotes; i++)
            cJSON_AddItemToArray(ns, cJSON_CreateString(b->notes[i]));
    }
    pg_json_str(root, "trend_scheme", b->trend_scheme);
    cJSON *tp = cJSON_AddArrayToObject(root, "trend_periods");
    for (int m = 0; m < b->ntrend; m++)
        cJSON_AddItemToArray(tp, cJSON_CreateString(b->trend_periods[m]));
    cJSON *gs = cJSON_AddArrayToObject(root, "groups");
    for (int g = 0; g < b->ngroups; g++) cJSON_AddItemToArray(gs, group(b, g));
    cJSON *us = cJSON_AddArrayToObject(root, "units");
    for (int u = 0; u < b->nunits; u++) cJSON_AddItemToArray(us, unit(b, &b->units[u]));
    return root;
}

int pg_bulletin_json(const pg_bulletin *b, const char *dir, FILE *list)
{
    cJSON *root = tree(b);
    char *text = pg_json_print(root, 1, NULL);
    cJSON_Delete(root);
    if (!text) return -ENOMEM;
    char *path = pg_xasprintf("%s/%s.json", dir, b->basename);
    FILE *f = fopen(path, "w");
    int rc = f ? 0 : -errno;
    if (f && (fputs(text, f) < 0 || fputc('\n', f) == EOF)) rc = -EIO;
    if (f && fclose(f) != 0 && rc == 0) rc = -errno;
    if (rc == 0 && list) fprintf(list, "%s\n", path);
    free(path);
    free(text);
    return rc;
}
