/* diff.c — what changes between two evaluations of one scheme and period (see score.h).
 *
 * A leaf's contribution to the total is its points times the cell's weight (the rescaling that
 * carries them into the part, see eval.c) times the part's weight in the scheme, scaled up
 * as totals() does when a part is dropped. Summed over the leaves this is the total before
 * clamping and vetoes, so the causes of a change add up to the change unless a cap, the
 * [0, max] clamp or a veto intervened (the unit row shows the veto). A node that scored its
 * group's median for thin evidence (eval.c) is a cause of its own: its children carry weight 0
 * there, so the node's points stand in for theirs. So is a node that aggregates by geomean,
 * harmonic or min: those are not linear, its children carry weight 0 under it (eval.c
 * roll_up_op) and its loss is its own, so a change of a child's weight or score shows as a
 * change of that node rather than of nothing. */
#include "score.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What a cause is: an indicator (tree schemes) or a part (schemes of schemes), in A and B. */
typedef struct {
    const char *id, *name;
    int in_a, in_b; /* node or part index, or -1 */
} slot;

/* A node whose children do not carry their points into the part (eval.c roll_up_op). */
static int is_nonlinear(const pg_node *n)
{
    return n->nchildren > 0 && !n->adjust &&
           (n->op == PG_OP_GEOMEAN || n->op == PG_OP_HARMONIC || n->op == PG_OP_MIN);
}

/* A leaf, a node with a thin-evidence policy (which may score in its leaves' stead), or a node
 * that is not linear in its children (which always does). */
static int is_cause(const pg_node *n)
{
    return n->nchildren == 0 || n->min_applicable > 0 || is_nonlinear(n);
}

static int is_leaf_of(const pg_ruleset *rs, const pg_scheme *s, int node)
{
    if (node < 0 || !is_cause(&rs->nodes[node])) return 0;
    for (int i = 0; i < s->norder; i++)
        if (s->order[i] == node) return 1;
    return 0;
}

static int part_index(const pg_scheme *s, const char *id)
{
    for (int k = 0; k < s->nparts; k++)
        if (strcmp(s->parts[k].id, id) == 0) return k;
    return -1;
}

/* The causes to look at: A's leaves (or parts), then B's that A lacks. */
static slot *slots_of(const pg_result *a, const pg_result *b, int *n)
{
    const pg_ruleset *ra = a->rs, *rb = b->rs;
    const pg_scheme *sa = &ra->schemes[a->scheme], *sb = &rb->schemes[b->scheme];
    slot *v =
        pg_xcalloc((size_t)(ra->nnodes + rb->nnodes + sa->nparts + sb->nparts) + 1, sizeof(slot));
    *n = 0;
    if (a->cells && b->cells) {
        int *pre, np = pg_scheme_preorder(ra, sa, &pre);
        for (int i = 0; i < np; i++) {
            const pg_node *nd = &ra->nodes[pre[i]];
            if (!is_cause(nd)) continue;
            int nb = pg_strmap_get(&rb->node_ids, nd->id);
            v[(*n)++] = (slot){nd->id, nd->name, pre[i], is_leaf_of(rb, sb, nb) ? nb : -1};
        }
        free(pre);
        np = pg_scheme_preorder(rb, sb, &pre);
        for (int i = 0; i < np; i++) {
            const pg_node *nd = &rb->nodes[pre[i]];
            if (!is_cause(nd)) continue;
            if (!is_leaf_of(ra, sa, pg_strmap_get(&ra->node_ids, nd->id)))
                v[(*n)++] = (slot){nd->id, nd->name, -1, pre[i]};
        }
        free(pre);
        return v;
    }
    for (int k = 0; k < sa->nparts; k++)
        v[(*n)++] = (slot){sa->parts[k].id, sa->parts[k].name, k, part_index(sb, sa->parts[k].id)};
    for (int k = 0; k < sb->nparts; k++)
        if (part_index(sa, sb->parts[k].id) < 0)
            v[(*n)++] = (slot){sb->parts[k].id, sb->parts[k].name, -1, k};
    return v;
}

