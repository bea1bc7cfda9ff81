/* sensitivity.c — how stable is a rank: the scheme re-aggregated under random weights.
 *
 * The leaves are scored once, by pg_eval; this file takes its result and re-aggregates the
 * tree in C, N times, each time with weights drawn uniformly within ±spread of their nominal
 * values, or within the interval a node declares (weight_range, compose.c) — the JRC's
 * uncertainty analysis, composite_methods.md. Under a sum a node's weight is its points: a
 * leaf's points under a drawn weight are its points × (drawn / nominal), its share of its
 * maximum does not change, only how much it weighs. Under mean, geomean and harmonic a node's
 * weight is its `weight`: the drawn one enters the operator (aggregate.h, the very code eval.c
 * uses), normalised over the children that apply to the unit, and the child's points and
 * maximum stay as they are. A min node has no weights; the output says so. Inner nodes then
 * roll up exactly as eval.c does — the sum of the applicable children rescaled to the node's
 * maximum (so weights are relative among siblings), or the operator of the node, caps on
 * bonus/penalty nodes, the thin-evidence policy with its group median
 * recomputed under the draw, parts weighted (renormalised per group so the scheme keeps its
 * maximum), veto, the clamp to [0, max], rounding, ranks with tie-breakers, bands.
 *
 * What is a weight: every node of the scheme's trees with a sibling, outside a bonus/penalty
 * node and not a veto item (bonus, penalty and veto are additive adjustments, not weights),
 * not a child of a min node, and each part of the scheme when there are two or more weighted parts.
 * One factor per weight is drawn for all groups: a node worth 10 points for depts and 8 for
 * counties moves by the same share in both.
 *
 * The same arithmetic at factor 1 must give the evaluation's own totals bit for bit; before
 * drawing, pg_sens_run checks that it does for every unit (total, rank and band) and refuses
 * otherwise, so that a roll-up rule this file does not know cannot give silent numbers.
 *
 * Draws: draw d's factors come from its own generator (xoshiro256** seeded by splitmix64 of
 * the seed and d), so the outcome depends on the seed alone, not on the number of threads.
 * Draws run on `threads` threads, each with its own scratch; the ranks of every draw are kept
 * (one uint16 a unit a draw) for the percentiles.
 *
 * Which weights move a unit: one at a time (OAT), each weight alone at the top and at the
 * bottom of its interval (±spread, or its declared range) with every other weight nominal; its
 * effect on a unit is the larger rank change of the two. Cheap (2 re-aggregations a weight) and
 * readable; it does not see interactions. */
#include "score.h"
#include "aggregate.h"
#include "base.h"
#include "rules.h"

#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One node of the scheme, in the scheme's post-order. */
typedef struct {
    int node;   /* rs node */
    int leaf;   /* its points come from the result */
    int adjust; /* bonus/penalty node: clamp the sum */
    int w;      /* weight index, or -1 */
    pg_op op;   /* how it combines its children (PG_OP_SUM for a leaf or an adjust node) */
    int wop;    /* its parent is not a sum: its weight enters the parent's operator, and its
                 * own points and maximum do not move with it */
    double cw;  /* wop: its nominal weight under the parent (aggregate.h) */
    int *kids;  /* positions (post-order) */
    int nkids;
    double min_app;
    int below;
    double plus, minus;
    /* A node whose children are all leaves: the sum of its applicable children's maxima depends
     * on a unit only through its group and which children apply to it, its pattern; computed
     * once a pattern a draw, in the same order of additions, instead of once a unit. */
    int *pat;       /* per unit: its pattern, or NULL when the node has none */
    int npat;       /* patterns */
    double *patmax; /* npat × nkids: each child's max in the pattern's group, 0 where absent */
    /* A node under mean/geomean/harmonic/min whose children are all leaves (reaggregate_leaves):
     * the sum of its children's weights that apply (wall) and of those scored (W) depend on a
     * unit only through which children are off and which are scored, its pattern; once a
     * pattern a draw, in eval's order of additions. opat NULL: too many patterns, summed unit by
     * unit. fixed: what a unit's share is under any weights (NAN: it depends on them) — a
     * geomean or harmonic with a child at 0 is 0, a min is its smallest child. */
    int leafop;
    int *opat;
    int nopat;
    unsigned char *opm; /* nopat × nkids: 0 off, 1 applies but not scored, 2 scored */
    double *fixed;      /* per unit */
} snode;

/* What the re-aggregation needs, compiled once from a result. */
typedef struct {
    const pg_result *res;
    const pg_ruleset *rs;
    const pg_scheme *s;
    int nu, npos, nparts;
    snode *pos;
    int *pos_of;          /* rs node → position, or -1 */
    double *lp, *lm;      /* leaves: npos × nu points and max (0 where not scored) */
    unsigned char *lpres; /* leaves: npos × nu, scored (a weight never changes that) */
    double *lsh, *lln;    /* leaves under an operator: npos × nu share of max and its log */
    int has_thin;         /* a thin-evidence policy: a draw needs whole groups at once */
    double *cmax;         /* npos × nu: the cell's nominal max (0 where off) */
    unsigned char *off;   /* npos × nu: the node does not apply to the unit's group */
    int *part_w;          /* per part: weight index or -1 */
    double *part_mx;      /* nparts × ngroups: part_max, NAN where it does not apply */
    int **members;        /* units of each group */
    int *nmembers;
    int *tie_part, *tie_pos; /* per tie-breaker: part index, else position, else both -1 */
    int nweights;
    pg_sens_weight *weights;
    double *flo, *fhi;   /* per weight: the factors it is drawn between (lo, hi ÷ nominal) */
    unsigned char *decl; /* per weight: from a declared weight_range */
    int *unweighted;     /* min nodes */
    int nunweighted;
} model;

/* One thread's scratch for one re-aggregation. Inner nodes only: leaves are folded into their
 * parents as they are read. */
typedef struct {
    double *pts, *mx, *app; /* npos × nu; 0 where absent */
    unsigned char *pres, *thin;
    double *sp, *sm, *sa, *vals, *parts, *tkeys, *smp;
    const double *f;
    struct rk {
        double t;
        int u;
    } * sorted, *sorted2;
    int *count; /* counting sort: COUNT_MAX + 1 buckets */
} scratch;

/* Totals span at most this many steps of the rounding for the counting sort (100.00 points in
 * steps of 0.01 is 10,001); wider spans take the quicksort. */
#define COUNT_MAX 65536
/* Patterns a node may have before it sums its children's maxima unit by unit. */
#define MAX_PATTERNS 256

#define AT(m, p, u) ((size_t)(p) * (size_t)(m)->nu + (size_t)(u))

static void scratch_init(const model *m, scratch *x)
{
    size_t n = (size_t)m->npos * (size_t)m->nu + 1, nu = (size_t)m->nu + 1;
    x->pts = pg_xcalloc(n, sizeof(double));
    x->mx = pg_xcalloc(n, sizeof(double));
    x->app = pg_xcalloc(n, sizeof(double));
    x->pres = pg_xcalloc(n, 1);
    x->thin = pg_xcalloc(n, 1);
    x->sp = pg_xmalloc(nu * sizeof(double));
    x->sm = pg_xmalloc(nu * sizeof(double));
    x->sa = pg_xmalloc(nu * sizeof(double));
    x->vals = pg_xmalloc(nu * sizeof(double));
    x->smp = pg_xmalloc(sizeof(double) * 2 * (MAX_PATTERNS + 1));
    x->parts = pg_xmalloc((size_t)(m->nparts + 1) * sizeof(double));
    x->tkeys = pg_xmalloc(nu * (size_t)(m->rs->ntie + 1) * sizeof(double));
    x->sorted = pg_xmalloc(nu * sizeof(struct rk));
    x->sorted2 = pg_xmalloc(nu * sizeof(struct rk));
    x->count = pg_xmalloc(sizeof(int) * (COUNT_MAX + 1));
    x->f = NULL;
}

