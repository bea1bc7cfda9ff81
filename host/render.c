/* render.c — the rule set as JSON, and small rendering helpers (render.h). */
#include "render.h"

#include "base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

pg_blob *pg_render_take(cJSON *json)
{
    char *text = pg_json_print(json, 0, NULL);
    cJSON_Delete(json);
    if (!text) return NULL;
    pg_blob *b = pg_blob_str(text);
    free(text);
    return b;
}

char *pg_render_time(int64_t t, int offset, char buf[PG_TIME_BUF])
{
    time_t local = (time_t)(t + offset);
    struct tm tm;
    gmtime_r(&local, &tm);
    int a = offset < 0 ? -offset : offset;
    snprintf(buf, PG_TIME_BUF, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, offset < 0 ? '-' : '+',
             a / 3600, a / 60 % 60);
    return buf;
}

static void add_finite(cJSON *o, const char *k, double v)
{
    if (isfinite(v)) cJSON_AddNumberToObject(o, k, v);
}

/* The numbers that define a built-in method, by name, as an author wrote them. */
static cJSON *method_json(const pg_node *n)
{
    const pg_method *m = &n->method;
    cJSON *o = cJSON_CreateObject();
    pg_json_str(o, "kind",
                n->veto        ? "veto"
                : n->evaluator ? "evaluator_score"
                               : pg_method_name(m->kind));
    if (m->lower) cJSON_AddStringToObject(o, "better", "lower");
    switch (m->kind) {
    case PG_M_LINEAR:
        add_finite(o, "lo", m->lo), add_finite(o, "hi", m->hi);
        break;
    case PG_M_TARGET:
        add_finite(o, "target", m->target);
        break;
    case PG_M_ZSCORE:
        add_finite(o, "base", m->base), add_finite(o, "per_sd", m->per_sd);
        break;
    case PG_M_DEDUCT:
    case PG_M_PER_EVENT:
        add_finite(o, "per", m->per), add_finite(o, "free", m->free);
        break;
    case PG_M_STEPS: {
        cJSON *a = cJSON_AddArrayToObject(o, "steps");
        for (int i = 0; i < m->nsteps; i++) {
            cJSON *s = cJSON_CreateObject();
            add_finite(s, "at", m->step_at[i]), add_finite(s, "share", m->step_share[i]);
            cJSON_AddItemToArray(a, s);
        }
        add_finite(o, "otherwise", m->otherwise);
        break;
    }
    case PG_M_RANK:
        if (m->nshares)
            cJSON_AddItemToObject(o, "shares", cJSON_CreateDoubleArray(m->shares, m->nshares));
        add_finite(o, "rest", m->rest);
        break;
    default:
        break;
    }
    return o;
}

static cJSON *node_json(const pg_ruleset *rs, const pg_node *n)
{
    cJSON *o = cJSON_CreateObject();
    pg_json_str(o, "id", n->id);
    pg_json_str(o, "name", n->name);
    pg_json_str(o, "parent", n->parent >= 0 ? rs->nodes[n->parent].id : NULL);
    cJSON *pts = cJSON_AddObjectToObject(o, "points");
    for (int g = 0; g < rs->ngroups; g++)
        if (!isnan(n->points[g])) cJSON_AddNumberToObject(pts, rs->groups[g].id, n->points[g]);
    if (n->metric >= 0) {
        pg_json_str(o, "metric", rs->metrics[n->metric].id);
        cJSON_AddItemToObject(o, "method", method_json(n));
        pg_json_str(o, "missing", pg_missing_name(n->missing));
    }
    if (n->adjust) {
        cJSON_AddNumberToObject(o, "plus", n->plus);
        cJSON_AddNumberToObject(o, "minus", n->minus);
    }
    if (n->standard) pg_json_str(o, "standard", n->standard);
    if (n->source) pg_json_str(o, "source", n->source);
    char where[512];
    snprintf(where, sizeof where, "%s:%d", n->file ? n->file : "?", n->line);
    pg_json_str(o, "defined_at", where);
    return o;
}

pg_blob *pg_render_rules(const pg_gen *g)
{
    const pg_ruleset *rs = g->rs;
    cJSON *root = cJSON_CreateObject();
    pg_json_str(root, "id", rs->id);
    pg_json_str(root, "name", rs->name);
    cJSON_AddNumberToObject(root, "year", rs->year);
    pg_json_str(root, "timezone", rs->timezone);
    pg_json_str(root, "revision", rs->revision);
    pg_json_str(root, "content", g->content);
    pg_json_str(root, "directory", g->shown);
    cJSON_AddNumberToObject(root, "generation", (double)g->id);
    char buf[PG_TIME_BUF];
    pg_json_str(root, "loaded_at", pg_render_time(g->loaded_at, rs->tz_offset, buf));
    cJSON *groups = cJSON_AddArrayToObject(root, "groups");
    for (int i = 0; i < rs->ngroups; i++) {
        cJSON *o = cJSON_CreateObject();
        pg_json_str(o, "id", rs->groups[i].id);
        pg_json_str(o, "name", rs->groups[i].name);
        cJSON_AddItemToArray(groups, o);
    }
    cJSON *schemes = cJSON_AddArrayToObject(root, "schemes");
    for (int i = 0; i < rs->nschemes; i++) {
        const pg_scheme *s = &rs->schemes[i];
        cJSON *o = cJSON_CreateObject();
        pg_json_str(o, "id", s->id);
        pg_json_str(o, "name", s->name);
        pg_json_str(o, "period", s->period == PG_PERIOD_MONTH ? "month" : "year");
        cJSON_AddNumberToObject(o, "max", s->max);
        cJSON *parts = cJSON_AddArrayToObject(o, "parts");
        for (int k = 0; k < s->nparts; k++) {
            cJSON *p = cJSON_CreateObject();
            pg_json_str(p, "id", s->parts[k].id);
            pg_json_str(p, "name", s->parts[k].name);
            cJSON_AddNumberToObject(p, "weight", s->parts[k].weight);
            if (s->parts[k].ref) pg_json_str(p, "scheme", s->parts[k].ref);
            cJSON_AddItemToArray(parts, p);
        }
        cJSON_AddItemToArray(schemes, o);
    }
    /* 等次, best first: the dashboard colours by position (green, amber, red), not by label */
    cJSON *bands = cJSON_AddArrayToObject(root, "bands");
    for (int i = 0; i < rs->nbands; i++) {
        cJSON *o = cJSON_CreateObject();
        pg_json_str(o, "label", rs->bands[i].label);
        cJSON_AddNumberToObject(o, "min", rs->bands[i].min);
        cJSON_AddItemToArray(bands, o);
    }
    cJSON *sources = cJSON_AddArrayToObject(root, "sources");
    for (int i = 0; i < rs->nsources; i++) {
        const pg_source *src = &rs->sources[i];
        cJSON *o = cJSON_CreateObject();
        pg_json_str(o, "id", src->name);
        cJSON *f = cJSON_AddArrayToObject(o, "fields");
        for (int k = 0; k < src->nfields; k++)
            cJSON_AddItemToArray(f, cJSON_CreateString(src->fields[k].name));
        cJSON_AddItemToArray(sources, o);
    }
    cJSON *tree = cJSON_AddArrayToObject(root, "indicators");
    for (int i = 0; i < rs->nnodes; i++) cJSON_AddItemToArray(tree, node_json(rs, &rs->nodes[i]));
    return pg_render_take(root);
}
