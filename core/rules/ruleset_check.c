/* ruleset_check.c — the semantic checks behind `pinggu check`.
 *
 * The loader has already checked types and that every id a declaration names exists. Here
 * we check what makes a rule set wrong although every field is well-formed: points that do
 * not add up for some group, thresholds out of order, shares outside [0, 1], bands out of
 * order, leaves without a scoring standard. Suspicious but legal things are warnings. */
#include "rules.h"

#include <dirent.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#define EPS 1e-9
#define NODE_ERR(d, n, ...) pg_error((d), (n)->file, (n)->line, __VA_ARGS__)
#define NODE_WARN(d, n, ...) pg_warn((d), (n)->file, (n)->line, __VA_ARGS__)

/* Whether a declaration was written in the set's own directory, not inherited from the set it
 * extends (rs->layers[1] and up). */
static int own_decl(const pg_ruleset *rs, const char *file)
{
    size_t n = strlen(rs->dir);
    return rs->nlayers <= 1 || !file || (strncmp(file, rs->dir, n) == 0 && file[n] == '/');
}

static int is_share(double x)
{
    return x >= 0 && x <= 1;
}

static void check_method(const pg_node *n, pg_diags *d)
{
    const pg_method *m = &n->method;
    const char *id = n->id;
    switch (m->kind) {
    case PG_M_LINEAR:
        if (!(m->lo < m->hi))
            NODE_ERR(d, n, "indicator '%s': linear: lo (%g) must be below hi (%g)", id, m->lo,
                     m->hi);
        break;
    case PG_M_STEPS:
        for (int i = 0; i < m->nsteps; i++) {
            if (!is_share(m->step_share[i]))
                NODE_ERR(d, n, "indicator '%s': steps row %d: share %g is not between 0 and 1", id,
                         i + 1, m->step_share[i]);
            if (i == 0) continue;
            int ordered =
                m->lower ? m->step_at[i] > m->step_at[i - 1] : m->step_at[i] < m->step_at[i - 1];
            if (!ordered)
                NODE_ERR(d, n,
                         "indicator '%s': steps thresholds must %s (row %d: %g after %g), since "
                         "the first row that matches wins",
                         id, m->lower ? "ascend for better = \"lower\"" : "descend", i + 1,
                         m->step_at[i], m->step_at[i - 1]);
            else if (m->step_share[i] > m->step_share[i - 1])
                NODE_WARN(d, n,
                          "indicator '%s': steps row %d gives more (%g) than the better row "
                          "before it (%g)",
                          id, i + 1, m->step_share[i], m->step_share[i - 1]);
        }
        if (!is_share(m->otherwise))
            NODE_ERR(d, n, "indicator '%s': steps: otherwise = %g is not between 0 and 1", id,
                     m->otherwise);
        break;
    case PG_M_TARGET:
        if (!(m->target > 0))
            NODE_ERR(d, n, "indicator '%s': target: target must be above 0 (got %g)", id,
                     m->target);
        break;
    case PG_M_RANK:
        for (int i = 0; i < m->nshares; i++) {
            if (!is_share(m->shares[i]))
                NODE_ERR(d, n, "indicator '%s': rank: shares[%d] = %g is not between 0 and 1", id,
                         i + 1, m->shares[i]);
            else if (i > 0 && m->shares[i] > m->shares[i - 1])
                NODE_WARN(d, n, "indicator '%s': rank: shares[%d] gives a lower rank more", id,
                          i + 1);
        }
        if (!is_share(m->rest))
            NODE_ERR(d, n, "indicator '%s': rank: rest = %g is not between 0 and 1", id, m->rest);
        break;
    case PG_M_ZSCORE:
        if (!is_share(m->base))
            NODE_ERR(d, n, "indicator '%s': zscore: base = %g is not between 0 and 1", id, m->base);
        if (!(m->per_sd > 0))
            NODE_ERR(d, n, "indicator '%s': zscore: per_sd must be above 0 (got %g)", id,
                     m->per_sd);
        break;
    case PG_M_DEDUCT:
    case PG_M_PER_EVENT:
        if (!(m->per > 0))
            NODE_ERR(d, n, "indicator '%s': %s: per must be above 0 (got %g)", id,
                     pg_method_name(m->kind), m->per);
        if (!(m->free >= 0))
            NODE_ERR(d, n, "indicator '%s': %s: free must be 0 or more (got %g)", id,
                     pg_method_name(m->kind), m->free);
        break;
    default:
        break;
    }
}