static void scratch_free(scratch *x)
{
    free(x->pts), free(x->mx), free(x->app), free(x->pres), free(x->thin), free(x->sp);
    free(x->sm), free(x->sa), free(x->vals), free(x->smp), free(x->parts), free(x->tkeys),
        free(x->sorted);
    free(x->sorted2), free(x->count);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Whether unit u's node at position p rests on too little of its own data (eval.c is_thin). */
static int is_thin(const model *m, const scratch *x, const snode *sn, int p, int u)
{
    size_t i = AT(m, p, u);
    if (x->pres[i]) return x->app[i] < sn->min_app * x->mx[i] * (1 - 1e-9);
    if (m->off[i]) return 0;
    for (int k = 0; k < sn->nkids; k++)
        if (x->thin[AT(m, sn->kids[k], u)] == PG_BELOW_NA) return 1;
    return 0;
}

static void thin_evidence(const model *m, scratch *x, const snode *sn, int p, double fp)
{
    for (int g = 0; g < m->rs->ngroups; g++) {
        int cnt = 0;
        for (int i = 0; i < m->nmembers[g]; i++) {
            int u = m->members[g][i];
            if (x->pres[AT(m, p, u)] && !is_thin(m, x, sn, p, u))
                x->vals[cnt++] = x->pts[AT(m, p, u)];
        }
        if (cnt == 0) continue; /* the policy stands aside for the group (eval.c) */
        qsort(x->vals, (size_t)cnt, sizeof(double), cmp_double);
        double median = cnt % 2 ? x->vals[cnt / 2] : (x->vals[cnt / 2 - 1] + x->vals[cnt / 2]) / 2;
        for (int i = 0; i < m->nmembers[g]; i++) {
            int u = m->members[g][i];
            size_t c = AT(m, p, u);
            if (!is_thin(m, x, sn, p, u)) continue;
            if (sn->below == PG_BELOW_GROUP_MEDIAN) {
                x->pts[c] = median;
                x->app[c] = x->mx[c] = m->cmax[c] * fp; /* the node's own max, as drawn */
                x->pres[c] = 1;
                x->thin[c] = PG_BELOW_GROUP_MEDIAN;
            } else {
                x->pts[c] = 0;
                x->app[c] = 0;
                x->pres[c] = 0;
                x->thin[c] = PG_BELOW_NA;
            }
        }
    }
}

static inline double factor(const double *f, int w)
{
    return w >= 0 && f ? f[w] : 1.0;
}

/* A node that combines its children by mean, geomean, harmonic or min, for units [u0, u1):
 * eval.c's roll_up_op with each child's weight × its drawn factor. Children in order, so the
 * sums are eval's term by term at factor 1. The applicable share is eval's too (the weights of
 * the children that apply to the unit's group), for the thin-evidence policy. */
static void reaggregate_op(const model *m, const double *f, scratch *x, const snode *sn, int p,
                           double fp, int u0, int u1)
{
    for (int u = u0; u < u1; u++) {
        size_t i = AT(m, p, u);
        x->thin[i] = 0;
        x->pres[i] = 0, x->pts[i] = x->mx[i] = x->app[i] = 0;
        if (m->off[i]) continue;
        pg_agg ag;
        pg_agg_init(&ag);
        double app = 0, wall = 0;
        for (int k = 0; k < sn->nkids; k++) {
            const snode *kn = &m->pos[sn->kids[k]];
            size_t ci = AT(m, sn->kids[k], u);
            if (m->off[ci]) continue;
            double w = kn->cw * factor(f, kn->w);
            wall += w;
            if (kn->leaf) { /* its share and log, computed once (model_build) */
                if (!m->lpres[ci]) continue;
                app += w;
                pg_agg_add_ln(&ag, sn->op, w, m->lsh[ci], m->lln[ci]);
                continue;
            }
            if (!x->pres[ci]) continue;
            app += w * (x->app[ci] / x->mx[ci]);
            pg_agg_add(&ag, sn->op, w, pg_agg_share_of(x->pts[ci], x->mx[ci]));
        }
        double max = m->cmax[i] * fp;
        x->app[i] = wall > 0 ? max * app / wall : 0;
        if (!(ag.W > 0)) continue;
        x->pts[i] = pg_agg_result(&ag, sn->op) * max + 0.0;
        x->mx[i] = max;
        x->pres[i] = 1;
    }
}

/* reaggregate_op for a node whose children are all leaves, child by child across the units so
 * that it vectorises: per unit the same terms in the same order as pg_agg_add, a child that is
 * off or not scored adding +0 instead of nothing — the same bits, since a sum that is never −0
 * does not change by adding +0 (its share and log are 0 in the model, w × 0 = +0, and
 * w / ∞ = +0 under harmonic). The weights' sums come from the unit's pattern, its fixed share
 * from the model; pg_agg_result makes the node's share from them as eval.c does. */
static void reaggregate_leaves(const model *m, const double *f, scratch *x, const snode *sn, int p,
                               double fp, int u0, int u1)
{
    double *restrict acc = x->sp, *restrict W = x->sm, *restrict wall = x->sa;
    for (int u = u0; u < u1; u++) acc[u] = 0;
    if (sn->opat) {
        double *pW = x->smp, *pwall = x->smp + MAX_PATTERNS + 1;
        for (int q = 0; q < sn->nopat; q++) {
            double a = 0, b = 0;
            for (int k = 0; k < sn->nkids; k++) {
                int st = sn->opm[q * sn->nkids + k];
                const snode *kn = &m->pos[sn->kids[k]];
                double w = kn->cw * factor(f, kn->w);
                if (st) b += w;
                if (st == 2) a += w;
            }
            pW[q] = a, pwall[q] = b;
        }
        for (int u = u0; u < u1; u++) W[u] = pW[sn->opat[u]], wall[u] = pwall[sn->opat[u]];
    } else {
        for (int u = u0; u < u1; u++) W[u] = wall[u] = 0;
        for (int k = 0; k < sn->nkids; k++) {
            const snode *kn = &m->pos[sn->kids[k]];
            double w = kn->cw * factor(f, kn->w);
            const unsigned char *restrict off = m->off + AT(m, sn->kids[k], 0);
            const unsigned char *restrict pres = m->lpres + AT(m, sn->kids[k], 0);
            for (int u = u0; u < u1; u++) {
                W[u] += pres[u] ? w : 0.0;
                wall[u] += off[u] ? 0.0 : w;
            }
        }
    }
    if (sn->op != PG_OP_MIN) /* min: its share is fixed */
        for (int k0 = 0; k0 < sn->nkids; k0 += 4) {
            /* four children a pass, added left to right: acc is read and written once for
             * four terms, in the order of the children */
            double w[4] = {0, 0, 0, 0};
            const double *v[4];
            int nk = sn->nkids - k0 < 4 ? sn->nkids - k0 : 4;
            for (int k = 0; k < 4; k++) {
                const snode *kn = &m->pos[sn->kids[k0 + (k < nk ? k : 0)]];
                int c = sn->kids[k0 + (k < nk ? k : 0)];
                if (k < nk) w[k] = kn->cw * factor(f, kn->w);
                v[k] = (sn->op == PG_OP_GEOMEAN ? m->lln : m->lsh) + AT(m, c, 0);
            }
            const double *restrict v0 = v[0], *restrict v1 = v[1], *restrict v2 = v[2],
                                   *restrict v3 = v[3];
            double w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
            if (sn->op == PG_OP_HARMONIC) /* w / s where s > 0, else w / ∞ = +0 */
                for (int k = 0; k < nk; k++) {
                    const double *restrict sh = v[k];
                    for (int u = u0; u < u1; u++) acc[u] += w[k] / (sh[u] > 0 ? sh[u] : INFINITY);
                }
            else if (nk == 4)
                for (int u = u0; u < u1; u++)
                    acc[u] = acc[u] + w0 * v0[u] + w1 * v1[u] + w2 * v2[u] + w3 * v3[u];
            else
                for (int k = 0; k < nk; k++) {
                    const double *restrict sh = v[k];
                    for (int u = u0; u < u1; u++) acc[u] += w[k] * sh[u];
                }
        }
    /* the node's share into acc: where it depends on the weights, through aggregate.h with a
     * constant operator (mean and harmonic vectorise; lanes without children are masked below) */
    switch (sn->op) {
    case PG_OP_MEAN:
        for (int u = u0; u < u1; u++)
            acc[u] = pg_agg_result(&(pg_agg){W[u], acc[u], INFINITY, 0}, PG_OP_MEAN);
        break;
    case PG_OP_HARMONIC:
        for (int u = u0; u < u1; u++)
            acc[u] = pg_agg_result(&(pg_agg){W[u], acc[u], INFINITY, 0}, PG_OP_HARMONIC);
        break;
    case PG_OP_GEOMEAN: /* exp only where it is used */
        for (int u = u0; u < u1; u++)
            if (W[u] > 0 && isnan(sn->fixed[u]))
                acc[u] = pg_agg_result(&(pg_agg){W[u], acc[u], INFINITY, 0}, PG_OP_GEOMEAN);
        break;
    default:
        break;
    }
    const unsigned char *restrict off = m->off + AT(m, p, 0);
    const double *restrict cmax = m->cmax + AT(m, p, 0), *restrict fixed = sn->fixed;
    double *restrict pts = x->pts + AT(m, p, 0), *restrict mx = x->mx + AT(m, p, 0),
                     *restrict app = x->app + AT(m, p, 0);
    unsigned char *restrict pres = x->pres + AT(m, p, 0), *restrict thin = x->thin + AT(m, p, 0);
    /* The outputs in simple passes, each one GCC vectorises (a select whose value needs a
     * load or an operation that only that arm uses is not if-converted). When wall is 0 so is
     * W (every scored child applies, weights are > 0): app is max × 0 / 1 = +0, eval.c's 0. */
    for (int u = u0; u < u1; u++) thin[u] = 0, pres[u] = !off[u] & (W[u] > 0);
    for (int u = u0; u < u1; u++) mx[u] = cmax[u] * fp;
    for (int u = u0; u < u1; u++) wall[u] = wall[u] > 0 ? wall[u] : 1;
    for (int u = u0; u < u1; u++) acc[u] = fixed[u] == fixed[u] ? fixed[u] : acc[u]; /* S */
    for (int u = u0; u < u1; u++) pts[u] = acc[u] * mx[u] + 0.0;
    for (int u = u0; u < u1; u++) app[u] = mx[u] * W[u] / wall[u];
    for (int u = u0; u < u1; u++) app[u] = off[u] ? 0 : app[u];
    for (int u = u0; u < u1; u++) pts[u] = pres[u] ? pts[u] : 0;
    for (int u = u0; u < u1; u++) mx[u] = pres[u] ? mx[u] : 0;
}

/* Re-aggregates units [u0, u1) under factors f (nweights; NULL: all 1): their totals (rounded,
 * NAN when not ranked) into tot[u], and the unrounded values of the tie-breakers into
 * tie[u × ntie + i]. A scheme with a thin-evidence policy needs the whole group at once (its
 * median), so it is always called with the whole range. */
static void reaggregate(const model *m, const double *f, scratch *x, int u0, int u1, double *tot,
                        double *tie)
{
    x->f = f;
    for (int p = 0; p < m->npos; p++) {
        const snode *sn = &m->pos[p];
        if (sn->leaf) continue; /* read by its parent */
        double fp = sn->wop ? 1 : factor(f, sn->w);
        if (sn->op != PG_OP_SUM) {
            if (sn->leafop)
                reaggregate_leaves(m, f, x, sn, p, fp, u0, u1);
            else
                reaggregate_op(m, f, x, sn, p, fp, u0, u1);
            if (sn->min_app > 0) thin_evidence(m, x, sn, p, fp);
            continue;
        }
        double *pts = x->pts + AT(m, p, 0), *mx = x->mx + AT(m, p, 0), *app = x->app + AT(m, p, 0);
        unsigned char *pres = x->pres + AT(m, p, 0), *thin = x->thin + AT(m, p, 0);
        const unsigned char *off = m->off + AT(m, p, 0);
        memset(thin + u0, 0, (size_t)(u1 - u0));
        double *restrict sp = x->sp, *restrict sm = x->sm, *restrict sa = x->sa;
        for (int u = u0; u < u1; u++) sp[u] = sm[u] = sa[u] = 0;
        if (sn->pat) { /* all leaves: the maxima once a pattern, the points unit by unit */
            for (int q = 0; q < sn->npat; q++) {
                double v = 0;
                for (int k = 0; k < sn->nkids; k++)
                    v += sn->patmax[q * sn->nkids + k] * factor(f, m->pos[sn->kids[k]].w);
                x->smp[q] = v;
            }
            for (int k = 0; k < sn->nkids; k++) {
                int c = sn->kids[k];
                double fk = factor(f, m->pos[c].w);
                const double *restrict lp = m->lp + AT(m, c, 0);
                for (int u = u0; u < u1; u++) sp[u] += lp[u] * fk;
            }
            for (int u = u0; u < u1; u++) sm[u] = sa[u] = x->smp[sn->pat[u]];
        } else
            /* children in order, absent ones adding +0: the same sums as eval.c's, term by term */
            for (int k = 0; k < sn->nkids; k++) {
                int c = sn->kids[k];
                if (m->pos[c].leaf) {
                    double fk = factor(f, m->pos[c].w);
                    const double *restrict lp = m->lp + AT(m, c, 0), *restrict lm =
                                                                         m->lm + AT(m, c, 0);
                    if (m->has_thin)
                        for (int u = u0; u < u1; u++) {
                            double v = lm[u] * fk;
                            sp[u] += lp[u] * fk;
                            sm[u] += v;
                            sa[u] += v;
                        }
                    else /* applicable points matter only to the thin-evidence policy */
                        for (int u = u0; u < u1; u++) {
                            sp[u] += lp[u] * fk;
                            sm[u] += lm[u] * fk;
                        }
                    continue;
                }
                const double *kp = x->pts + AT(m, c, 0), *km = x->mx + AT(m, c, 0),
                             *ka = x->app + AT(m, c, 0);
                for (int u = u0; u < u1; u++) {
                    sp[u] += kp[u];
                    sm[u] += km[u];
                    sa[u] += ka[u];
                }
            }
        const double *cmax = m->cmax + AT(m, p, 0);
        if (sn->adjust) {
            for (int u = u0; u < u1; u++) {
                double v = fmin(fmax(sp[u], -sn->minus), sn->plus);
                pres[u] = !off[u];
                pts[u] = off[u] ? 0 : v;
                mx[u] = off[u] ? 0 : cmax[u];
                app[u] = off[u] ? 0 : sa[u];
            }
        } else
            /* branch-free so that it vectorises: lanes that are off or empty divide by zero
             * harmlessly and are masked. The clamp is eval.c's fmin(fmax(v, 0), max), written
             * as comparisons: v is never NaN nor −0 here. */
            for (int u = u0; u < u1; u++) {
                double max = cmax[u] * fp;
                double v = sp[u] * max / sm[u];
                v = v > max && v - max < 1e-9 * max ? max : v;
                v = v < 0 ? 0 : v;
                v = v > max ? max : v;
                int ok = !off[u] && sm[u] > 0;
                pres[u] = (unsigned char)ok;
                pts[u] = ok ? v : 0;
                mx[u] = ok ? max : 0;
                app[u] = off[u] ? 0 : sa[u];
            }
        if (sn->min_app > 0 && !sn->adjust) thin_evidence(m, x, sn, p, fp);
    }
    /* parts and totals (eval.c totals()) */
    const pg_ruleset *rs = m->rs;
    const pg_scheme *s = m->s;
    double normg[64];
    double *norm = rs->ngroups <= 64 ? normg : pg_xmalloc(sizeof(double) * (size_t)rs->ngroups);
    for (int g = 0; g < rs->ngroups; g++) {
        double w0 = 0, w1 = 0;
        for (int k = 0; k < s->nparts; k++) {
            double mxk = m->part_mx[k * rs->ngroups + g];
            if (isnan(mxk) || rs->nodes[s->parts[k].node].adjust) continue;
            w0 += s->parts[k].weight * mxk;
            w1 += s->parts[k].weight * factor(f, m->part_w[k]) * mxk;
        }
        norm[g] = w1 > 0 ? w0 / w1 : 1.0;
    }
    double *parts = x->parts;
    for (int u = u0; u < u1; u++) {
        const pg_unit_result *ur = &m->res->units[u];
        int g = rs->units[u].group;
        double got = 0, max_present = 0, max_all = 0, adjust = 0, total = NAN;
        int present = 0;
        for (int k = 0; k < s->nparts; k++) {
            const pg_part *pt = &s->parts[k];
            int p = m->pos_of[pt->node];
            parts[k] = x->pres[AT(m, p, u)] ? x->pts[AT(m, p, u)] : NAN;
            double mxk = m->part_mx[k * rs->ngroups + g];
            if (isnan(mxk)) continue;
            if (rs->nodes[pt->node].adjust) {
                if (!isnan(parts[k])) adjust += pt->weight * parts[k];
                continue;
            }
            double w = pt->weight * factor(f, m->part_w[k]) * norm[g];
            max_all += w * mxk;
            if (isnan(parts[k])) continue;
            present++;
            got += w * parts[k];
            max_present += w * mxk;
        }
        if (present && max_present > 0) total = got * (max_all / max_present) + adjust;
        if (!isnan(total) && ur->veto_node >= 0) total = rs->nodes[ur->veto_node].veto_score;
        if (total > s->max || total < 0) total = fmin(fmax(total, 0), s->max);
        tot[u] = pg_rs_round(rs, total);
        for (int i = 0; i < rs->ntie; i++) {
            double v = NAN;
            int tp = m->tie_pos[i];
            if (m->tie_part[i] >= 0)
                v = parts[m->tie_part[i]];
            else if (tp >= 0 && m->pos[tp].leaf)
                v = m->lpres[AT(m, tp, u)]
                        ? m->lp[AT(m, tp, u)] * (m->pos[tp].wop ? 1 : factor(f, m->pos[tp].w))
                        : NAN;
            else if (tp >= 0)
                v = x->pres[AT(m, tp, u)] ? x->pts[AT(m, tp, u)] : NAN;
            tie[(size_t)u * (size_t)rs->ntie + (size_t)i] = v;
        }
    }
    if (norm != normg) free(norm);
}

/* Order: total descending, then tie-breakers rounded as rank.c rounds them (NAN last); 0 is a
 * true tie. */
static int rk_cmp(const model *m, const scratch *x, const struct rk *a, const struct rk *b)
{
    if (a->t != b->t) return a->t > b->t ? -1 : 1;
    int nt = m->rs->ntie;
    for (int i = 0; i < nt; i++) {
        double va = x->tkeys[(size_t)a->u * (size_t)nt + (size_t)i],
               vb = x->tkeys[(size_t)b->u * (size_t)nt + (size_t)i];
        if (isnan(va) && isnan(vb)) continue;
        if (isnan(va)) return 1;
        if (isnan(vb)) return -1;
        if (va != vb) return va > vb ? -1 : 1;
    }
    return 0;
}

/* Sorts by total descending (an inline quicksort: qsort's indirect calls cost a third of a
 * province-sized draw), ties in any order. */
static void sort_totals(struct rk *v, int n)
{
    while (n > 16) {
        double piv = v[n / 2].t;
        int i = 0, j = n - 1;
        while (i <= j) {
            while (v[i].t > piv) i++;
            while (v[j].t < piv) j--;
            if (i <= j) {
                struct rk t = v[i];
                v[i] = v[j], v[j] = t;
                i++, j--;
            }
        }
        if (j + 1 < n - i) {
            sort_totals(v, j + 1);
            v += i, n -= i;
        } else {
            sort_totals(v + i, n - i);
            n = j + 1;
        }
    }
    for (int i = 1; i < n; i++) {
        struct rk t = v[i];
        int j = i;
        for (; j > 0 && v[j - 1].t < t.t; j--) v[j] = v[j - 1];
        v[j] = t;
    }
}

/* Sorts x->sorted[0..n) by total, descending. Totals are rounded to rs->rounding digits, so
 * total × 10^digits is an integer (up to the binary error llround absorbs) and equal totals give
 * equal keys: when their span is small, a counting sort (stable) replaces the quicksort. */
static void sort_by_total(const model *m, scratch *x, int n)
{
    int digits = m->rs->rounding;
    if (n < 64 || digits > 6) {
        sort_totals(x->sorted, n);
        return;
    }
    double p = pow(10, digits);
    long long lo = LLONG_MAX, hi = LLONG_MIN;
    for (int i = 0; i < n; i++) {
        long long k = llround(x->sorted[i].t * p);
        lo = k < lo ? k : lo, hi = k > hi ? k : hi;
    }
    if (hi - lo >= COUNT_MAX) {
        sort_totals(x->sorted, n);
        return;
    }
    int range = (int)(hi - lo) + 1, *c = x->count;
    memset(c, 0, sizeof(int) * (size_t)(range + 1));
    for (int i = 0; i < n; i++) c[hi - llround(x->sorted[i].t * p) + 1]++;
    for (int b = 1; b <= range; b++) c[b] += c[b - 1];
    for (int i = 0; i < n; i++) x->sorted2[c[hi - llround(x->sorted[i].t * p)]++] = x->sorted[i];
    memcpy(x->sorted, x->sorted2, sizeof(struct rk) * (size_t)n);
}

/* Ranks (0: not ranked) and bands (-1: none, or bands NULL) of tot within groups (rank.c);
 * tie holds the unrounded tie-breaker values. */
static void rank_draw(const model *m, scratch *x, const double *tot, const double *tie, int *ranks,
                      int *bands)
{
    const pg_ruleset *rs = m->rs;
    int nt = rs->ntie;
    for (int g = 0; g < rs->ngroups; g++) {
        int n = 0;
        for (int i = 0; i < m->nmembers[g]; i++) {
            int u = m->members[g][i];
            ranks[u] = 0;
            /* a group declared ranked = false has totals and no ranks, under any weights */
            if (!isnan(tot[u]) && !rs->groups[g].unranked) x->sorted[n++] = (struct rk){tot[u], u};
        }
        sort_by_total(m, x, n);
        if (nt > 0) /* runs of equal totals: by the tie-breakers */
            for (int lo = 0, hi; lo < n; lo = hi) {
                for (hi = lo + 1; hi < n && x->sorted[hi].t == x->sorted[lo].t;) hi++;
                if (hi - lo < 2) continue;
                for (int i = lo; i < hi; i++)
                    for (int t = 0; t < nt; t++) {
                        size_t at = (size_t)x->sorted[i].u * (size_t)nt + (size_t)t;
                        x->tkeys[at] = pg_rs_round(rs, tie[at]);
                    }
                for (int i = lo + 1; i < hi; i++) {
                    struct rk t = x->sorted[i];
                    int j = i;
                    for (; j > lo && rk_cmp(m, x, &x->sorted[j - 1], &t) > 0; j--)
                        x->sorted[j] = x->sorted[j - 1];
                    x->sorted[j] = t;
                }
            }
        int dense = 0;
        for (int i = 0; i < n; i++) {
            int u = x->sorted[i].u;
            if (i > 0 && x->sorted[i].t == x->sorted[i - 1].t &&
                (nt == 0 || rk_cmp(m, x, &x->sorted[i - 1], &x->sorted[i]) == 0))
                ranks[u] = ranks[x->sorted[i - 1].u];
            else {
                dense++;
                ranks[u] = rs->dense ? dense : i + 1;
            }
        }
    }
    if (bands)
        for (int u = 0; u < m->nu; u++) {
            bands[u] = -1;
            if (isnan(tot[u]) || rs->groups[rs->units[u].group].unranked) continue;
            for (int b = 0; b < rs->nbands && bands[u] < 0; b++)
                if (tot[u] >= rs->bands[b].min - 1e-9) bands[u] = b;
        }
}

/* The patterns of a node whose children are all leaves (snode.pat); none past MAX_PATTERNS. */
static void build_patterns(model *m, snode *sn, int p)
{
    if (sn->leaf || sn->adjust || sn->nkids == 0 || sn->op != PG_OP_SUM) return;
    for (int k = 0; k < sn->nkids; k++)
        if (!m->pos[sn->kids[k]].leaf) return;
    int nk = sn->nkids, cap = 8;
    int *pat = pg_xmalloc(sizeof(int) * (size_t)(m->nu + 1));
    double *pm = pg_xmalloc(sizeof(double) * (size_t)cap * (size_t)nk);
    int *pg = pg_xmalloc(sizeof(int) * (size_t)cap), n = 0;
    double *row = pg_xmalloc(sizeof(double) * (size_t)nk);
    for (int u = 0; u < m->nu; u++) {
        int g = m->rs->units[u].group;
        for (int k = 0; k < nk; k++) row[k] = m->lm[AT(m, sn->kids[k], u)];
        int q = 0;
        while (q < n && !(pg[q] == g && memcmp(pm + (size_t)q * (size_t)nk, row,
                                               sizeof(double) * (size_t)nk) == 0))
            q++;
        if (q == n) {
            if (n == MAX_PATTERNS) {
                free(pat), free(pm), free(pg), free(row);
                return;
            }
            if (n == cap) {
                cap *= 2;
                pm = pg_xrealloc(pm, sizeof(double) * (size_t)cap * (size_t)nk);
                pg = pg_xrealloc(pg, sizeof(int) * (size_t)cap);
            }
            memcpy(pm + (size_t)n * (size_t)nk, row, sizeof(double) * (size_t)nk);
            pg[n++] = g;
        }
        pat[u] = q;
    }
    (void)p;
    free(pg), free(row);
    sn->pat = pat, sn->npat = n, sn->patmax = pm;
}

/* What reaggregate_leaves needs of a node under an operator whose children are all leaves: its
 * patterns (none past MAX_PATTERNS) and each unit's fixed share. */
static void build_leafop(model *m, snode *sn)
{
    if (sn->leaf || sn->adjust || sn->nkids == 0 || sn->op == PG_OP_SUM) return;
    for (int k = 0; k < sn->nkids; k++)
        if (!m->pos[sn->kids[k]].leaf) return;
    int nk = sn->nkids, n = 0, cap = 8;
    sn->leafop = 1;
    sn->fixed = pg_xmalloc(sizeof(double) * (size_t)(m->nu + 1));
    int *pat = pg_xmalloc(sizeof(int) * (size_t)(m->nu + 1));
    unsigned char *pm = pg_xmalloc((size_t)cap * (size_t)nk), *row = pg_xmalloc((size_t)nk);
    for (int u = 0; u < m->nu; u++) {
        pg_agg ag;
        pg_agg_init(&ag);
        for (int k = 0; k < nk; k++) {
            size_t ci = AT(m, sn->kids[k], u);
            row[k] = m->off[ci] ? 0 : m->lpres[ci] ? 2 : 1;
            if (row[k] == 2) pg_agg_add(&ag, sn->op, 1, m->lsh[ci]); /* weights do not matter */
        }
        sn->fixed[u] = sn->op == PG_OP_MIN ? (ag.W > 0 ? pg_agg_result(&ag, sn->op) : NAN)
                       : ag.zero           ? 0
                                           : NAN;
        if (!pat) continue;
        int q = 0;
        while (q < n && memcmp(pm + (size_t)q * (size_t)nk, row, (size_t)nk) != 0) q++;
        if (q == n) {
            if (n == MAX_PATTERNS) { /* W and wall unit by unit */
                free(pat), free(pm);
                pat = NULL, pm = NULL;
                continue;
            }
            if (n == cap) pm = pg_xrealloc(pm, (size_t)(cap *= 2) * (size_t)nk);
            memcpy(pm + (size_t)n * (size_t)nk, row, (size_t)nk);
            n++;
        }
        pat[u] = q;
    }
    free(row);
    sn->opat = pat, sn->opm = pm, sn->nopat = pat ? n : 0;
}

static void model_free(model *m)
{
    if (!m) return;
    for (int p = 0; p < m->npos; p++)
        free(m->pos[p].kids), free(m->pos[p].pat), free(m->pos[p].patmax), free(m->pos[p].opat),
            free(m->pos[p].opm), free(m->pos[p].fixed);
    free(m->lsh), free(m->lln);
    free(m->pos), free(m->pos_of), free(m->lp), free(m->lm), free(m->lpres), free(m->cmax),
        free(m->off);
    free(m->part_w), free(m->part_mx), free(m->tie_part), free(m->tie_pos);
    if (m->members)
        for (int g = 0; g < m->rs->ngroups; g++) free(m->members[g]);
    free(m->members), free(m->nmembers), free(m->weights);
    free(m->flo), free(m->fhi), free(m->decl), free(m->unweighted);
    free(m);
}

static int add_weight(model *m, const char *id, const char *name, int node, int part,
                      double nominal, pg_sens_basis basis)
{
    m->weights = pg_xrealloc(m->weights, sizeof(pg_sens_weight) * (size_t)(m->nweights + 1));
    m->weights[m->nweights] = (pg_sens_weight){id, name, node, part, nominal, basis, NAN, NAN, 0};
    return m->nweights++;
}

/* Each weight's interval: the declared weight_range, else nominal × (1 ± spread). */
static void set_intervals(model *m, double spread)
{
    m->flo = pg_xmalloc(sizeof(double) * (size_t)(m->nweights + 1));
    m->fhi = pg_xmalloc(sizeof(double) * (size_t)(m->nweights + 1));
    m->decl = pg_xcalloc((size_t)m->nweights + 1, 1);
    for (int w = 0; w < m->nweights; w++) {
        pg_sens_weight *wt = &m->weights[w];
        const pg_node *n = wt->node >= 0 ? &m->rs->nodes[wt->node] : NULL;
        const pg_part *pt = wt->part >= 0 ? &m->s->parts[wt->part] : NULL;
        wt->declared = m->decl[w] = (n && n->has_wr) || (pt && pt->has_wr);
        if (wt->declared) {
            wt->lo = n ? n->wr_lo : pt->wr_lo, wt->hi = n ? n->wr_hi : pt->wr_hi;
            m->flo[w] = wt->lo / wt->nominal, m->fhi[w] = wt->hi / wt->nominal;
        } else {
            m->flo[w] = 1 - spread, m->fhi[w] = 1 + spread;
            wt->lo = wt->nominal * m->flo[w], wt->hi = wt->nominal * m->fhi[w];
        }
    }
}

/* The nominal points of node n: in its first group where it applies. */
static double first_points(const pg_ruleset *rs, const pg_node *n)
{
    for (int g = 0; g < rs->ngroups; g++)
        if (!isnan(n->points[g])) return n->points[g];
    return NAN;
}

static int model_build(const pg_result *res, model **out, pg_diags *d)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    *out = NULL;
    if (!res->cells || s->norder == 0) {
        pg_error(d, s->file, s->line,
                 "scheme '%s' combines other schemes' totals; sensitivity re-aggregates one "
                 "indicator tree: run it on the schemes it combines",
                 s->id);
        return -ENOTSUP;
    }
    if (rs->rank_unrounded) {
        pg_error(d, rs->file, rs->line,
                 "rank_on = \"unrounded\": sensitivity ranks draws on rounded totals only; "
                 "rank on the rounded total to use it");
        return -ENOTSUP;
    }
    if (s->composite_ref != LUA_NOREF) {
        pg_error(d, s->file, s->line,
                 "scheme '%s' combines its parts with a Lua composite function, which cannot be "
                 "re-aggregated in C under drawn weights",
                 s->id);
        return -ENOTSUP;
    }
    for (int k = 0; k < s->nparts; k++)
        if (s->parts[k].node < 0) {
            pg_error(d, s->file, s->line, "scheme '%s' part '%s' is not an indicator tree", s->id,
                     s->parts[k].id);
            return -ENOTSUP;
        }
    if (rs->nunits > 65535) {
        pg_error(d, NULL, 0, "sensitivity handles at most 65,535 units; the rule set has %d",
                 rs->nunits);
        return -E2BIG;
    }
    model *m = pg_xcalloc(1, sizeof *m);
    m->res = res, m->rs = rs, m->s = s;
    m->nu = rs->nunits, m->npos = s->norder, m->nparts = s->nparts;
    m->pos = pg_xcalloc((size_t)m->npos + 1, sizeof(snode));
    m->pos_of = pg_xmalloc(sizeof(int) * (size_t)(rs->nnodes + 1));
    for (int i = 0; i < rs->nnodes; i++) m->pos_of[i] = -1;
    for (int p = 0; p < m->npos; p++) m->pos_of[s->order[p]] = p;
    size_t ncell = (size_t)m->npos * (size_t)m->nu + 1;
    m->lp = pg_xcalloc(ncell, sizeof(double));
    m->lm = pg_xcalloc(ncell, sizeof(double));
    m->lpres = pg_xcalloc(ncell, 1);
    m->lsh = pg_xcalloc(ncell, sizeof(double));
    m->lln = pg_xcalloc(ncell, sizeof(double));
    m->cmax = pg_xcalloc(ncell, sizeof(double));
    m->off = pg_xcalloc(ncell, 1);
    /* in an adjust subtree: nothing is a weight */
    for (int p = 0; p < m->npos; p++) {
        int node = s->order[p];
        const pg_node *n = &rs->nodes[node];
        snode *sn = &m->pos[p];
        sn->node = node;
        sn->leaf = n->nchildren == 0 && !n->adjust;
        sn->adjust = n->adjust;
        sn->min_app = n->min_applicable;
        m->has_thin |= n->min_applicable > 0 && !n->adjust && n->nchildren > 0;
        sn->below = n->below;
        sn->plus = n->plus, sn->minus = n->minus;
        sn->w = -1;
        sn->op = sn->leaf || n->adjust ? PG_OP_SUM : n->op;
        if (n->parent >= 0 && rs->nodes[n->parent].op != PG_OP_SUM &&
            !rs->nodes[n->parent].adjust) {
            sn->wop = 1;
            sn->cw = pg_agg_child_weight(&rs->nodes[n->parent], n);
        }
        if (sn->op == PG_OP_MIN) {
            m->unweighted = pg_xrealloc(m->unweighted, sizeof(int) * (size_t)(m->nunweighted + 1));
            m->unweighted[m->nunweighted++] = node;
        }
        sn->kids = pg_xmalloc(sizeof(int) * (size_t)(n->nchildren + 1));
        for (int k = 0; k < n->nchildren; k++) {
            int c = m->pos_of[n->children[k]];
            if (c < 0 || c >= p) { /* post-order is eval.c's promise; do not guess */
                pg_error(d, n->file, n->line,
                         "indicator '%s': its children are not in the "
                         "scheme's order",
                         n->id);
                model_free(m);
                return -EINVAL;
            }
            sn->kids[sn->nkids++] = c;
        }
        for (int u = 0; u < m->nu; u++) {
            const pg_cell *c = pg_result_cell(res, node, u);
            size_t i = AT(m, p, u);
            m->off[i] = c->status == PG_ST_OFF;
            m->cmax[i] = m->off[i] ? 0 : c->max;
            if (sn->leaf && !m->off[i] && !isnan(c->points)) {
                m->lp[i] = c->points;
                m->lm[i] = c->max;
                m->lpres[i] = 1;
                m->lsh[i] = pg_agg_share_of(c->points, c->max);
                m->lln[i] = m->lsh[i] > 0 ? log(m->lsh[i]) : 0;
            }
        }
    }
    for (int p = 0; p < m->npos; p++) build_patterns(m, &m->pos[p], p), build_leafop(m, &m->pos[p]);
    /* weights, parents first so the list reads like the tree */
    int *pre = NULL, npre = pg_scheme_preorder(rs, s, &pre);
    for (int i = 0; i < npre; i++) {
        int node = pre[i];
        const pg_node *n = &rs->nodes[node];
        if (m->pos_of[node] < 0 || n->parent < 0 || n->veto || n->adjust) continue;
        int in_adjust = 0;
        for (int a = n->parent; a >= 0; a = rs->nodes[a].parent) in_adjust |= rs->nodes[a].adjust;
        if (in_adjust || rs->nodes[n->parent].nchildren < 2) continue;
        const pg_node *pa = &rs->nodes[n->parent];
        if (pa->op == PG_OP_MIN) continue; /* min has no weights (m->unweighted) */
        snode *sn = &m->pos[m->pos_of[node]];
        sn->w = pa->op == PG_OP_SUM
                    ? add_weight(m, n->id, n->name, node, -1, first_points(rs, n), PG_SENS_POINTS)
                    : add_weight(m, n->id, n->name, node, -1, sn->cw, PG_SENS_WEIGHT);
    }
    free(pre);
    m->part_w = pg_xmalloc(sizeof(int) * (size_t)(s->nparts + 1));
    m->part_mx = pg_xmalloc(sizeof(double) * (size_t)(s->nparts * rs->ngroups + 1));
    int weighted = 0;
    for (int k = 0; k < s->nparts; k++) weighted += !rs->nodes[s->parts[k].node].adjust;
    for (int k = 0; k < s->nparts; k++) {
        const pg_part *pt = &s->parts[k];
        const pg_node *n = &rs->nodes[pt->node];
        m->part_w[k] = weighted >= 2 && !n->adjust
                           ? add_weight(m, pt->id, pt->name ? pt->name : n->name, -1, k, pt->weight,
                                        PG_SENS_PART)
                           : -1;
        for (int g = 0; g < rs->ngroups; g++)
            m->part_mx[k * rs->ngroups + g] = n->adjust ? 0 : n->points[g];
    }
    m->members = pg_xcalloc((size_t)rs->ngroups, sizeof(int *));
    m->nmembers = pg_xcalloc((size_t)rs->ngroups, sizeof(int));
    for (int g = 0; g < rs->ngroups; g++)
        m->members[g] = pg_xmalloc(sizeof(int) * (size_t)(m->nu + 1));
    for (int u = 0; u < m->nu; u++) {
        int g = rs->units[u].group;
        m->members[g][m->nmembers[g]++] = u;
    }
    m->tie_part = pg_xmalloc(sizeof(int) * (size_t)(rs->ntie + 1));
    m->tie_pos = pg_xmalloc(sizeof(int) * (size_t)(rs->ntie + 1));
    for (int i = 0; i < rs->ntie; i++) {
        m->tie_part[i] = m->tie_pos[i] = -1;
        for (int k = 0; k < s->nparts && m->tie_part[i] < 0; k++)
            if (strcmp(s->parts[k].id, rs->tie_breakers[i]) == 0) m->tie_part[i] = k;
        int node = pg_strmap_get(&rs->node_ids, rs->tie_breakers[i]);
        if (m->tie_part[i] < 0 && node >= 0) m->tie_pos[i] = m->pos_of[node];
    }
    *out = m;
    return 0;
}

