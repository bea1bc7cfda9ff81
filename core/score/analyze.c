/* analyze.c — which indicators matter: statistics of every indicator of a scheme, per group,
 * over one or more evaluated periods (the yearly review of the weights).
 *
 * The observations of a group are its (unit, period) pairs in which the unit was ranked;
 * periods are pooled. Per indicator (every node of the scheme's trees) and group, over the
 * observations where the indicator applies to the group:
 *   coverage    share with the unit's own data (a leaf: scored from a value, its own or carried;
 *               an inner node: scored at all); missing = 1 − coverage
 *   n, mean, sd, skew   of the points over the observations where it has points (a missing
 *               value scored 0 counts; a dropped indicator does not). sd and skew are the
 *               population's (÷ n): skew = m3 / m2^1.5, none when sd is 0
 *   at_full, at_zero    share of those at the indicator's full points (|points| ≥ |max|) and
 *               at zero (区分度: an indicator everyone maxes ranks no one)
 *   r_parent, r_total   Pearson's correlation with its parent's points and with the total
 *               (before rounding), over the observations where both exist
 *   nominal     its points × its part's weight ÷ the scheme's weighted maximum for the group:
 *               its share of the total by the rules (none inside a bonus/penalty node)
 *   effective   cov(c, T) / var(T), c its contribution to the total T (its points × the
 *               rescaling into its part × the part's weight, scaled up as the total is when a
 *               part is dropped — diff.c's contribution; 0 where it is dropped), T the total
 *               before rounding: its share of the total's variance (the JRC's check of nominal
 *               against effective weights). Summed over the leaves it is 1 whenever every total
 *               is the sum of its leaves' contributions (no veto, no clamp to [0, max]).
 *               Neither weight is given below a node whose aggregate is not sum (mean, geomean,
 *               harmonic, min: its children's points are not shares of the total).
 * And per group, the pairs of leaves whose points correlate above 0.9 (double counting). */
#include "score.h"
#include "base.h"
#include "rules.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double part_max(const pg_ruleset *rs, const pg_part *p, int g)
{
    return rs->nodes[p->node].adjust ? 0 : rs->nodes[p->node].points[g];
}

/* What one point of part k is worth in unit u's total (diff.c part_factor). */
static double part_factor(const pg_result *res, int u, int k)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    const pg_part *p = &s->parts[k];
    if (rs->nodes[p->node].adjust) return p->weight;
    int g = rs->units[u].group;
    double all = 0, present = 0;
    for (int i = 0; i < s->nparts; i++) {
        const pg_part *q = &s->parts[i];
        double mx = part_max(rs, q, g);
        if (isnan(mx) || rs->nodes[q->node].adjust) continue;
        all += q->weight * mx;
        if (!isnan(pg_result_part(res, u, i))) present += q->weight * mx;
    }
    return present > 0 ? p->weight * all / present : 0;
}

static int root_part(const pg_ruleset *rs, const pg_scheme *s, int node)
{
    while (rs->nodes[node].parent >= 0) node = rs->nodes[node].parent;
    for (int k = 0; k < s->nparts; k++)
        if (s->parts[k].node == node) return k;
    return -1;
}

static int in_adjust(const pg_ruleset *rs, int node)
{
    for (int a = node; a >= 0; a = rs->nodes[a].parent)
        if (rs->nodes[a].adjust) return 1;
    return 0;
}

/* Whether a node sits under one that combines its children by another operator than sum
 * (aggregate = mean, geomean, …): its points are then not a share of the total, so neither
 * figure of weight is defined for it. */
static int under_operator(const pg_ruleset *rs, int node)
{
    for (int a = rs->nodes[node].parent; a >= 0; a = rs->nodes[a].parent)
        if (rs->nodes[a].op != PG_OP_SUM) return 1;
    return 0;
}

/* Pearson's r of the pairs (x[i], y[i]) where both are numbers; NAN with fewer than 2 or a
 * constant side. */