static void check_leaf(const pg_ruleset *rs, const pg_node *n, int in_adjust, pg_diags *d)
{
    if (!n->standard || !*n->standard)
        NODE_ERR(d, n, "indicator '%s': a leaf needs standard = \"...\" (评分标准, in words)",
                 n->id);
    if (!n->source || !*n->source)
        NODE_ERR(d, n, "indicator '%s': a leaf needs source = \"...\" (数据来源)", n->id);
    if (n->evaluator) {
        /* 定性评价: the points are the evaluator's, so there is no value to read */
        if (n->metric >= 0)
            NODE_ERR(d, n,
                     "indicator '%s': method = evaluator_score {} takes the evaluator's points; "
                     "remove metric = \"%s\"",
                     n->id, rs->metrics[n->metric].id);
        if (n->veto)
            NODE_ERR(d, n, "indicator '%s': a veto item cannot be scored by an evaluator", n->id);
        if (n->min_n > 0)
            NODE_WARN(d, n, "indicator '%s': min_n has no effect on evaluator_score", n->id);
        return;
    }
    if (n->metric < 0)
        NODE_ERR(d, n, "indicator '%s': a leaf needs metric = \"<metric id>\"", n->id);
    if (n->method.kind == PG_M_NONE && !n->veto)
        NODE_ERR(d, n,
                 "indicator '%s': a leaf needs a method, e.g. method = linear { lo = 0.5, "
                 "hi = 0.95 }",
                 n->id);
    check_method(n, d);
    if (n->min_n < 0) NODE_ERR(d, n, "indicator '%s': min_n must be 0 or more", n->id);
    if (n->veto && !in_adjust)
        NODE_ERR(d, n, "indicator '%s': a veto item belongs under a kind = \"adjust\" node", n->id);
    if (in_adjust) {
        for (int g = 0; g < rs->ngroups; g++)
            if (!n->veto && n->points[g] == 0)
                NODE_WARN(d, n,
                          "indicator '%s': a bonus/penalty item with 0 points for group "
                          "'%s' never counts",
                          n->id, rs->groups[g].id);
        if (n->missing == PG_MISS_NA || n->missing == PG_MISS_NO_BUSINESS)
            NODE_WARN(d, n,
                      "indicator '%s': bonus/penalty items count 0 when data is missing; "
                      "missing = \"%s\" has no effect",
                      n->id, pg_missing_name(n->missing));
    } else {
        for (int g = 0; g < rs->ngroups; g++)
            if (n->points[g] < 0)
                NODE_ERR(d, n,
                         "indicator '%s': negative points (%g) belong to bonus/penalty "
                         "items under a kind = \"adjust\" node",
                         n->id, n->points[g]);
        if (n->method.kind == PG_M_PER_EVENT)
            NODE_WARN(d, n,
                      "indicator '%s': per_event is meant for bonus/penalty items; use "
                      "deduct to take points off",
                      n->id);
    }
}