/* Totals, tie-breaker values, ranks and bands of one re-aggregation of every unit. */
typedef struct {
    double *tot, *tie;
    int *ranks, *bands;
} outcome;

static void outcome_init(const model *m, outcome *o)
{
    size_t nu = (size_t)m->nu + 1;
    o->tot = pg_xmalloc(sizeof(double) * nu);
    o->tie = pg_xmalloc(sizeof(double) * nu * (size_t)(m->rs->ntie + 1));
    o->ranks = pg_xmalloc(sizeof(int) * nu);
    o->bands = pg_xmalloc(sizeof(int) * nu);
}

static void outcome_free(outcome *o)
{
    free(o->tot), free(o->tie), free(o->ranks), free(o->bands);
}

static void whole(const model *m, const double *f, scratch *x, outcome *o)
{
    reaggregate(m, f, x, 0, m->nu, o->tot, o->tie);
    rank_draw(m, x, o->tot, o->tie, o->ranks, o->bands);
}

/* Checks the re-aggregation at nominal weights against the evaluation, unit by unit. */
static int check_nominal(const model *m, scratch *x, pg_diags *d)
{
    outcome o;
    outcome_init(m, &o);
    whole(m, NULL, x, &o);
    int rc = 0;
    for (int u = 0; u < m->nu && rc == 0; u++) {
        const pg_unit_result *ur = &m->res->units[u];
        double t = o.tot[u];
        int same = ur->ranked ? t == ur->total && o.ranks[u] == ur->rank && o.bands[u] == ur->band
                   : m->rs->groups[m->rs->units[u].group].unranked
                       ? (t == ur->total || (isnan(t) && isnan(ur->total))) && o.ranks[u] == 0
                       : isnan(t);
        if (!same) {
            pg_error(d, NULL, 0,
                     "sensitivity: re-aggregating unit '%s' at nominal weights gives %.17g (rank "
                     "%d), the evaluation %.17g (rank %d); the scheme uses a roll-up the "
                     "re-aggregation does not reproduce, so no draw is trusted",
                     m->rs->units[u].id, t, o.ranks[u], ur->ranked ? ur->total : NAN, ur->rank);
            rc = -EPROTO;
        }
    }
    outcome_free(&o);
    return rc;
}

