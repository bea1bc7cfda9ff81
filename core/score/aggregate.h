/* aggregate.h — the arithmetic of a node whose aggregate is mean, geomean, harmonic or min,
 * shared by eval.c (roll_up_op, which scores it and writes the trace) and sensitivity.c
 * (which re-aggregates it under drawn weights, and must give eval's numbers bit for bit at
 * nominal weights). One copy, so the two cannot drift apart.
 *
 * Each applicable child enters as its share of its own maximum (pg_agg_share_of) with a
 * weight w > 0; pg_agg_result is the node's share S in [0, 1]:
 *   mean      S = Σ wₖsₖ / W
 *   geomean   S = Π sₖ^(wₖ/W)        0 when any child is at 0 (the product's limit)
 *   harmonic  S = W / Σ (wₖ/sₖ)      0 when any child is at 0 (the limit)
 *   min       S = min sₖ             (weights count only towards W)
 * The additions happen in the order the children are added, so the caller's order of children
 * fixes the rounding. Header-only and inline. sensitivity.c adds the terms of a node whose
 * children are all leaves itself, child by child across the units (reaggregate_leaves: wₖsₖ,
 * wₖ ln sₖ, wₖ/sₖ in the same order, so that it vectorises) and then calls pg_agg_result; a
 * change to a term here must be made there too (its check at nominal weights refuses to draw
 * when the two differ by a bit, and unit.test_sens_ops recomputes every draw). */
#ifndef PG_SCORE_AGGREGATE_H
#define PG_SCORE_AGGREGATE_H

#include "rules.h"

#include <math.h>

typedef struct {
    double W;    /* the weights of the children added */
    double acc;  /* Σ wₖsₖ, Σ wₖ ln sₖ or Σ wₖ/sₖ */
    double smin; /* min sₖ */
    int zero;    /* geomean, harmonic: a child at 0 was added */
} pg_agg;

static inline void pg_agg_init(pg_agg *a)
{
    a->W = 0, a->acc = 0, a->smin = INFINITY, a->zero = 0;
}

/* A child's share of its maximum, kept in [0, 1] (methods keep points in [0, max]). */
static inline double pg_agg_share_of(double points, double max)
{
    return fmin(fmax(points / max, 0), 1);
}

/* Adds a child of share s and weight w. Returns 1 when it is the first child at 0 that makes
 * a geomean or harmonic node 0 (for the note that says which child did it). */
static inline int pg_agg_add(pg_agg *a, pg_op op, double w, double s)
{
    int first_zero = 0;
    a->W += w;
    switch (op) {
    case PG_OP_MEAN:
        a->acc += w * s;
        break;
    case PG_OP_GEOMEAN:
        if (s > 0)
            a->acc += w * log(s);
        else
            first_zero = !a->zero, a->zero = 1;
        break;
    case PG_OP_HARMONIC:
        if (s > 0)
            a->acc += w / s;
        else
            first_zero = !a->zero, a->zero = 1;
        break;
    case PG_OP_MIN:
        a->smin = fmin(a->smin, s);
        break;
    case PG_OP_SUM:
        break;
    }
    return first_zero;
}

/* pg_agg_add with ln s given (log(s) when s > 0): the same bits, for a caller that adds the same
 * share many times (sensitivity.c, a leaf's share in every draw). */
static inline int pg_agg_add_ln(pg_agg *a, pg_op op, double w, double s, double ln_s)
{
    if (op != PG_OP_GEOMEAN || !(s > 0)) return pg_agg_add(a, op, w, s);
    a->W += w;
    a->acc += w * ln_s;
    return 0;
}

/* The node's share, for a->W > 0. */
static inline double pg_agg_result(const pg_agg *a, pg_op op)
{
    double S = op == PG_OP_MEAN       ? a->acc / a->W
               : op == PG_OP_GEOMEAN  ? (a->zero ? 0 : exp(a->acc / a->W))
               : op == PG_OP_HARMONIC ? (a->zero ? 0 : a->W / a->acc)
                                      : a->smin;
    /* exp and the division may round a hair past 1. Comparisons, not fmin(fmax(S, 0), 1): the
     * same number for every S (a NaN gives 0 as fmax's does; −0 gives +0, as x86-64's fmax
     * gives, and S × max + 0.0 is +0 either way), inlined, so that a caller's loop over units
     * vectorises (sensitivity.c). */
    return S > 0 ? (S < 1 ? S : 1) : 0;
}

/* A child's weight under node n (not sum): its `weight` (1 when not given); every child
 * weighs the same under min. */
static inline double pg_agg_child_weight(const pg_node *n, const pg_node *k)
{
    return n->op == PG_OP_MIN || isnan(k->weight) ? 1 : k->weight;
}

#endif