static void check_node(const pg_ruleset *rs, int i, pg_diags *d)
{
    const pg_node *n = &rs->nodes[i];
    const pg_node *p = n->parent >= 0 ? &rs->nodes[n->parent] : NULL;
    int applies = 0;
    for (int g = 0; g < rs->ngroups; g++) applies |= !isnan(n->points[g]);
    if (!applies && !n->adjust)
        NODE_ERR(d, n, "indicator '%s': applies to no group (give it points = ...)", n->id);
    if (p && p->adjust && n->nchildren)
        NODE_ERR(d, n, "indicator '%s': items under a kind = \"adjust\" node must be leaves",
                 n->id);
    if (p && n->adjust)
        NODE_ERR(d, n, "indicator '%s': a kind = \"adjust\" node must be a part (no parent)",
                 n->id);
    if (p)
        for (int g = 0; g < rs->ngroups; g++)
            if (!isnan(n->points[g]) && isnan(p->points[g]))
                NODE_ERR(d, n, "indicator '%s': applies to group '%s' but its parent '%s' does not",
                         n->id, rs->groups[g].id, p->id);
    if (n->nchildren == 0 && !n->adjust) {
        check_leaf(rs, n, p && p->adjust, d);
        return;
    }
    if (n->metric >= 0 || n->method.kind != PG_M_NONE || n->evaluator)
        NODE_ERR(d, n,
                 "indicator '%s': has children, so it is scored from them; remove its "
                 "metric and method",
                 n->id);
    if (n->adjust) return;
    for (int g = 0; g < rs->ngroups; g++) {
        if (isnan(n->points[g])) continue;
        if (!(n->points[g] > 0))
            NODE_ERR(d, n, "indicator '%s': points for group '%s' must be above 0", n->id,
                     rs->groups[g].id);
        double sum = 0;
        int count = 0;
        for (int c = 0; c < n->nchildren; c++) {
            double cp = rs->nodes[n->children[c]].points[g];
            if (!isnan(cp)) sum += cp, count++;
        }
        if (count == 0)
            NODE_ERR(d, n, "indicator '%s': no child applies to group '%s'", n->id,
                     rs->groups[g].id);
        else if (n->op == PG_OP_SUM && !(fabs(sum - n->points[g]) <= EPS)) {
            /* every digit: %g would say "add up to 10, not its 10 points" for 10.000001 */
            char a[PG_NUM_BUF], b[PG_NUM_BUF];
            /* An inherited node whose children a set that extends it overrode or retired: say
             * it where that set changed them, not in last year's file. */
            const pg_node *at = n;
            for (int c = 0; c < n->nchildren && !own_decl(rs, at->file); c++)
                if (own_decl(rs, rs->nodes[n->children[c]].file)) at = &rs->nodes[n->children[c]];
            NODE_ERR(d, at,
                     "indicator '%s': for group '%s' its children add up to %s, not its %s "
                     "points%s",
                     n->id, rs->groups[g].id, pg_num_text(sum, a), pg_num_text(n->points[g], b),
                     own_decl(rs, n->file)
                         ? ""
                         : " (it is inherited: this set's overrides or retirements "
                           "changed its children; rebalance them, or redeclare it "
                           "with new points)");
        }
    }
}

/* Σ weight × part maximum for group g, as the default composite adds it up. */
static double parts_max(const pg_ruleset *rs, const pg_scheme *s, int g)
{
    double sum = 0;
    for (int k = 0; k < s->nparts; k++) {
        const pg_part *p = &s->parts[k];
        if (p->node >= 0 && !rs->nodes[p->node].adjust && !isnan(rs->nodes[p->node].points[g]))
            sum += p->weight * rs->nodes[p->node].points[g];
        else if (p->scheme >= 0)
            sum += p->weight * rs->schemes[p->scheme].max;
    }
    return sum;
}

static void check_scheme(const pg_ruleset *rs, const pg_scheme *s, pg_diags *d)
{
    if (s->nparts == 0) pg_error(d, s->file, s->line, "scheme '%s': has no parts", s->id);
    if (!(s->max > 0)) pg_error(d, s->file, s->line, "scheme '%s': max must be above 0", s->id);
    for (int k = 0; k < s->nparts; k++) {
        const pg_part *p = &s->parts[k];
        if (!(p->weight > 0))
            pg_error(d, s->file, s->line, "scheme '%s': part '%s' needs a weight above 0", s->id,
                     p->id);
        for (int j = 0; j < k; j++)
            if (strcmp(s->parts[j].id, p->id) == 0)
                pg_error(d, s->file, s->line, "scheme '%s': part '%s' is listed twice", s->id,
                         p->id);
        if (p->scheme < 0) continue;
        const pg_scheme *ref = &rs->schemes[p->scheme];
        for (int j = 0; j < ref->nparts; j++)
            if (ref->parts[j].scheme >= 0)
                pg_error(d, s->file, s->line,
                         "scheme '%s': part '%s' aggregates '%s', which itself aggregates "
                         "schemes; only one level is allowed",
                         s->id, p->id, ref->id);
        if (s->period != PG_PERIOD_YEAR)
            pg_error(d, s->file, s->line,
                     "scheme '%s': a scheme that aggregates other schemes must have period = "
                     "\"year\"",
                     s->id);
        if (p->month_from < 1 || p->month_to > 12 || p->month_from > p->month_to)
            pg_error(d, s->file, s->line,
                     "scheme '%s': part '%s': months {%d, %d} is not a range "
                     "within 1..12",
                     s->id, p->id, p->month_from, p->month_to);
    }
    int schemes = 0;
    for (int k = 0; k < s->nparts; k++) schemes += s->parts[k].scheme >= 0;
    if (schemes && schemes < s->nparts)
        pg_error(d, s->file, s->line,
                 "scheme '%s': parts must be all indicators or all schemes, not a mix", s->id);
    if (s->composite_ref != LUA_NOREF) return;
    for (int g = 0; g < rs->ngroups; g++) {
        double sum = parts_max(rs, s, g);
        char a[PG_NUM_BUF], b[PG_NUM_BUF];
        if (!(fabs(sum - s->max) <= 1e-6))
            pg_error(d, s->file, s->line,
                     "scheme '%s': for group '%s' the weighted parts reach %s, not the scheme's "
                     "max %s",
                     s->id, rs->groups[g].id, pg_num_text(sum, a), pg_num_text(s->max, b));
    }
}