int pg_sens_reaggregate(const pg_result *res, const double *factors, double *totals, int *ranks,
                        int *bands, pg_diags *d)
{
    model *m;
    int rc = model_build(res, &m, d);
    if (rc) return rc;
    scratch x;
    scratch_init(m, &x);
    outcome o;
    outcome_init(m, &o);
    whole(m, factors, &x, &o);
    for (int u = 0; u < m->nu; u++) {
        if (totals) totals[u] = o.tot[u];
        if (ranks) ranks[u] = o.ranks[u];
        if (bands) bands[u] = o.bands[u];
    }
    outcome_free(&o);
    scratch_free(&x);
    model_free(m);
    return 0;
}

int pg_sens_weight_count(const pg_result *res, pg_diags *d)
{
    model *m;
    int rc = model_build(res, &m, d);
    if (rc) return rc;
    rc = m->nweights;
    model_free(m);
    return rc;
}

/* splitmix64: seeds each draw's generator from (seed, draw). */
static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna). */
static uint64_t xoshiro(uint64_t s[4])
{
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t, s[3] = rotl(s[3], 45);
    return r;
}

/* Draw `draw`'s factors: weight i uniform in [flo[i], fhi[i]) where decl[i], else within
 * ±spread (written as pg_sens_factors always has, so undeclared draws do not change). */