static double part_max(const pg_ruleset *rs, const pg_part *p, int g)
{
    if (p->node >= 0) return rs->nodes[p->node].adjust ? 0 : rs->nodes[p->node].points[g];
    return rs->schemes[p->scheme].max;
}

/* What one point of part k is worth in unit u's total: its weight, scaled up when other
 * parts are dropped (never for a bonus/penalty part), as eval.c's totals() does. */
static double part_factor(const pg_result *res, int u, int k)
{
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    const pg_part *p = &s->parts[k];
    if (p->node >= 0 && rs->nodes[p->node].adjust) return p->weight;
    int g = rs->units[u].group;
    double all = 0, present = 0;
    for (int i = 0; i < s->nparts; i++) {
        const pg_part *q = &s->parts[i];
        double mx = part_max(rs, q, g);
        if (isnan(mx) || (q->node >= 0 && rs->nodes[q->node].adjust)) continue;
        all += q->weight * mx;
        if (!isnan(pg_result_part(res, u, i))) present += q->weight * mx;
    }
    return present > 0 ? p->weight * all / present : 0;
}

/* Contribution of slot index `i` (a node or a part of res's scheme) to unit u's total. */
static double contribution(const pg_result *res, int i, int u)
{
    if (i < 0 || u < 0) return 0;
    const pg_ruleset *rs = res->rs;
    const pg_scheme *s = &rs->schemes[res->scheme];
    if (!res->cells) {
        double v = pg_result_part(res, u, i);
        return isnan(v) ? 0 : v * part_factor(res, u, i);
    }
    const pg_cell *c = pg_result_cell(res, i, u);
    if (isnan(c->points)) return 0;
    if (rs->nodes[i].nchildren > 0 && c->thin != PG_BELOW_GROUP_MEDIAN &&
        !is_nonlinear(&rs->nodes[i]))
        return 0; /* its leaves carry it */
    int root = i;
    while (rs->nodes[root].parent >= 0) root = rs->nodes[root].parent;
    for (int k = 0; k < s->nparts; k++)
        if (s->parts[k].node == root) return c->points * c->weight * part_factor(res, u, k);
    return 0;
}

static int cmp_cause(const void *x, const void *y)
{
    const pg_diff_cause *p = x, *q = y;
    double dp = fabs(p->b - p->a), dq = fabs(q->b - q->a);
    if (dp != dq) return dp > dq ? -1 : 1;
    return strcmp(p->id, q->id);
}

static void fill_side(const pg_result *res, int u, int *ranked, double *total, int *rank,
                      const char **band, const char **veto)
{
    *total = NAN;
    if (u < 0) return;
    const pg_unit_result *ur = &res->units[u];
    *ranked = ur->ranked;
    if (!ur->ranked) return;
    *total = ur->total;
    *rank = ur->rank;
    *band = ur->band >= 0 ? res->rs->bands[ur->band].label : NULL;
    *veto = ur->veto_node >= 0 ? res->rs->nodes[ur->veto_node].id : NULL;
}

static void add_unit(pg_diff *df, const slot *slots, int nslots, int ua, int ub)
{
    const pg_ruleset *ra = df->a->rs, *rb = df->b->rs;
    pg_diff_unit *du = &df->units[df->nunits++];
    const pg_unit *unit = ua >= 0 ? &ra->units[ua] : &rb->units[ub];
    *du = (pg_diff_unit){.id = unit->id,
                         .name = unit->name,
                         .group_a = ua >= 0 ? unit->group : -1,
                         .group_b = -1,
                         .unit_a = ua,
                         .unit_b = ub};
    if (ub >= 0) du->group_b = rb->units[ub].group;
    fill_side(df->a, ua, &du->ranked_a, &du->total_a, &du->rank_a, &du->band_a, &du->veto_a);
    fill_side(df->b, ub, &du->ranked_b, &du->total_b, &du->rank_b, &du->band_b, &du->veto_b);
    du->causes = pg_xcalloc((size_t)nslots + 1, sizeof(pg_diff_cause));
    for (int i = 0; i < nslots; i++) {
        double a = contribution(df->a, slots[i].in_a, ua),
               b = contribution(df->b, slots[i].in_b, ub);
        if (fabs(b - a) > 1e-9)
            du->causes[du->ncauses++] = (pg_diff_cause){slots[i].id, slots[i].name, a, b};
    }
    qsort(du->causes, (size_t)du->ncauses, sizeof(pg_diff_cause), cmp_cause);
    int same_rank = du->ranked_a == du->ranked_b && du->rank_a == du->rank_b;
    int same_band = (!du->band_a && !du->band_b) ||
                    (du->band_a && du->band_b && strcmp(du->band_a, du->band_b) == 0);
    int same_total = (isnan(du->total_a) && isnan(du->total_b)) || du->total_a == du->total_b;
    df->rank_changes += !same_rank;
    df->band_changes += !same_band;
    df->total_changes += !same_total;
}

