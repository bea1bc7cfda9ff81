/* rank.c — ranking within each group, on rounded totals (or unrounded, rank_on).
 *
 * Order: rounded total (the unrounded one under rank_on = "unrounded"), then the rule set's
 * tie-breakers (the rounded score of each named part or indicator, first difference wins); units
 * still equal share a rank. Competition ranking leaves a gap after a tie (1, 2, 2, 4), dense does
 * not (1, 2, 2, 3). Tied units are listed by code, then id — never by input order — but that order
 * does not change a rank. */
#include "score.h"
#include "base.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const pg_result *res;
    double *keys; /* per unit: ntie tie-breaker values */
    int ntie;
} rank_ctx;

/* The value of tie-breaker id for unit u in this scheme, or NAN where it does not apply. */
static double tie_value(const pg_result *res, const char *id, int u)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    for (int k = 0; k < s->nparts; k++)
        if (strcmp(s->parts[k].id, id) == 0) return pg_rs_round(rs, pg_result_part(res, u, k));
    int node = pg_strmap_get(&rs->node_ids, id);
    if (node < 0 || !res->cells) return NAN;
    for (int i = 0; i < s->norder; i++)
        if (s->order[i] == node) return pg_rs_round(rs, pg_result_cell(res, node, u)->points);
    return NAN;
}

/* qsort has no user pointer, so each element carries its context (no global state: ranks
 * are computed on worker threads). */
typedef struct {
    int unit;
    const rank_ctx *c;
} entry;

/* What ranks: the rounded total, or the unrounded one when the set says rank_on = "unrounded". */
static double rank_key(const pg_result *res, const pg_unit_result *ur)
{
    return res->rs->rank_unrounded ? ur->raw_total : ur->total;
}

/* Compares on total and tie-breakers only: 0 means a true tie. */
static int cmp_rank(const rank_ctx *c, int a, int b, int *decider)
{
    const pg_unit_result *x = &c->res->units[a], *y = &c->res->units[b];
    double kx = rank_key(c->res, x), ky = rank_key(c->res, y);
    if (kx != ky) return kx > ky ? -1 : 1;
    for (int i = 0; i < c->ntie; i++) {
        double va = c->keys[a * c->ntie + i], vb = c->keys[b * c->ntie + i];
        if (isnan(va) && isnan(vb)) continue;
        if (isnan(va) || isnan(vb) || va != vb) {
            if (decider) *decider = i;
            if (isnan(va)) return 1;
            if (isnan(vb)) return -1;
            return va > vb ? -1 : 1;
        }
    }
    return 0;
}

static int cmp_display(const void *pa, const void *pb)
{
    const entry *ea = pa, *eb = pb;
    int a = ea->unit, b = eb->unit;
    int r = cmp_rank(ea->c, a, b, NULL);
    if (r) return r;
    const pg_unit *ua = &ea->c->res->rs->units[a], *ub = &ea->c->res->rs->units[b];
    if ((r = strcmp(ua->code, ub->code))) return r;
    return strcmp(ua->id, ub->id);
}

/* Within each run of equal totals, a unit's tie_breaker is the first tie-breaker that sets
 * it apart from another unit of the run with a different rank; units the tie-breakers cannot
 * separate from any other keep -1. */
static void mark_tie_breakers(const rank_ctx *c, const int *order, int n)
{
    pg_unit_result *units = c->res->units;
    for (int lo = 0, hi; lo < n; lo = hi) {
        for (hi = lo + 1;
             hi < n && rank_key(c->res, &units[order[hi]]) == rank_key(c->res, &units[order[lo]]);)
            hi++;
        for (int i = lo; i < hi; i++)
            for (int j = lo; j < hi; j++) {
                int decider = -1;
                if (units[order[i]].rank == units[order[j]].rank) continue;
                cmp_rank(c, order[i], order[j], &decider);
                pg_unit_result *ur = &units[order[i]];
                if (decider >= 0 && (ur->tie_breaker < 0 || decider < ur->tie_breaker))
                    ur->tie_breaker = decider;
            }
    }
}

int *pg_result_group_order(const pg_result *res, int g)
{
    const pg_ruleset *rs = res->rs;
    int *order = pg_xmalloc(sizeof(int) * (size_t)(rs->nunits + 1)), n = 0;
    for (int u = 0; u < rs->nunits; u++)
        if (rs->units[u].group == g && res->units[u].ranked) n++;
    for (int u = 0; u < rs->nunits; u++)
        if (rs->units[u].group == g && res->units[u].ranked) order[res->units[u].position - 1] = u;
    order[n] = -1;
    return order;
}

void pg_rank_assign(pg_result *res)
{
    const pg_ruleset *rs = res->rs;
    rank_ctx c = {res, NULL, rs->ntie};
    c.keys = pg_xmalloc(sizeof(double) * (size_t)(rs->nunits * rs->ntie + 1));
    for (int u = 0; u < rs->nunits; u++)
        for (int i = 0; i < rs->ntie; i++)
            c.keys[u * rs->ntie + i] = tie_value(res, rs->tie_breakers[i], u);
    entry *sorted = pg_xmalloc(sizeof(entry) * (size_t)(rs->nunits + 1));
    int *order = pg_xmalloc(sizeof(int) * (size_t)(rs->nunits + 1));
    for (int g = 0; g < rs->ngroups; g++) {
        int n = 0;
        for (int u = 0; u < rs->nunits; u++)
            if (rs->units[u].group == g && res->units[u].ranked) sorted[n++] = (entry){u, &c};
        qsort(sorted, (size_t)n, sizeof(entry), cmp_display);
        for (int i = 0; i < n; i++) {
            order[i] = sorted[i].unit;
            res->units[order[i]].position = i + 1;
        }
        int dense = 0;
        for (int i = 0; i < n; i++) {
            pg_unit_result *ur = &res->units[order[i]];
            int tied = i > 0 && cmp_rank(&c, order[i - 1], order[i], NULL) == 0;
            if (tied)
                ur->rank = res->units[order[i - 1]].rank;
            else {
                dense++;
                ur->rank = rs->dense ? dense : i + 1;
            }
        }
        mark_tie_breakers(&c, order, n);
    }
    for (int u = 0; u < rs->nunits; u++) {
        pg_unit_result *ur = &res->units[u];
        if (!ur->ranked) continue;
        for (int b = 0; b < rs->nbands && ur->band < 0; b++)
            if (ur->total >= rs->bands[b].min - 1e-9) ur->band = b;
    }
    free(order);
    free(sorted);
    free(c.keys);
}