static void draw_factors(uint64_t seed, long draw, double spread, int n, const unsigned char *decl,
                         const double *flo, const double *fhi, double *f)
{
    uint64_t sm = seed ^ ((uint64_t)draw * 0xd1b54a32d192ed03ULL), st[4];
    for (int i = 0; i < 4; i++) st[i] = splitmix64(&sm);
    for (int i = 0; i < n; i++) {
        double uni = (double)(xoshiro(st) >> 11) * 0x1.0p-53; /* [0, 1) */
        f[i] = decl && decl[i] ? flo[i] + (fhi[i] - flo[i]) * uni : 1 + spread * (2 * uni - 1);
    }
}

void pg_sens_factors(uint64_t seed, long draw, double spread, int n, double *f)
{
    draw_factors(seed, draw, spread, n, NULL, NULL, NULL, f);
}

/* Vectors [from, to) of the run: the first noat are the one-at-a-time sweep (vector i sets
 * weight i / 2 to −spread, then +spread), the rest the random draws. */
typedef struct {
    const model *m;
    const pg_sens_opts *o;
    long noat, from, to;
    int *oat;        /* noat × nu ranks */
    uint16_t *ranks; /* draws × nu */
    long *kept;      /* per unit: draws in its nominal band (this job's) */
} job;