static double pearson(const double *x, const double *y, long n)
{
    double sx = 0, sy = 0;
    long k = 0;
    for (long i = 0; i < n; i++)
        if (!isnan(x[i]) && !isnan(y[i])) sx += x[i], sy += y[i], k++;
    if (k < 2) return NAN;
    double mx = sx / (double)k, my = sy / (double)k, sxy = 0, sxx = 0, syy = 0;
    for (long i = 0; i < n; i++)
        if (!isnan(x[i]) && !isnan(y[i])) {
            double a = x[i] - mx, b = y[i] - my;
            sxy += a * b, sxx += a * a, syy += b * b;
        }
    if (sxx <= 0 || syy <= 0) return NAN;
    return sxy / sqrt(sxx * syy);
}

int pg_analyze_results(pg_result *const *res, int nres, pg_analysis **out, pg_diags *d)
{
    *out = NULL;
    if (nres < 1) {
        pg_error(d, NULL, 0, "nothing to analyze: no period was evaluated");
        return -ENOENT;
    }
    const pg_ruleset *rs = res[0]->rs;
    const pg_scheme *s = &rs->schemes[res[0]->scheme];
    if (!res[0]->cells || s->norder == 0) {
        pg_error(d, s->file, s->line,
                 "scheme '%s' combines other schemes' totals; analyze reads an indicator tree: "
                 "run it on the schemes it combines",
                 s->id);
        return -ENOTSUP;
    }
    pg_analysis *an = pg_xcalloc(1, sizeof *an);
    an->rs = rs;
    an->scheme = res[0]->scheme;
    an->nperiods = nres;
    an->periods = pg_xmalloc(sizeof(int) * (size_t)nres);
    for (int i = 0; i < nres; i++) an->periods[i] = res[i]->period;
    int *nodes = NULL, nn = pg_scheme_preorder(rs, s, &nodes);
    an->obs = pg_xcalloc((size_t)rs->ngroups, sizeof(long));
    an->ind = pg_xcalloc((size_t)nn * (size_t)rs->ngroups + 1, sizeof(pg_an_indicator));

    long cap = (long)rs->nunits * nres + 1;
    int *ob_r = pg_xmalloc(sizeof(int) * (size_t)cap),
        *ob_u = pg_xmalloc(sizeof(int) * (size_t)cap);
    double *tot = pg_xmalloc(sizeof(double) * (size_t)cap);
    double *pts = pg_xmalloc(sizeof(double) * (size_t)cap * (size_t)(nn + 1));
    double *con = pg_xmalloc(sizeof(double) * (size_t)cap);
    double *par = pg_xmalloc(sizeof(double) * (size_t)cap);
    for (int g = 0; g < rs->ngroups; g++) {
        long n = 0;
        for (int r = 0; r < nres; r++)
            for (int u = 0; u < rs->nunits; u++)
                if (rs->units[u].group == g && res[r]->units[u].ranked) {
                    ob_r[n] = r, ob_u[n] = u;
                    tot[n] = res[r]->units[u].raw_total;
                    n++;
                }
        an->obs[g] = n;
        double wmax = 0; /* the scheme's weighted maximum for the group */
        for (int k = 0; k < s->nparts; k++) {
            double mx = part_max(rs, &s->parts[k], g);
            if (!isnan(mx) && !rs->nodes[s->parts[k].node].adjust) wmax += s->parts[k].weight * mx;
        }
        /* points of every node, NAN where it has none */
        for (int i = 0; i < nn; i++)
            for (long o = 0; o < n; o++)
                pts[(size_t)i * (size_t)cap + (size_t)o] =
                    pg_result_cell(res[ob_r[o]], nodes[i], ob_u[o])->points;
        double vt = 0, mt = 0;
        for (long o = 0; o < n; o++) mt += tot[o];
        mt = n ? mt / (double)n : 0;
        for (long o = 0; o < n; o++) vt += (tot[o] - mt) * (tot[o] - mt);
        for (int i = 0; i < nn; i++) {
            const pg_node *nd = &rs->nodes[nodes[i]];
            pg_an_indicator *a = &an->ind[an->nind];
            *a = (pg_an_indicator){.node = nodes[i], .group = g};
            if (isnan(nd->points[g])) continue; /* off for the group: no entry */
            an->nind++;
            a->max = nd->points[g];
            int k = root_part(rs, s, nodes[i]), leaf = nd->nchildren == 0 && !nd->adjust;
            const double *x = pts + (size_t)i * (size_t)cap;
            long data = 0, scored = 0, full = 0, zero = 0;
            double sum = 0;
            for (long o = 0; o < n; o++) {
                const pg_cell *c = pg_result_cell(res[ob_r[o]], nodes[i], ob_u[o]);
                if (c->status == PG_ST_OFF) continue;
                a->applies++;
                data +=
                    leaf ? c->status == PG_ST_OK || c->status == PG_ST_CARRIED : !isnan(c->points);
                if (isnan(x[o])) continue;
                scored++;
                sum += x[o];
                full += a->max != 0 && fabs(x[o]) >= fabs(a->max) - 1e-9;
                zero += fabs(x[o]) <= 1e-9;
            }
            a->n = scored;
            a->coverage = a->applies ? (double)data / (double)a->applies : NAN;
            a->mean = a->sd = a->skew = a->at_full = a->at_zero = NAN;
            if (scored) {
                a->mean = sum / (double)scored;
                double m2 = 0, m3 = 0;
                for (long o = 0; o < n; o++)
                    if (!isnan(x[o])) {
                        double dv = x[o] - a->mean;
                        m2 += dv * dv, m3 += dv * dv * dv;
                    }
                m2 /= (double)scored, m3 /= (double)scored;
                a->sd = sqrt(m2);
                a->skew = m2 > 0 ? m3 / pow(m2, 1.5) : NAN;
                a->at_full = (double)full / (double)scored;
                a->at_zero = (double)zero / (double)scored;
            }
            a->r_parent = NAN;
            if (nd->parent >= 0) {
                for (long o = 0; o < n; o++)
                    par[o] = pg_result_cell(res[ob_r[o]], nd->parent, ob_u[o])->points;
                a->r_parent = pearson(x, par, n);
            }
            a->r_total = pearson(x, tot, n);
            int adj = in_adjust(rs, nodes[i]) || under_operator(rs, nodes[i]);
            a->nominal = adj || k < 0 || !(wmax > 0) ? NAN : a->max * s->parts[k].weight / wmax;
            a->effective = NAN;
            if (vt > 0 && k >= 0 && !under_operator(rs, nodes[i])) {
                double mc = 0, cv = 0;
                for (long o = 0; o < n; o++) {
                    const pg_cell *c = pg_result_cell(res[ob_r[o]], nodes[i], ob_u[o]);
                    con[o] = isnan(c->points)
                                 ? 0
                                 : c->points * c->weight * part_factor(res[ob_r[o]], ob_u[o], k);
                    mc += con[o];
                }
                mc /= (double)n;
                for (long o = 0; o < n; o++) cv += (con[o] - mc) * (tot[o] - mt);
                a->effective = cv / vt;
            }
        }
        /* leaves that say the same thing */
        for (int i = 0; i < nn; i++) {
            const pg_node *ni = &rs->nodes[nodes[i]];
            if (ni->nchildren || ni->adjust || isnan(ni->points[g])) continue;
            for (int j = i + 1; j < nn; j++) {
                const pg_node *nj = &rs->nodes[nodes[j]];
                if (nj->nchildren || nj->adjust || isnan(nj->points[g])) continue;
                double r = pearson(pts + (size_t)i * (size_t)cap, pts + (size_t)j * (size_t)cap, n);
                if (!(r > 0.9)) continue;
                an->pairs = pg_xrealloc(an->pairs, sizeof(pg_an_pair) * (size_t)(an->npairs + 1));
                an->pairs[an->npairs++] = (pg_an_pair){g, nodes[i], nodes[j], r};
            }
        }
    }
    free(ob_r), free(ob_u), free(tot), free(pts), free(con), free(par), free(nodes);
    *out = an;
    return 0;
}

