/* method.c — the built-in methods. Each is a few lines of arithmetic on the value and, for
 * relative methods, the group's statistics; docs/rules.md states the same
 * formulas in words. What a leaf makes of its value before the method (na_when, transform,
 * winsor: core/rules/compose.c declares them) is here too, for the same reason. */
#include "method.h"
#include "score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void pg_group_stats_compute(pg_group_stats *gs, const double *values, int n, int sorted)
{
    double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        sum += values[i];
        lo = values[i] < lo ? values[i] : lo;
        hi = values[i] > hi ? values[i] : hi;
    }
    gs->n = n;
    /* All values equal: the mean is that value and the sd exactly 0. Summed, 29 × 0.8 ÷ 29 is
     * not 0.8 to the last bit, and the sd of the rounding noise (~1e-16) would turn equal
     * values into z = ±1 under zscore instead of the base share. */
    gs->mean = !n ? NAN : lo == hi ? lo : sum / n;
    for (int i = 0; i < n; i++) sq += (values[i] - gs->mean) * (values[i] - gs->mean);
    gs->sd = !n ? NAN : lo == hi ? 0 : sqrt(sq / n);
    gs->min = n ? lo : NAN;
    gs->max = n ? hi : NAN;
    gs->sorted = NULL;
    if (!sorted) return;
    gs->sorted = pg_xmalloc(sizeof(double) * (size_t)(n ? n : 1));
    if (n) memcpy(gs->sorted, values, sizeof(double) * (size_t)n);
    qsort(gs->sorted, (size_t)n, sizeof(double), cmp_double);
}

int pg_method_is_relative(const pg_method *m)
{
    return m->kind == PG_M_BEST_RATIO || m->kind == PG_M_RANK || m->kind == PG_M_MINMAX ||
           m->kind == PG_M_ZSCORE || m->kind == PG_M_CUSTOM;
}

int pg_method_needs_order(const pg_method *m)
{
    return m->kind == PG_M_RANK || m->kind == PG_M_CUSTOM;
}

int pg_group_rank(const pg_group_stats *gs, double v, int lower)
{
    /* first index with sorted[i] >= v (lower_bound) and first with sorted[i] > v */
    int lo = 0, hi = gs->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (gs->sorted[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    int below = lo;
    hi = gs->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (gs->sorted[mid] <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    int above = gs->n - lo;
    return 1 + (lower ? below : above);
}

double pg_method_share(const pg_method *m, double v, double points, const pg_group_stats *gs,
                       int *capped)
{
    switch (m->kind) {
    case PG_M_LINEAR: {
        double s = (v - m->lo) / (m->hi - m->lo);
        return clamp01(m->lower ? 1 - s : s);
    }
    case PG_M_STEPS:
        for (int i = 0; i < m->nsteps; i++)
            if (m->lower ? v <= m->step_at[i] : v >= m->step_at[i]) return m->step_share[i];
        return m->otherwise;
    case PG_M_TARGET:
        if (m->lower) return v <= m->target ? 1 : m->target / v;
        return clamp01(v / m->target);
    case PG_M_BEST_RATIO:
        if (m->lower) {
            if (v <= 0) return 1;
            return gs->min <= 0 ? 0 : clamp01(gs->min / v);
        }
        return gs->max <= 0 ? 0 : clamp01(v / gs->max);
    case PG_M_RANK: {
        int r = pg_group_rank(gs, v, m->lower);
        if (m->nshares) return r <= m->nshares ? m->shares[r - 1] : m->rest;
        return gs->n <= 1 ? 1 : (double)(gs->n - r) / (gs->n - 1);
    }
    case PG_M_MINMAX: {
        if (gs->max == gs->min) return 1;
        double s = (v - gs->min) / (gs->max - gs->min);
        return clamp01(m->lower ? 1 - s : s);
    }
    case PG_M_ZSCORE: {
        if (!(gs->sd > 0)) return m->base;
        double z = (v - gs->mean) / gs->sd;
        return clamp01(m->base + m->per_sd * (m->lower ? -z : z));
    }
    case PG_M_DEDUCT: {
        double lost = m->per * fmax(0, v - m->free);
        double cap = fabs(points);
        if (lost >= cap) {
            *capped = lost > cap;
            return 0;
        }
        return cap > 0 ? 1 - lost / cap : 1;
    }
    case PG_M_PER_EVENT: {
        double got = m->per * fmax(0, v), cap = fabs(points);
        if (got >= cap) {
            *capped = got > cap;
            return cap > 0 ? 1 : 0;
        }
        return got / cap;
    }
    case PG_M_FLAG:
        return v != 0;
    case PG_M_VALUE: {
        double s = v * m->scale;
        *capped = s < 0 || s > 1;
        return clamp01(s);
    }
    default:
        return NAN;
    }
}

double pg_transform(const pg_node *n, double x)
{
    if (!n->has_transform) return x;
    if (!isnan(n->tf_floor) && x < n->tf_floor) x = n->tf_floor;
    if (!isnan(n->tf_cap) && x > n->tf_cap) x = n->tf_cap;
    return n->tf_log ? log(x) : x;
}

int pg_method_transformed(const pg_node *n, pg_method *out)
{
    *out = n->method;
    if (!n->has_transform || !n->tf_log) return 0;
    /* thresholds are written in the value's own units: under a logarithm they are compared
     * with ln(value), so they become ln(threshold) too (the loader refused any ≤ 0) */
    if (out->kind == PG_M_LINEAR) {
        out->lo = log(out->lo);
        out->hi = log(out->hi);
    } else if (out->kind == PG_M_STEPS) {
        out->step_at = pg_xmalloc(sizeof(double) * (size_t)(out->nsteps ? out->nsteps : 1));
        for (int i = 0; i < out->nsteps; i++) out->step_at[i] = log(n->method.step_at[i]);
        return 1;
    }
    return 0;
}

int pg_na_when(const pg_node *n, double v)
{
    for (int i = 0; i < n->nna_values; i++)
        if (v == n->na_values[i]) return 1;
    if (!n->na_when) return 0;
    pg_value rec = {.num = v};
    return pg_expr_test(n->na_when, &rec);
}

void pg_winsor_bounds(const double *values, int n, double p, double *lo, double *hi)
{
    *lo = -INFINITY, *hi = INFINITY;
    if (n <= 0) return;
    double *s = pg_xmalloc(sizeof(double) * (size_t)n);
    memcpy(s, values, sizeof(double) * (size_t)n);
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    /* k = ⌊p·n⌋ values at each end take the nearest value inside them (the 1e-9: 0.05 × 20
     * is 1, not 0.99999…) */
    int k = (int)floor(p * n + 1e-9);
    if (k > (n - 1) / 2) k = (n - 1) / 2;
    *lo = s[k];
    *hi = s[n - 1 - k];
    free(s);
}