#define BATCH 16  /* draws re-aggregated together, block by block of units */
#define BLOCK 256 /* units a block: a block's leaves stay in cache across the batch */

static void *worker(void *arg)
{
    job *j = arg;
    const model *m = j->m;
    int nw = m->nweights, nu = m->nu, nt = m->rs->ntie;
    scratch x;
    scratch_init(m, &x);
    double *f = pg_xmalloc(sizeof(double) * (size_t)BATCH * (size_t)(nw + 1));
    double *tot = pg_xmalloc(sizeof(double) * (size_t)BATCH * (size_t)(nu + 1));
    double *tie = pg_xmalloc(sizeof(double) * (size_t)BATCH * (size_t)(nu + 1) * (size_t)(nt + 1));
    int *ranks = pg_xmalloc(sizeof(int) * (size_t)(nu + 1)),
        *bands = pg_xmalloc(sizeof(int) * (size_t)(nu + 1));
    for (long v0 = j->from; v0 < j->to; v0 += BATCH) {
        int nb = j->to - v0 < BATCH ? (int)(j->to - v0) : BATCH;
        for (int b = 0; b < nb; b++) {
            long v = v0 + b;
            double *fb = f + (size_t)b * (size_t)nw;
            if (v < j->noat) {
                for (int i = 0; i < nw; i++) fb[i] = 1;
                fb[v / 2] = v % 2 ? m->fhi[v / 2] : m->flo[v / 2];
            } else
                draw_factors(j->o->seed, v - j->noat, j->o->spread, nw, m->decl, m->flo, m->fhi,
                             fb);
        }
        int block = m->has_thin ? nu : BLOCK;
        for (int u0 = 0; u0 < nu; u0 += block) {
            int u1 = u0 + block < nu ? u0 + block : nu;
            for (int b = 0; b < nb; b++)
                reaggregate(m, f + (size_t)b * (size_t)nw, &x, u0, u1, tot + (size_t)b * (size_t)nu,
                            tie + (size_t)b * (size_t)nu * (size_t)nt);
        }
        for (int b = 0; b < nb; b++) {
            long v = v0 + b;
            rank_draw(m, &x, tot + (size_t)b * (size_t)nu,
                      tie + (size_t)b * (size_t)nu * (size_t)nt, ranks, v < j->noat ? NULL : bands);
            if (v < j->noat) {
                memcpy(j->oat + (size_t)v * (size_t)nu, ranks, sizeof(int) * (size_t)nu);
                continue;
            }
            uint16_t *row = j->ranks + (size_t)(v - j->noat) * (size_t)nu;
            for (int u = 0; u < nu; u++) {
                row[u] = (uint16_t)ranks[u];
                j->kept[u] += bands[u] >= 0 && bands[u] == m->res->units[u].band;
            }
        }
    }
    free(f), free(tot), free(tie), free(ranks), free(bands);
    scratch_free(&x);
    return NULL;
}