int pg_analyze(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
               pg_analysis **out, pg_diags *d)
{
    const pg_scheme *s = &rs->schemes[scheme];
    *out = NULL;
    pg_result **res = pg_xcalloc(13, sizeof(pg_result *));
    int n = 0, rc = 0;
    if (s->period == PG_PERIOD_MONTH && pg_period_is_year(period)) {
        /* a year of a monthly scheme: every month the data hold */
        for (int m = 1; m <= 12 && rc == 0; m++) {
            pg_diags quiet = {0};
            int r = pg_eval(rs, ds, scheme, period + m, &res[n], &quiet);
            if (r == 0)
                n++;
            else if (r != -ENOENT) {
                for (int i = 0; i < quiet.n; i++)
                    pg_diag_add(d, quiet.v[i].sev, quiet.v[i].file, quiet.v[i].line, quiet.v[i].col,
                                "%s", quiet.v[i].msg);
                rc = r;
            }
            pg_diags_free(&quiet);
        }
        if (rc == 0 && n == 0) {
            char pb[PG_PERIOD_BUF];
            pg_error(d, NULL, 0, "no data for scheme '%s' in any month of %s", s->id,
                     pg_period_format(period, pb));
            rc = -ENOENT;
        }
    } else if ((rc = pg_eval(rs, ds, scheme, period, &res[0], d)) == 0)
        n = 1;
    if (rc == 0) rc = pg_analyze_results(res, n, out, d);
    for (int i = 0; i < n; i++) pg_result_free(res[i]);
    free(res);
    return rc;
}