/* self_report and authenticity: a unit reports only what the system does not measure, and a
 * check compares two different metrics of the same kind. */
static void check_review_metric(const pg_ruleset *rs, const pg_metric *m, pg_diags *d)
{
    const char *src = m->source >= 0 ? rs->sources[m->source].name : NULL;
    if (m->self_report && src)
        pg_error(d, m->file, m->line,
                 "metric '%s': self_report = true on a metric computed from source '%s'; units "
                 "cannot report what the system measures — declare a separate metric for the "
                 "reported figure and check it with authenticity = { measured = \"%s\" }",
                 m->id, src, m->id);
    if (m->auth_measured < 0) return;
    const pg_metric *ms = &rs->metrics[m->auth_measured];
    if (src)
        pg_error(d, m->file, m->line,
                 "metric '%s': authenticity belongs on the reported metric, and this one is "
                 "computed from source '%s'",
                 m->id, src);
    if (ms == m)
        pg_error(d, m->file, m->line,
                 "metric '%s': authenticity.measured names the metric itself; name the "
                 "system's figure of the same thing",
                 m->id);
    if (!m->self_report && !src)
        pg_warn(d, m->file, m->line,
                "metric '%s': has authenticity but not self_report = true; only values fed in "
                "CSV are checked",
                m->id);
    if ((m->unit == NULL) != (ms->unit == NULL) ||
        (m->unit && ms->unit && strcmp(m->unit, ms->unit) != 0))
        pg_warn(d, m->file, m->line,
                "metric '%s' (%s) is checked against '%s' (%s): not the same unit of measure",
                m->id, m->unit ? m->unit : "no unit", ms->id, ms->unit ? ms->unit : "no unit");
    if (m->auth_into < 0) return;
    const pg_metric *into = &rs->metrics[m->auth_into];
    if (into == m || into == ms)
        pg_error(d, m->file, m->line,
                 "metric '%s': authenticity.into must be a third metric (the count of "
                 "flags, e.g. data_truth_issues), not '%s'",
                 m->id, into->id);
    else if (into->source >= 0)
        pg_error(d, m->file, m->line,
                 "metric '%s': authenticity.into names '%s', which is computed from source "
                 "'%s'; flags add to a fed count",
                 m->id, into->id, rs->sources[into->source].name);
    else if (into->unit && strcmp(into->unit, "count") != 0)
        pg_warn(d, m->file, m->line,
                "metric '%s': authenticity.into names '%s', whose unit is '%s'; the flags are "
                "a count",
                m->id, into->id, into->unit);
}

static int node_in_any_scheme(const pg_ruleset *rs, int node)
{
    for (int s = 0; s < rs->nschemes; s++)
        for (int k = 0; k < rs->schemes[s].norder; k++)
            if (rs->schemes[s].order[k] == node) return 1;
    return 0;
}

static int part_of_any_scheme(const pg_ruleset *rs, const char *id)
{
    for (int s = 0; s < rs->nschemes; s++)
        for (int k = 0; k < rs->schemes[s].nparts; k++)
            if (strcmp(rs->schemes[s].parts[k].id, id) == 0) return 1;
    return 0;
}

static void check_unloaded_files(const pg_ruleset *rs, pg_diags *d)
{
    DIR *dir = opendir(rs->fsdir);
    if (!dir) return;
    const char *const *files;
    int n = pg_sandbox_files(rs->sb, &files);
    struct dirent *e;
    while ((e = readdir(dir))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".lua") != 0) continue;
        int loaded = 0;
        for (int i = 0; i < n; i++) loaded |= strcmp(files[i], e->d_name) == 0;
        if (!loaded) {
            char *path = pg_xasprintf("%s/%s", rs->dir, e->d_name);
            pg_warn(d, path, 0, "this file is never loaded: no require \"%.*s\" reaches it",
                    (int)len - 4, e->d_name);
            free(path);
        }
    }
    closedir(dir);
}