/* Nearest-rank percentile q of a histogram of n ranked draws. */
static int hist_pct(const long *h, int len, long n, double q)
{
    long need = (long)ceil(q * (double)n);
    if (need < 1) need = 1;
    long acc = 0;
    for (int r = 1; r < len; r++)
        if ((acc += h[r]) >= need) return r;
    return len - 1;
}

static int cmp_effect(const void *a, const void *b)
{
    const pg_sens_effect *x = a, *y = b;
    if (x->size != y->size) return x->size > y->size ? -1 : 1;
    return (x->weight > y->weight) - (x->weight < y->weight);
}

int pg_sens_run(const pg_result *res, const pg_sens_opts *o, pg_sens **out, pg_diags *d)
{
    *out = NULL;
    if (o->draws < 1 || o->draws > 10000000) {
        pg_error(d, NULL, 0, "draws must be between 1 and 10,000,000, not %ld", o->draws);
        return -EINVAL;
    }
    if (!(o->spread > 0 && o->spread < 1)) {
        pg_error(d, NULL, 0, "the spread must be above 0 %% and below 100 %%, not %g %%",
                 o->spread * 100);
        return -EINVAL;
    }
    model *m;
    int rc = model_build(res, &m, d);
    if (rc) return rc;
    set_intervals(m, o->spread);
    scratch x;
    scratch_init(m, &x);
    if ((rc = check_nominal(m, &x, d)) != 0) {
        scratch_free(&x);
        model_free(m);
        return rc;
    }
    size_t nu = (size_t)m->nu;
    pg_sens *sv = pg_xcalloc(1, sizeof *sv);
    sv->res = res;
    sv->opts = *o;
    sv->nweights = m->nweights;
    sv->weights = m->weights, m->weights = NULL;
    sv->unweighted = m->unweighted, m->unweighted = NULL;
    sv->nunweighted = m->nunweighted;
    sv->units = pg_xcalloc(nu + 1, sizeof(pg_sens_unit));
    sv->nunits = m->nu;

    /* the one-at-a-time sweep and the draws, on the threads */
    long noat = 2L * m->nweights, total = noat + o->draws;
    int *oat = pg_xmalloc(sizeof(int) * nu * (size_t)(noat + 1));
    uint16_t *ranks = pg_xmalloc(sizeof(uint16_t) * nu * (size_t)o->draws);
    int nthreads = o->threads > 0 ? o->threads : 1;
    if (nthreads > 64) nthreads = 64;
    if (nthreads > total) nthreads = (int)total;
    job jobs[64];
    pthread_t th[64];
    /* contiguous shares in whole batches, so each thread's blocks stay its own */
    long batches = (total + BATCH - 1) / BATCH, at = 0;
    for (int t = 0; t < nthreads; t++) {
        long nbt = batches / nthreads + (t < batches % nthreads);
        long to = at + nbt * BATCH < total ? at + nbt * BATCH : total;
        jobs[t] = (job){m, o, noat, at, to, oat, ranks, pg_xcalloc(nu + 1, sizeof(long))};
        at = to;
    }
    int started = 0;
    for (int t = 1; t < nthreads; t++) {
        if (pthread_create(&th[t], NULL, worker, &jobs[t]) != 0) break;
        started = t;
    }
    worker(&jobs[0]);
    for (int t = 1; t <= started; t++) pthread_join(th[t], NULL);
    for (int t = started + 1; t < nthreads; t++) worker(&jobs[t]); /* could not start a thread */

    long *hist = pg_xmalloc(sizeof(long) * (nu + 2));
    for (int u = 0; u < m->nu; u++) {
        const pg_unit_result *ur = &res->units[u];
        pg_sens_unit *su = &sv->units[u];
        su->ranked = ur->ranked;
        su->rank = ur->rank;
        su->total = ur->total;
        su->band = ur->band;
        su->band_keep = NAN;
        su->median = NAN;
        if (!ur->ranked) continue;
        int len = m->nmembers[m->rs->units[u].group] + 1;
        memset(hist, 0, sizeof(long) * (size_t)(len + 1));
        long n = 0, kept = 0;
        for (long dr = 0; dr < o->draws; dr++) {
            int r = ranks[(size_t)dr * nu + (size_t)u];
            if (r > 0 && r < len) hist[r]++, n++;
        }
        for (int t = 0; t < nthreads; t++) kept += jobs[t].kept[u];
        su->draws_ranked = n;
        if (n > 0) {
            int a = hist_pct(hist, len, n, 0.5), b = a;
            if (n % 2 == 0) { /* the mean of the two middle draws */
                long acc = 0;
                for (b = 1; b < len; b++)
                    if ((acc += hist[b]) >= n / 2 + 1) break;
            }
            su->median = (a + b) / 2.0;
            su->p05 = hist_pct(hist, len, n, 0.05);
            su->p95 = hist_pct(hist, len, n, 0.95);
            for (su->best = 1; su->best < len && !hist[su->best];) su->best++;
            for (su->worst = len - 1; su->worst > 0 && !hist[su->worst];) su->worst--;
        }
        if (ur->band >= 0) su->band_keep = (double)kept / (double)o->draws;
        /* the weights that move it most, one at a time */
        pg_sens_effect *e = pg_xmalloc(sizeof(pg_sens_effect) * (size_t)(m->nweights + 1));
        int ne = 0;
        for (int w = 0; w < m->nweights; w++) {
            int rl = oat[(size_t)(2 * w) * nu + (size_t)u],
                rh = oat[(size_t)(2 * w + 1) * nu + (size_t)u];
            int size =
                abs(rl - ur->rank) > abs(rh - ur->rank) ? abs(rl - ur->rank) : abs(rh - ur->rank);
            if (size > 0) e[ne++] = (pg_sens_effect){w, rl, rh, size};
        }
        qsort(e, (size_t)ne, sizeof *e, cmp_effect);
        su->ntop = ne < PG_SENS_TOP ? ne : PG_SENS_TOP;
        memcpy(su->top, e, sizeof(pg_sens_effect) * (size_t)su->ntop);
        free(e);
    }
    free(hist);
    for (int t = 0; t < nthreads; t++) free(jobs[t].kept);
    free(ranks), free(oat);
    scratch_free(&x);
    m->weights = NULL;
    model_free(m);
    *out = sv;
    return 0;
}

void pg_sens_free(pg_sens *sv)
{
    if (!sv) return;
    free(sv->weights);
    free(sv->unweighted);
    free(sv->units);
    free(sv);
}