void pg_analysis_free(pg_analysis *an)
{
    if (!an) return;
    free(an->periods), free(an->obs), free(an->ind), free(an->pairs);
    free(an);
}

static void num(cJSON *o, const char *k, double v)
{
    if (isnan(v))
        cJSON_AddNullToObject(o, k);
    else
        cJSON_AddNumberToObject(o, k, pg_round(v, 6));
}

cJSON *pg_analysis_json(const pg_analysis *an)
{
    const pg_ruleset *rs = an->rs;
    char pb[PG_PERIOD_BUF];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "scheme", rs->schemes[an->scheme].id);
    cJSON_AddStringToObject(o, "revision", rs->revision);
    cJSON *ps = cJSON_AddArrayToObject(o, "periods");
    for (int i = 0; i < an->nperiods; i++)
        cJSON_AddItemToArray(ps, cJSON_CreateString(pg_period_format(an->periods[i], pb)));
    cJSON *gs = cJSON_AddArrayToObject(o, "groups");
    for (int g = 0; g < rs->ngroups; g++) {
        cJSON *gj = cJSON_CreateObject();
        cJSON_AddStringToObject(gj, "id", rs->groups[g].id);
        cJSON_AddStringToObject(gj, "name", rs->groups[g].name);
        cJSON_AddNumberToObject(gj, "observations", (double)an->obs[g]);
        cJSON *is = cJSON_AddArrayToObject(gj, "indicators");
        for (int i = 0; i < an->nind; i++) {
            const pg_an_indicator *a = &an->ind[i];
            if (a->group != g) continue;
            const pg_node *nd = &rs->nodes[a->node];
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "id", nd->id);
            cJSON_AddStringToObject(j, "name", nd->name);
            if (nd->parent >= 0)
                cJSON_AddStringToObject(j, "parent", rs->nodes[nd->parent].id);
            else
                cJSON_AddNullToObject(j, "parent");
            cJSON_AddNumberToObject(j, "depth", nd->depth);
            cJSON_AddBoolToObject(j, "leaf", nd->nchildren == 0 && !nd->adjust);
            cJSON_AddNumberToObject(j, "max", a->max);
            cJSON_AddNumberToObject(j, "applies", (double)a->applies);
            num(j, "coverage", a->coverage);
            num(j, "missing", isnan(a->coverage) ? NAN : 1 - a->coverage);
            cJSON_AddNumberToObject(j, "n", (double)a->n);
            num(j, "mean", a->mean);
            num(j, "sd", a->sd);
            num(j, "skew", a->skew);
            num(j, "at_full", a->at_full);
            num(j, "at_zero", a->at_zero);
            num(j, "r_parent", a->r_parent);
            num(j, "r_total", a->r_total);
            num(j, "nominal_weight", a->nominal);
            num(j, "effective_weight", a->effective);
            cJSON_AddItemToArray(is, j);
        }
        cJSON *pj = cJSON_AddArrayToObject(gj, "correlated_pairs");
        for (int i = 0; i < an->npairs; i++) {
            if (an->pairs[i].group != g) continue;
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "a", rs->nodes[an->pairs[i].a].id);
            cJSON_AddStringToObject(j, "b", rs->nodes[an->pairs[i].b].id);
            num(j, "r", an->pairs[i].r);
            cJSON_AddItemToArray(pj, j);
        }
        cJSON_AddItemToArray(gs, gj);
    }
    return o;
}