/* A scheme reads each computed metric's window for its own period kind (docs/rules.md,
 * windows): a metric without one has no value in that scheme's periods, and its leaf is scored
 * on missing data every period. A warning, not an error: a leaf meant to be dropped there (its
 * missing policy not_applicable) is legitimate, but it must not go unnoticed. */
static void check_windows(const pg_ruleset *rs, const pg_scheme *sc, pg_diags *d)
{
    int year = sc->period == PG_PERIOD_YEAR;
    for (int k = 0; k < sc->norder; k++) {
        const pg_node *n = &rs->nodes[sc->order[k]];
        if (n->metric < 0) continue;
        const pg_metric *m = &rs->metrics[n->metric];
        if (m->source < 0 || m->agg == PG_AGG_FED ||
            (year ? m->win_year : m->win_month) != PG_OVER_NONE)
            continue;
        NODE_WARN(d, n,
                  "indicator '%s' is scored in scheme '%s' (period = \"%s\"), but metric '%s' has "
                  "no window for %s periods (over: %s), so it never has a value there; give the "
                  "metric one, as in over = { month = \"month\", year = \"year_end\" }",
                  n->id, sc->id, year ? "year" : "month", m->id, year ? "year" : "month",
                  m->over_text ? m->over_text : "?");
    }
}

void pg_ruleset_check(const pg_ruleset *rs, pg_diags *d)
{
    for (int i = 1; i < rs->nbands; i++)
        if (!(rs->bands[i].min < rs->bands[i - 1].min))
            pg_error(d, rs->file, rs->line,
                     "ruleset: bands must go from the highest minimum down ('%s' at %g comes "
                     "after '%s' at %g)",
                     rs->bands[i].label, rs->bands[i].min, rs->bands[i - 1].label,
                     rs->bands[i - 1].min);
    if (rs->nbands && rs->bands[rs->nbands - 1].min > 0)
        pg_warn(d, rs->file, rs->line, "ruleset: totals below %g get no band",
                rs->bands[rs->nbands - 1].min);
    for (int i = 0; i < rs->ntie; i++)
        if (pg_strmap_get(&rs->node_ids, rs->tie_breakers[i]) < 0 &&
            !part_of_any_scheme(rs, rs->tie_breakers[i]))
            pg_error(d, rs->file, rs->line,
                     "ruleset: tie breaker '%s' is neither an indicator nor a scheme part",
                     rs->tie_breakers[i]);
    for (int g = 0; g < rs->ngroups; g++) {
        int members = 0;
        for (int u = 0; u < rs->nunits; u++) members += rs->units[u].group == g;
        if (!members)
            pg_warn(d, rs->groups[g].file, rs->groups[g].line, "group '%s' has no units",
                    rs->groups[g].id);
    }
    for (int i = 0; i < rs->nnodes; i++) {
        check_node(rs, i, d);
        pg_compose_check(rs, i, d);
        if (!node_in_any_scheme(rs, i))
            NODE_WARN(d, &rs->nodes[i], "indicator '%s' is in no scheme, so it is never scored",
                      rs->nodes[i].id);
    }
    for (int m = 0; m < rs->nmetrics; m++) check_review_metric(rs, &rs->metrics[m], d);
    for (int m = 0; m < rs->nmetrics; m++) {
        int used = rs->metrics[m].auth_measured >= 0;
        for (int i = 0; i < rs->nnodes; i++) used |= rs->nodes[i].metric == m;
        for (int k = 0; k < rs->nmetrics; k++) used |= rs->metrics[k].auth_measured == m;
        if (!used)
            pg_warn(d, rs->metrics[m].file, rs->metrics[m].line,
                    "metric '%s' is read by no indicator%s", rs->metrics[m].id,
                    rs->nlayers > 1 && !own_decl(rs, rs->metrics[m].file)
                        ? " (inherited: the indicator that read it may be retired; retire the "
                          "metric too once no data for it arrives)"
                        : "");
    }
    for (int s = 0; s < rs->nschemes; s++) check_scheme(rs, &rs->schemes[s], d);
    for (int s = 0; s < rs->nschemes; s++) check_windows(rs, &rs->schemes[s], d);
    if (rs->nschemes == 0) pg_error(d, rs->file, rs->line, "the rule set declares no scheme");
    check_unloaded_files(rs, d);
}