/* The writers. Units are listed per group, by nominal rank; unranked units last. */

static int *display_order(const pg_sens *sv)
{
    const pg_result *res = sv->res;
    const pg_ruleset *rs = res->rs;
    int *order = pg_xmalloc(sizeof(int) * (size_t)(rs->nunits + 1)), n = 0;
    for (int g = 0; g < rs->ngroups; g++) {
        int *go = pg_result_group_order(res, g);
        for (int i = 0; go[i] >= 0; i++) order[n++] = go[i];
        free(go);
        for (int u = 0; u < rs->nunits; u++)
            if (rs->units[u].group == g && !res->units[u].ranked) order[n++] = u;
    }
    order[n] = -1;
    return order;
}

cJSON *pg_sens_json(const pg_sens *sv)
{
    const pg_result *res = sv->res;
    const pg_ruleset *rs = res->rs;
    char pb[PG_PERIOD_BUF];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "scheme", rs->schemes[res->scheme].id);
    cJSON_AddStringToObject(o, "period", pg_period_format(res->period, pb));
    cJSON_AddStringToObject(o, "revision", rs->revision);
    cJSON_AddNumberToObject(o, "draws", (double)sv->opts.draws);
    cJSON_AddNumberToObject(o, "spread", sv->opts.spread);
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)sv->opts.seed);
    cJSON_AddStringToObject(o, "seed", seed); /* a string: 64 bits do not fit a JSON number */
    cJSON_AddStringToObject(o, "effects", "one_at_a_time");
    cJSON *ws = cJSON_AddArrayToObject(o, "weights");
    for (int w = 0; w < sv->nweights; w++) {
        const pg_sens_weight *wt = &sv->weights[w];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", wt->id);
        cJSON_AddStringToObject(j, "name", wt->name ? wt->name : wt->id);
        cJSON_AddStringToObject(j, "kind", wt->node >= 0 ? "indicator" : "part");
        /* what the number is: points under a sum, a weight under mean/geomean/harmonic */
        cJSON_AddStringToObject(j, "basis",
                                wt->basis == PG_SENS_POINTS   ? "points"
                                : wt->basis == PG_SENS_WEIGHT ? "weight"
                                                              : "part_weight");
        cJSON_AddNumberToObject(j, "nominal", wt->nominal);
        cJSON_AddNumberToObject(j, "lo", wt->lo);
        cJSON_AddNumberToObject(j, "hi", wt->hi);
        cJSON_AddBoolToObject(j, "declared", wt->declared);
        cJSON_AddItemToArray(ws, j);
    }
    cJSON *uw = cJSON_AddArrayToObject(o, "unweighted");
    for (int i = 0; i < sv->nunweighted; i++) {
        const pg_node *n = &rs->nodes[sv->unweighted[i]];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", n->id);
        cJSON_AddStringToObject(j, "name", n->name);
        cJSON_AddStringToObject(j, "why",
                                "aggregate = \"min\" has no weights: its children are not drawn");
        cJSON_AddItemToArray(uw, j);
    }
    cJSON *us = cJSON_AddArrayToObject(o, "units");
    int *order = display_order(sv);
    for (int i = 0; order[i] >= 0; i++) {
        int u = order[i];
        const pg_sens_unit *su = &sv->units[u];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", rs->units[u].id);
        cJSON_AddStringToObject(j, "name", rs->units[u].name);
        cJSON_AddStringToObject(j, "group", rs->groups[rs->units[u].group].id);
        if (!su->ranked) {
            cJSON_AddNullToObject(j, "rank");
            cJSON_AddItemToArray(us, j);
            continue;
        }
        cJSON_AddNumberToObject(j, "rank", su->rank);
        cJSON_AddNumberToObject(j, "total", su->total);
        if (su->band >= 0)
            cJSON_AddStringToObject(j, "band", rs->bands[su->band].label);
        else
            cJSON_AddNullToObject(j, "band");
        cJSON_AddNumberToObject(j, "draws_ranked", (double)su->draws_ranked);
        if (su->draws_ranked > 0) {
            cJSON_AddNumberToObject(j, "median_rank", su->median);
            cJSON_AddNumberToObject(j, "rank_p05", su->p05);
            cJSON_AddNumberToObject(j, "rank_p95", su->p95);
            cJSON_AddNumberToObject(j, "rank_best", su->best);
            cJSON_AddNumberToObject(j, "rank_worst", su->worst);
        }
        if (isnan(su->band_keep))
            cJSON_AddNullToObject(j, "band_keep");
        else
            cJSON_AddNumberToObject(j, "band_keep", su->band_keep);
        cJSON *ms = cJSON_AddArrayToObject(j, "moved_by");
        for (int k = 0; k < su->ntop; k++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "weight", sv->weights[su->top[k].weight].id);
            cJSON_AddNumberToObject(e, "rank_minus", su->top[k].minus);
            cJSON_AddNumberToObject(e, "rank_plus", su->top[k].plus);
            cJSON_AddItemToArray(ms, e);
        }
        cJSON_AddItemToArray(us, j);
    }
    free(order);
    return o;
}

int pg_sens_text(const pg_sens *sv, FILE *out)
{
    const pg_result *res = sv->res;
    const pg_ruleset *rs = res->rs;
    char pb[PG_PERIOD_BUF];
    int ndecl = 0;
    for (int w = 0; w < sv->nweights; w++) ndecl += sv->weights[w].declared;
    fprintf(out,
            "%s %s：权重敏感性分析（%ld 次抽样，%s权重在名义值 ±%g%% 内均匀抽取，种子 %llu；"
            "%d 个权重）\n",
            rs->schemes[res->scheme].name, pg_period_format(res->period, pb), sv->opts.draws,
            ndecl ? "未声明区间的" : "各", pg_round(sv->opts.spread * 100, 6),
            (unsigned long long)sv->opts.seed, sv->nweights);
    if (ndecl) {
        fputs("按规则集声明的区间（weight_range）抽取：", out);
        for (int w = 0, k = 0; w < sv->nweights; w++) {
            const pg_sens_weight *wt = &sv->weights[w];
            if (!wt->declared) continue;
            fprintf(out, "%s%s %g–%g（名义%s %g）", k++ ? "，" : "", wt->name, wt->lo, wt->hi,
                    wt->basis == PG_SENS_POINTS ? "分值" : "权重", wt->nominal);
        }
        fputc('\n', out);
    }
    int nw = 0;
    for (int w = 0; w < sv->nweights; w++) nw += sv->weights[w].basis == PG_SENS_WEIGHT;
    if (nw)
        fprintf(out,
                "其中 %d 个为平均合成（mean/geomean/harmonic）下级指标的权重（weight），"
                "在同级适用指标间重新归一\n",
                nw);
    if (sv->nunweighted) {
        fputs("取最小值（min）的指标没有权重，其下级指标不参与抽样：", out);
        for (int i = 0; i < sv->nunweighted; i++)
            fprintf(out, "%s%s", i ? "，" : "", rs->nodes[sv->unweighted[i]].name);
        fputc('\n', out);
    }
    fputs("影响最大的权重：逐一将单个权重调至其区间下限/上限（其余取名义值）时的名次，括号内为 "
          "下限→上限\n",
          out);
    int *order = display_order(sv);
    int g = -1;
    for (int i = 0; order[i] >= 0; i++) {
        int u = order[i];
        const pg_sens_unit *su = &sv->units[u];
        if (rs->units[u].group != g) {
            g = rs->units[u].group;
            fprintf(out, "\n%s\n%-4s  %-24s  %7s  %6s  %-9s  %6s  %s\n", rs->groups[g].name, "排名",
                    "单位", "总分", "中位", "5%–95%", "保持等次", "影响最大的权重");
        }
        if (!su->ranked) {
            fprintf(out, "%-4s  %-24s  %7s\n", "—", rs->units[u].name, "—");
            continue;
        }
        char iv[32] = "—", keep[16] = "—", med[16] = "—";
        if (su->draws_ranked > 0) {
            snprintf(iv, sizeof iv, "%d–%d", su->p05, su->p95);
            snprintf(med, sizeof med, "%g", su->median);
        }
        if (!isnan(su->band_keep)) snprintf(keep, sizeof keep, "%.1f%%", su->band_keep * 100);
        fprintf(out, "%-4d  %-24s  %7.*f  %6s  %-9s  %6s  ", su->rank, rs->units[u].name,
                rs->rounding, su->total, med, iv, keep);
        for (int k = 0; k < su->ntop; k++)
            fprintf(out, "%s%s（%d→%d）", k ? "，" : "", sv->weights[su->top[k].weight].name,
                    su->top[k].minus, su->top[k].plus);
        if (su->ntop == 0) fputs("—", out);
        fputc('\n', out);
    }
    free(order);
    return ferror(out) ? -EIO : 0;
}