static void cell(FILE *out, double v, const char *fmt, int pct)
{
    if (isnan(v))
        fprintf(out, "  %7s", "—");
    else
        fprintf(out, fmt, pct ? v * 100 : v);
}

int pg_analysis_text(const pg_analysis *an, FILE *out)
{
    const pg_ruleset *rs = an->rs;
    char pb[PG_PERIOD_BUF], pe[PG_PERIOD_BUF];
    fprintf(out, "%s 指标分析（%s", rs->schemes[an->scheme].name,
            pg_period_format(an->periods[0], pb));
    if (an->nperiods > 1)
        fprintf(out, " 至 %s，%d 期合并", pg_period_format(an->periods[an->nperiods - 1], pe),
                an->nperiods);
    fputs("）\n覆盖率：有本单位数据的比例；满分/零分：得满分、得0分的比例（区分度）；"
          "r上级、r总分：与上级指标、与总分的相关系数；名义权重：分值占总分的比例；有效权重："
          "对总分方差的贡献 cov(贡献, 总分)/var(总分)\n",
          out);
    for (int g = 0; g < rs->ngroups; g++) {
        fprintf(out, "\n%s（%ld 个观测）\n", rs->groups[g].name, an->obs[g]);
        fprintf(out, "%-28s  %7s  %7s  %7s  %7s  %7s  %7s  %7s  %7s  %7s  %7s  %7s\n", "指标",
                "分值", "覆盖率", "均值", "标准差", "偏度", "满分", "零分", "r上级", "r总分",
                "名义权重", "有效权重");
        for (int i = 0; i < an->nind; i++) {
            const pg_an_indicator *a = &an->ind[i];
            if (a->group != g) continue;
            const pg_node *nd = &rs->nodes[a->node];
            fprintf(out, "%*s%-*s  %7g", nd->depth * 2, "", 28 - nd->depth * 2, nd->id, a->max);
            cell(out, a->coverage, "  %6.1f%%", 1);
            cell(out, a->mean, "  %7.3f", 0);
            cell(out, a->sd, "  %7.3f", 0);
            cell(out, a->skew, "  %7.2f", 0);
            cell(out, a->at_full, "  %6.1f%%", 1);
            cell(out, a->at_zero, "  %6.1f%%", 1);
            cell(out, a->r_parent, "  %7.2f", 0);
            cell(out, a->r_total, "  %7.2f", 0);
            cell(out, a->nominal, "  %6.1f%%", 1);
            cell(out, a->effective, "  %6.1f%%", 1);
            fputc('\n', out);
        }
        int any = 0;
        for (int i = 0; i < an->npairs; i++)
            if (an->pairs[i].group == g) {
                if (!any++) fputs("高度相关（r > 0.9，可能重复计分）：\n", out);
                fprintf(out, "  %s ~ %s  r = %.3f\n", rs->nodes[an->pairs[i].a].id,
                        rs->nodes[an->pairs[i].b].id, an->pairs[i].r);
            }
    }
    return ferror(out) ? -EIO : 0;
}