/* Display order: A's groups (then groups only B has), rank under B, rank under A, id. */
typedef struct {
    int group;
    pg_diff_unit u;
} keyed;

static int group_key(const pg_diff *df, const pg_diff_unit *u)
{
    if (u->group_a >= 0) return u->group_a;
    int g = pg_strmap_get(&df->a->rs->group_ids, df->b->rs->groups[u->group_b].id);
    return g >= 0 ? g : df->a->rs->ngroups + u->group_b;
}

static int cmp_unit(const void *x, const void *y)
{
    const keyed *kp = x, *kq = y;
    const pg_diff_unit *p = &kp->u, *q = &kq->u;
    if (kp->group != kq->group) return kp->group < kq->group ? -1 : 1;
    if (p->ranked_b != q->ranked_b) return p->ranked_b ? -1 : 1;
    if (p->rank_b != q->rank_b) return p->rank_b < q->rank_b ? -1 : 1;
    if (p->ranked_a != q->ranked_a) return p->ranked_a ? -1 : 1;
    if (p->rank_a != q->rank_a) return p->rank_a < q->rank_a ? -1 : 1;
    return strcmp(p->id, q->id);
}

static void sort_units(pg_diff *df)
{
    keyed *k = pg_xmalloc(sizeof(keyed) * (size_t)(df->nunits + 1));
    for (int i = 0; i < df->nunits; i++) k[i] = (keyed){group_key(df, &df->units[i]), df->units[i]};
    qsort(k, (size_t)df->nunits, sizeof(keyed), cmp_unit);
    for (int i = 0; i < df->nunits; i++) df->units[i] = k[i].u;
    free(k);
}

int pg_diff_compute(const pg_result *a, const pg_result *b, pg_diff **out, pg_diags *d)
{
    *out = NULL;
    const pg_ruleset *ra = a->rs, *rb = b->rs;
    if (strcmp(ra->schemes[a->scheme].id, rb->schemes[b->scheme].id) != 0 ||
        a->period != b->period || (!a->cells != !b->cells)) {
        pg_error(d, NULL, 0, "the two results are not the same scheme and period");
        return -EINVAL;
    }
    pg_diff *df = pg_xcalloc(1, sizeof *df);
    df->a = a;
    df->b = b;
    df->units = pg_xcalloc((size_t)(ra->nunits + rb->nunits) + 1, sizeof(pg_diff_unit));
    int nslots;
    slot *slots = slots_of(a, b, &nslots);
    for (int u = 0; u < ra->nunits; u++)
        add_unit(df, slots, nslots, u, pg_strmap_get(&rb->unit_ids, ra->units[u].id));
    for (int u = 0; u < rb->nunits; u++)
        if (pg_strmap_get(&ra->unit_ids, rb->units[u].id) < 0) add_unit(df, slots, nslots, -1, u);
    free(slots);
    sort_units(df);
    *out = df;
    return 0;
}

void pg_diff_free(pg_diff *df)
{
    if (!df) return;
    for (int i = 0; i < df->nunits; i++) free(df->units[i].causes);
    free(df->units);
    free(df);
}
