/* eval.c — one scheme, one period: leaves, roll-up, parts, totals, ranks, movement.
 *
 * Leaves are scored indicator by indicator and group by group, because relative methods need
 * the whole group's values before any unit can be scored. Inner nodes are then rolled up in
 * the scheme's post-order: a node scores the sum of its children, and when some children are
 * dropped (not applicable, no business) the others are scaled up so the node keeps its
 * maximum — unless a node's thin-evidence policy (min_applicable) says too little of it rests
 * on the unit's own data, when it is dropped or scores its group's median instead
 * (thin_evidence). Each cell keeps its own points and the factor (`weight`) that carries them
 * into its part, so lost points can be explained leaf by leaf (or, under a node that took the
 * median, at that node) and add up to what the unit lost.
 *
 * What people decided enters here too: an evaluator_score leaf takes the evaluator's points,
 * an upheld appeal moves one leaf's points before the roll-up (so its parents and the total
 * follow), and authenticity flags add to the metric they count into. Each says so in the
 * cell's note, which is the trace.
 *
 * Rounding happens once, on the total (pg_round); ranks use the rounded total. */
#include "score.h"
#include "base.h"
#include "aggregate.h"
#include "custom.h"
#include "submemo.h"
#include "method.h"

#include <errno.h>
#include <float.h>
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ERRS 8

typedef struct {
    char *msg;
    int n;       /* units it hit */
    int unit[3]; /* the first of them */
} rule_error;

typedef struct {
    const pg_ruleset *rs;
    const pg_dataset *ds;
    pg_result *res;
    pg_custom *custom;
    int **members; /* units of each group, in units.csv order */
    int *nmembers;
    double *vals; /* scratch, one per unit */
    int *who;
    rule_error errs[MAX_ERRS]; /* the rule code's errors, by message */
    int nerrs, errs_other;     /* distinct messages kept; units whose message was not */
} evaluator;

/* Records that rule code failed for unit u: the same message (file:line and what) once, with
 * how many units it hit and the first few, so that an error is reported, never only counted. */
static void rule_failed(evaluator *ev, int u, const char *msg)
{
    int i = 0;
    while (i < ev->nerrs && strcmp(ev->errs[i].msg, msg) != 0) i++;
    if (i == ev->nerrs) {
        if (i == MAX_ERRS) {
            ev->errs_other++;
            return;
        }
        ev->errs[ev->nerrs++] = (rule_error){.msg = pg_xstrdup(msg)};
    }
    rule_error *e = &ev->errs[i];
    if (e->n < (int)(sizeof e->unit / sizeof e->unit[0])) e->unit[e->n] = u;
    e->n++;
}

/* Reports the recorded errors into d: as errors when they left no unit ranked (there is no
 * ranking to show), else as warnings beside a ranking that lacks those units' points. */
static void report_rule_errors(evaluator *ev, int none_ranked, pg_diags *d)
{
    const pg_ruleset *rs = ev->rs;
    char buf[PG_PERIOD_BUF];
    const char *period = pg_period_format(ev->res->period, buf);
    const char *scheme = rs->schemes[ev->res->scheme].id;
    for (int i = 0; i < ev->nerrs; i++) {
        rule_error *e = &ev->errs[i];
        char who[256] = "";
        size_t len = 0;
        int shown = e->n < 3 ? e->n : 3;
        for (int k = 0; k < shown && len < sizeof who; k++)
            len += (size_t)snprintf(who + len, sizeof who - len, "%s%s", k ? "、" : "",
                                    rs->units[e->unit[k]].name);
        pg_diag_add(d, none_ranked ? PG_ERROR : PG_WARNING, NULL, 0, 0,
                    "%s (scheme '%s', period %s: %d unit%s: %s%s)", e->msg, scheme, period, e->n,
                    e->n == 1 ? "" : "s", who, e->n > shown ? "…" : "");
        free(e->msg);
    }
    if (ev->errs_other)
        pg_diag_add(d, none_ranked ? PG_ERROR : PG_WARNING, NULL, 0, 0,
                    "and %d more rule error%s (scheme '%s', period %s); see each unit's notes",
                    ev->errs_other, ev->errs_other == 1 ? "" : "s", scheme, period);
    ev->nerrs = ev->errs_other = 0;
}

/* Takes ownership of msg. */
static int add_note(pg_result *res, char *msg)
{
    res->notes = pg_xrealloc(res->notes, sizeof(char *) * (size_t)(res->nnotes + 1));
    res->notes[res->nnotes] = msg;
    return res->nnotes++;
}

/* Adds msg (taken) to the cell's note, after what is there. */
static void append_note(pg_result *res, pg_cell *c, char *msg)
{
    if (c->note < 0) {
        c->note = add_note(res, msg);
        return;
    }
    char *both = pg_xasprintf("%s；%s", res->notes[c->note], msg);
    free(msg);
    c->note = add_note(res, both);
}

/* A leaf's value for a unit: the metric's, plus the authenticity flags that count into it;
 * on an evaluator_score leaf, the evaluator's points. Returns whether there is one; *flagnote
 * gets a malloc'd trace line when flags were counted. */
static int leaf_value(evaluator *ev, int node, int period, int u, int counts_flags, double *v,
                      double *nn, char **flagnote)
{
    const pg_ruleset *rs = ev->rs;
    const pg_node *n = &rs->nodes[node];
    *flagnote = NULL;
    if (n->evaluator) {
        const pg_given *gv = pg_dataset_score(ev->ds, period, node, u);
        *v = gv ? gv->points : NAN;
        *nn = NAN;
        return gv != NULL;
    }
    int have = pg_dataset_get(ev->ds, period, n->metric, u, v, nn);
    if (!counts_flags) return have;
    pg_auth_flag *f = NULL;
    int nf = 0;
    pg_auth_flags(rs, ev->ds, period, u, n->metric, &f, &nf);
    if (nf == 0) return have;
    size_t cap = 256, len = 0;
    char *msg = pg_xmalloc(cap);
    len = (size_t)snprintf(msg, cap, "评估数据真实性核查：%d项自报数据高于系统统计超过容差", nf);
    for (int i = 0; i < nf; i++) {
        const pg_metric *m = &rs->metrics[f[i].metric];
        char pb[PG_PERIOD_BUF];
        char *item =
            pg_xasprintf("%s%s %s 自报%.10g，系统%.10g（%s，容差%g%%）", i ? "；" : "（", m->name,
                         pg_period_format(f[i].period, pb), f[i].reported, f[i].measured,
                         rs->metrics[m->auth_measured].name, pg_round(m->auth_tolerance * 100, 6));
        size_t il = strlen(item);
        if (len + il + 8 > cap) msg = pg_xrealloc(msg, cap = (len + il + 8) * 2);
        memcpy(msg + len, item, il + 1);
        len += il;
        free(item);
    }
    memcpy(msg + len, "）", sizeof "）");
    free(f);
    *flagnote = msg;
    if (have)
        *v += nf;
    else
        *v = nf, *nn = NAN;
    return 1;
}

static void apply_missing(evaluator *ev, int node, pg_cell *c, int unit, int in_adjust, char *why)
{
    const pg_node *n = &ev->rs->nodes[node];
    const pg_ruleset *rs = ev->rs;
    pg_result *res = ev->res;
    const char *pre = why ? why : "";
    char buf[PG_PERIOD_BUF];
    if (in_adjust) {
        c->status = PG_ST_MISSING;
        c->points = 0;
        c->note = add_note(res, pg_xasprintf("%s无记录，不加减分", pre));
        return;
    }
    switch (n->missing) {
    case PG_MISS_ZERO:
        c->status = PG_ST_MISSING;
        c->points = 0;
        c->note = add_note(res, pg_xasprintf("%s无数据，按0分计", pre));
        break;
    case PG_MISS_NOT_SUBMITTED:
        c->status = PG_ST_NOT_SUBMITTED;
        c->points = 0;
        c->note = add_note(res, pg_xasprintf("%s未报送数据，按0分计", pre));
        break;
    case PG_MISS_NA:
        c->status = PG_ST_NA;
        c->note = add_note(res, pg_xasprintf("%s不适用，权重按比例分配给同级指标", pre));
        break;
    case PG_MISS_NO_BUSINESS:
        c->status = PG_ST_NO_BUSINESS;
        c->note = add_note(res, pg_xasprintf("%s本期无业务，不计分，权重按比例分配", pre));
        break;
    case PG_MISS_CARRY: {
        int p = res->period;
        for (int back = 1; back <= rs->carry_limit; back++) {
            p = pg_period_prev(p);
            double v, nn;
            char *ignored;
            if (leaf_value(ev, node, p, unit, 0, &v, &nn, &ignored) && !(nn == 0) &&
                !(nn < n->min_n)) {
                c->value = v;
                c->n = nn;
                c->status = PG_ST_CARRIED;
                c->carried_from = p;
                c->note =
                    add_note(res, pg_xasprintf("%s沿用%s数据", pre, pg_period_format(p, buf)));
                return;
            }
        }
        c->status = PG_ST_MISSING;
        c->points = 0;
        c->note = add_note(
            res, pg_xasprintf("%s无数据，前%d期亦无可沿用数据，按0分计", pre, rs->carry_limit));
        break;
    }
    }
    (void)unit;
}

/* winsor = { p }: the group's values (ev->vals, as the method sees them) clipped at both ends
 * before the group's statistics and the shares, so one outlier does not set the scale of a
 * relative method for everyone. A clipped unit's note says from what to what. */
static void winsorise(evaluator *ev, const pg_node *n, int cnt)
{
    double lo, hi;
    pg_winsor_bounds(ev->vals, cnt, n->winsor, &lo, &hi);
    for (int i = 0; i < cnt; i++) {
        double v = ev->vals[i], w = fmin(fmax(v, lo), hi);
        if (w == v) continue;
        ev->vals[i] = w;
        append_note(ev->res, pg_result_cell(ev->res, (int)(n - ev->rs->nodes), ev->who[i]),
                    pg_xasprintf("缩尾处理（winsor p=%g）：%.6g按本组%s%.6g计分", n->winsor, v,
                                 v < lo ? "下限" : "上限", w));
    }
}

static void score_group(evaluator *ev, int node, int g, int in_adjust)
{
    const pg_ruleset *rs = ev->rs;
    const pg_node *n = &rs->nodes[node];
    pg_result *res = ev->res;
    double max = n->points[g];
    int cnt = 0;
    int counts_flags = !n->evaluator && pg_auth_is_into(rs, n->metric);
    for (int i = 0; i < ev->nmembers[g]; i++) {
        int u = ev->members[g][i];
        pg_cell *c = pg_result_cell(res, node, u);
        double v, nn;
        char *flagnote;
        int have = leaf_value(ev, node, res->period, u, counts_flags, &v, &nn, &flagnote);
        if (flagnote) c->note = add_note(res, flagnote);
        char *why = n->evaluator && !have ? pg_xstrdup("评估方未录入定性评价，") : NULL;
        if (have) c->value = v, c->n = nn;
        if (have && nn == 0) {
            have = 0;
            why = pg_xstrdup("样本量为0，");
        } else if (have && nn < n->min_n) {
            have = 0;
            why = pg_xasprintf("样本量%g低于最低要求%g，", nn, n->min_n);
        }
        if (have)
            c->status = PG_ST_OK;
        else
            apply_missing(ev, node, c, u, in_adjust, why);
        free(why);
        if ((c->status == PG_ST_OK || c->status == PG_ST_CARRIED) && pg_na_when(n, c->value)) {
            /* a value that says "does not apply" (na_when): dropped as missing =
             * "not_applicable" drops it, so the parent renormalises over the rest */
            char vb[32];
            snprintf(vb, sizeof vb, "%.10g", c->value);
            append_note(res, c,
                        pg_xasprintf("数值%s符合不适用条件（na_when%s%s）：不适用，权重按比例分配"
                                     "给同级指标",
                                     vb, n->na_when_text ? " " : "",
                                     n->na_when_text ? n->na_when_text : ""));
            c->status = PG_ST_NA;
            c->points = NAN;
        }
        if (c->status == PG_ST_OK || c->status == PG_ST_CARRIED) {
            ev->vals[cnt] = n->evaluator ? c->value : pg_transform(n, c->value);
            ev->who[cnt++] = u;
        }
    }
    if (n->winsor > 0 && cnt > 0) winsorise(ev, n, cnt);
    pg_method tm;
    int tm_owned = pg_method_transformed(n, &tm);
    pg_group_stats gs = {0};
    if (pg_method_is_relative(&n->method))
        pg_group_stats_compute(&gs, ev->vals, cnt, pg_method_needs_order(&n->method));
    int group_ref = n->method.kind == PG_M_CUSTOM
                        ? pg_custom_group(ev->custom, &gs, ev->who, ev->vals, cnt)
                        : -1;
    for (int i = 0; i < cnt; i++) {
        int u = ev->who[i];
        pg_cell *c = pg_result_cell(res, node, u);
        if (n->veto) {
            c->points = 0;
            if (c->value != 0) {
                c->status = PG_ST_VETO;
                res->units[u].veto_node = node;
                c->note = add_note(res, pg_xasprintf("触发单项否决，总分定为%g", n->veto_score));
            }
            continue;
        }
        if (n->evaluator) {
            /* the evaluator's points, kept within the indicator's */
            double lo = fmin(0, max), hi = fmax(0, max);
            c->points = fmin(fmax(c->value, lo), hi) + 0.0;
            c->capped = c->points != c->value;
            const pg_given *gv = pg_dataset_score(ev->ds, res->period, node, u);
            if (gv)
                append_note(res, c,
                            c->capped
                                ? pg_xasprintf("定性评价 #%ld：%s（评分%g超出本项分值，按%g计）",
                                               gv->id, gv->reason, c->value, c->points)
                                : pg_xasprintf("定性评价 #%ld：%s", gv->id, gv->reason));
            continue;
        }
        double share;
        int capped = 0;
        if (n->method.kind == PG_M_CUSTOM) {
            char *note = NULL, *err = NULL;
            if (pg_custom_share(ev->custom, n, group_ref, u, ev->vals[i], &share, &note, &err) !=
                0) {
                c->status = PG_ST_ERROR;
                c->points = 0;
                rule_failed(ev, u, err);
                c->note = add_note(res, err);
                res->units[u].errors++;
                continue;
            }
            if (note) c->note = add_note(res, note);
        } else
            share = pg_method_share(&tm, ev->vals[i], max, &gs, &capped);
        c->points = share * max + 0.0; /* + 0.0: no "-0" for an untouched penalty */
        c->capped = (unsigned char)capped;
        if (capped && c->note < 0)
            c->note =
                add_note(res, pg_xasprintf("%s达到上限%g分", max < 0 ? "扣分" : "计分", fabs(max)));
    }
    if (group_ref >= 0) pg_custom_group_release(ev->custom, group_ref);
    free(gs.sorted);
    if (tm_owned) free(tm.step_at);
}

/* Upheld appeals on the leaf `node` for group g's units: each moves the points by its
 * adjustment, never past the indicator's points nor below 0 (for a penalty item: never below
 * its cap nor above 0), and says so in the trace. */
static void apply_appeals(evaluator *ev, int node, int g)
{
    const pg_ruleset *rs = ev->rs;
    pg_result *res = ev->res;
    for (int i = 0; i < ev->nmembers[g]; i++) {
        int u = ev->members[g][i];
        const pg_given *a;
        int k = pg_dataset_adjustments(ev->ds, res->period, node, u, &a);
        pg_cell *c = pg_result_cell(res, node, u);
        double lo = fmin(0, c->max), hi = fmax(0, c->max);
        for (int j = 0; j < k; j++) {
            double applied = 0;
            char *msg;
            if (isnan(c->points) || rs->nodes[node].veto) {
                msg = pg_xasprintf("申诉 #%ld 成立（%+g分），但本项本期不计分，未作调整：%s",
                                   a[j].id, a[j].points, a[j].reason);
            } else {
                double to = fmin(fmax(c->points + a[j].points, lo), hi);
                applied = to - c->points;
                c->points = to + 0.0;
                if (fabs(applied - a[j].points) > 1e-12) {
                    c->capped = 1;
                    msg =
                        pg_xasprintf("申诉 #%ld 成立：%+g分，以本项分值[%g, %g]为限实计%+g分（%s）",
                                     a[j].id, a[j].points, lo, hi, applied + 0.0, a[j].reason);
                } else
                    msg = pg_xasprintf("申诉 #%ld 成立：%+g分（%s）", a[j].id, a[j].points,
                                       a[j].reason);
            }
            append_note(res, c, msg);
            res->appeals =
                pg_xrealloc(res->appeals, sizeof(pg_appeal_applied) * (size_t)(res->nappeals + 1));
            res->appeals[res->nappeals++] = (pg_appeal_applied){
                u, node, a[j].id, a[j].points, applied + 0.0, pg_xstrdup(a[j].reason)};
        }
    }
}

/* Whether unit u's cell of `node` rests on too little of the unit's own data: scored with fewer
 * applicable points than min_applicable × max (the 1e-9 keeps a share of exactly the minimum
 * above it), or dropped only because a child's policy dropped it. A node with no data at all
 * under it is not thin but empty: it stays dropped, and its leaves' missing-data statuses say
 * why. */
static int is_thin(const pg_result *res, int node, const pg_node *n, const pg_cell *c, int u)
{
    if (c->status == PG_ST_OK && !isnan(c->points))
        return c->applicable < n->min_applicable * c->max * (1 - 1e-9);
    /* dropped because its children's own policies dropped them: there was evidence, only too
     * little of it, so this node's policy decides too (else it would fall through to the
     * scheme's rescaling, the very amplification the policies are there to stop) */
    if (c->status == PG_ST_OFF) return 0;
    for (int k = 0; k < n->nchildren; k++)
        if (pg_result_cell(res, n->children[k], u)->thin == PG_BELOW_NA) return 1;
    return 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The thin-evidence policy of `node` (min_applicable, below) for group g, after the roll-up:
 * a unit whose node rests on too little of its own data is not scaled up from it. With below
 * = "group_median" the node scores the median of the group's units whose node met the
 * minimum (their points as rolled up), and its children no longer reach the part (weight 0:
 * the node's loss is its own); with below = "not_applicable" the node is dropped and its parent
 * rescales under its own policy. When no unit of the group reaches the minimum the policy
 * stands aside for the group that period (see below). Each cell's note says which. */
static void thin_evidence(evaluator *ev, int node, int g)
{
    const pg_ruleset *rs = ev->rs;
    const pg_node *n = &rs->nodes[node];
    pg_result *res = ev->res;
    int cnt = 0;
    for (int i = 0; i < ev->nmembers[g]; i++) {
        int u = ev->members[g][i];
        const pg_cell *c = pg_result_cell(res, node, u);
        if (c->status == PG_ST_OK && !isnan(c->points) && !is_thin(res, node, n, c, u))
            ev->vals[cnt++] = c->points;
    }
    double median = NAN;
    if (cnt > 0) {
        qsort(ev->vals, (size_t)cnt, sizeof(double), cmp_double);
        median = cnt % 2 ? ev->vals[cnt / 2] : (ev->vals[cnt / 2 - 1] + ev->vals[cnt / 2]) / 2;
    }
    for (int i = 0; i < ev->nmembers[g]; i++) {
        int u = ev->members[g][i];
        pg_cell *c = pg_result_cell(res, node, u);
        if (!is_thin(res, node, n, c, u)) continue;
        char *why =
            isnan(c->points)
                ? pg_xasprintf("下级指标均因证据过少不计分，计入的本单位数据为0/%g，低于最低适用"
                               "比例%g%%",
                               c->max, pg_round(n->min_applicable * 100, 6))
                : pg_xasprintf("有本单位数据的分值%.4g/%g（%.1f%%），低于最低适用比例"
                               "%g%%",
                               c->applicable, c->max, c->applicable / c->max * 100,
                               pg_round(n->min_applicable * 100, 6));
        char *msg;
        if (cnt == 0) {
            /* No unit of the group reaches the minimum: the thinness is the period's (a source
             * not delivered yet, a platform not in use yet), not the unit's, and there is no
             * better-evidenced peer to measure against. Scored as without the policy, so a
             * whole group is never left unranked by it; the note says so. */
            if (!isnan(c->points))
                append_note(res, c,
                            pg_xasprintf("%s，但本组无单位达到该比例，本期不适用此规则", why));
            free(why);
            continue;
        }
        if (n->below == PG_BELOW_GROUP_MEDIAN) {
            msg = pg_xasprintf("%s：不按比例放大，按本组中位数%.4f分计（本组%d个单位达到该比例）",
                               why, median, cnt);
            c->points = median;
            c->applicable = c->max; /* a whole substitute: the parent does not rescale it */
            c->thin = PG_BELOW_GROUP_MEDIAN;
            c->status = PG_ST_OK; /* it may have been dropped with its children */
        } else {
            msg = pg_xasprintf("%s：不适用，权重按比例分配给同级指标", why);
            c->points = NAN;
            c->applicable = 0;
            c->status = PG_ST_NA;
            c->thin = PG_BELOW_NA;
        }
        free(why);
        c->capped = 0;
        c->note = add_note(res, msg); /* replaces the rescaling note: no rescaling happened */
        for (int k = 0; k < n->nchildren; k++) pg_result_cell(res, n->children[k], u)->weight = 0;
    }
}

/* The roll-up of a node whose aggregate is mean, geomean, harmonic or min. Each applicable
 * child enters as its share of its own maximum, s = points ÷ max, in [0, 1]; weights are
 * normalised over the children that apply to the unit (a dropped child's weight goes to the
 * rest, as under sum); the node scores S × its points with
 *   mean      S = Σ wₖsₖ / W
 *   geomean   S = Π sₖ^(wₖ/W)        0 when any applicable child is at 0 (the product's limit)
 *   harmonic  S = W / Σ (wₖ/sₖ)      0 when any applicable child is at 0 (the limit)
 *   min       S = min sₖ
 * No applicable child: the node is dropped (not applicable, or no business), as under sum.
 * Lost points: the mean is linear, so each child carries its points into the node by the factor
 * (wₖ/W) × max ÷ maxₖ and lost points still add up leaf by leaf; the other three are not, so
 * their children carry nothing (weight 0) and the node's loss is its own, as under a node that
 * took its group's median (explain shows each child's term in the operator's own terms). */
static void roll_up_op(evaluator *ev, int node, int g)
{
    const pg_ruleset *rs = ev->rs;
    const pg_node *n = &rs->nodes[node];
    pg_result *res = ev->res;
    double wall = 0; /* the weights of the children that apply to the group */
    for (int k = 0; k < n->nchildren; k++) {
        const pg_node *kn = &rs->nodes[n->children[k]];
        if (!isnan(kn->points[g])) wall += pg_agg_child_weight(n, kn);
    }
    for (int i = 0; i < ev->nmembers[g]; i++) {
        int u = ev->members[g][i];
        pg_cell *c = pg_result_cell(res, node, u);
        double app = 0;
        int no_business = 0, dropped = 0, zero = -1;
        pg_agg ag;
        pg_agg_init(&ag);
        for (int k = 0; k < n->nchildren; k++) {
            const pg_node *kn = &rs->nodes[n->children[k]];
            pg_cell *kc = pg_result_cell(res, n->children[k], u);
            kc->weight = 0;
            if (kc->status == PG_ST_OFF) continue;
            if (isnan(kc->points)) {
                no_business |= kc->status == PG_ST_NO_BUSINESS;
                dropped++;
                continue;
            }
            /* the loader refused a child with points ≤ 0 here; methods keep points in [0, max] */
            double sk = pg_agg_share_of(kc->points, kc->max), w = pg_agg_child_weight(n, kn);
            app += w * (kn->nchildren ? kc->applicable / kc->max : 1);
            if (pg_agg_add(&ag, n->op, w, sk)) zero = k;
        }
        double W = ag.W;
        c->applicable = wall > 0 ? c->max * app / wall : 0;
        if (!(W > 0)) {
            c->status = no_business ? PG_ST_NO_BUSINESS : PG_ST_NA;
            continue;
        }
        double S = pg_agg_result(&ag, n->op); /* aggregate.h */
        c->status = PG_ST_OK;
        c->points = S * c->max + 0.0;
        if (n->op == PG_OP_MEAN)
            for (int k = 0; k < n->nchildren; k++) {
                pg_cell *kc = pg_result_cell(res, n->children[k], u);
                if (kc->status != PG_ST_OFF && !isnan(kc->points))
                    kc->weight =
                        pg_agg_child_weight(n, &rs->nodes[n->children[k]]) / W * c->max / kc->max;
            }
        if (zero >= 0)
            c->note = add_note(res, pg_xasprintf("下级指标“%s”得分为0，%s为0",
                                                 rs->nodes[n->children[zero]].name,
                                                 n->op == PG_OP_GEOMEAN ? "几何平均" : "调和平均"));
        else if (dropped)
            c->note = add_note(
                res, n->op == PG_OP_MIN
                         ? pg_xasprintf("%d项下级指标不计分，在其余下级指标中取最小值", dropped)
                         : pg_xasprintf("%d项下级指标不计分，权重在其余项间重新归一", dropped));
    }
    if (n->min_applicable > 0) thin_evidence(ev, node, g);
}

static void roll_up(evaluator *ev, int node, int g)
{
    const pg_ruleset *rs = ev->rs;
    const pg_node *n = &rs->nodes[node];
    pg_result *res = ev->res;
    if (n->op != PG_OP_SUM && !n->adjust) {
        roll_up_op(ev, node, g);
        return;
    }
    for (int i = 0; i < ev->nmembers[g]; i++) {
        int u = ev->members[g][i];
        pg_cell *c = pg_result_cell(res, node, u);
        double sp = 0, sm = 0, app = 0;
        int no_business = 0;
        for (int k = 0; k < n->nchildren; k++) {
            pg_cell *kc = pg_result_cell(res, n->children[k], u);
            if (kc->status == PG_ST_OFF) continue;
            if (isnan(kc->points)) {
                no_business |= kc->status == PG_ST_NO_BUSINESS;
                continue;
            }
            sp += kc->points;
            sm += kc->max;
            /* children's points add up to the node's, so their applicable points do too */
            app += rs->nodes[n->children[k]].nchildren ? kc->applicable : kc->max;
        }
        c->applicable = app;
        if (n->adjust) {
            c->status = PG_ST_OK;
            c->points = fmin(fmax(sp, -n->minus), n->plus);
            for (int k = 0; k < n->nchildren; k++)
                pg_result_cell(res, n->children[k], u)->weight = 1;
            if (c->points != sp) {
                c->capped = 1;
                c->note = add_note(res, pg_xasprintf("加减分合计%g，按上下限[-%g, +%g]计%g", sp,
                                                     n->minus, n->plus, c->points));
            }
            continue;
        }
        if (sm <= 0) {
            c->status = no_business ? PG_ST_NO_BUSINESS : PG_ST_NA;
            continue;
        }
        double scale = c->max / sm, pts = sp * c->max / sm;
        if (pts > c->max && pts - c->max < 1e-9 * c->max) pts = c->max; /* rounding, not a cap */
        for (int k = 0; k < n->nchildren; k++) {
            pg_cell *kc = pg_result_cell(res, n->children[k], u);
            kc->weight = isnan(kc->points) ? 0 : scale;
        }
        c->status = PG_ST_OK;
        c->points = fmin(fmax(pts, 0), c->max);
        if (c->points != pts) {
            c->capped = 1;
            c->note =
                add_note(res, pg_xasprintf("得分%g超出[0, %g]，按%g计", pts, c->max, c->points));
        } else if (fabs(scale - 1) > 1e-12)
            c->note =
                add_note(res, pg_xasprintf("部分下级指标不计分，其余按比例折算（×%.4f）", scale));
    }
    if (n->min_applicable > 0 && !n->adjust) thin_evidence(ev, node, g);
}

/* Carries each node's rescaling down to its descendants, parents first. */
static void propagate_weights(evaluator *ev, const pg_scheme *s)
{
    pg_result *res = ev->res;
    for (int u = 0; u < ev->rs->nunits; u++)
        for (int k = 0; k < s->nparts; k++) {
            if (s->parts[k].node < 0) continue;
            pg_cell *c = pg_result_cell(res, s->parts[k].node, u);
            c->weight = isnan(c->points) ? 0 : 1;
        }
    for (int i = s->norder - 1; i >= 0; i--) {
        const pg_node *n = &ev->rs->nodes[s->order[i]];
        for (int u = 0; u < ev->rs->nunits; u++) {
            double w = pg_result_cell(res, s->order[i], u)->weight;
            for (int k = 0; k < n->nchildren; k++)
                pg_result_cell(res, n->children[k], u)->weight *= w;
        }
    }
}

static void score_trees(evaluator *ev, const pg_scheme *s)
{
    const pg_ruleset *rs = ev->rs;
    pg_result *res = ev->res;
    size_t ncells = (size_t)rs->nnodes * (size_t)rs->nunits;
    res->cells = pg_xmalloc(sizeof(pg_cell) * (ncells ? ncells : 1));
    for (int node = 0; node < rs->nnodes; node++)
        for (int u = 0; u < rs->nunits; u++) {
            double max = rs->nodes[node].points[rs->units[u].group];
            *pg_result_cell(res, node, u) = (pg_cell){.value = NAN,
                                                      .n = NAN,
                                                      .points = NAN,
                                                      .max = max,
                                                      .status = isnan(max) ? PG_ST_OFF : PG_ST_NA,
                                                      .note = -1};
        }
    for (int i = 0; i < s->norder; i++) {
        int node = s->order[i];
        const pg_node *n = &rs->nodes[node];
        int in_adjust = n->parent >= 0 && rs->nodes[n->parent].adjust;
        for (int g = 0; g < rs->ngroups; g++) {
            if (isnan(n->points[g])) continue;
            if (n->nchildren == 0 && !n->adjust) {
                score_group(ev, node, g, in_adjust);
                apply_appeals(ev, node, g);
            } else
                roll_up(ev, node, g);
        }
    }
    propagate_weights(ev, s);
    for (int u = 0; u < rs->nunits; u++)
        for (int k = 0; k < s->nparts; k++)
            if (s->parts[k].node >= 0)
                res->parts[(size_t)u * (size_t)s->nparts + (size_t)k] =
                    pg_result_cell(res, s->parts[k].node, u)->points;
}

static int eval_inner(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                      int with_prev, pg_result **out, pg_diags *d);

/* The caller's source of monthly sub-results under each month's rules (score.h). */
static _Thread_local const pg_eval_months *months_source;
static _Thread_local int months_failed;

void pg_eval_months_set(const pg_eval_months *m)
{
    months_source = m;
    months_failed = 0;
}

/* The memo of monthly sub-results in force on this thread (submemo.c), or NULL. */
static _Thread_local pg_submemo *memo;

void pg_eval_submemo_set(pg_submemo *m)
{
    memo = m;
}

/* A monthly sub-result, trimmed: from the caller's source when it has one for the month, else
 * from the memo, else evaluated here (and kept in the memo when the evaluation said nothing). */
static int sub_result(const evaluator *ev, const pg_scheme *ref, int scheme, int period,
                      pg_result **sub, pg_diags *d)
{
    int month = ref->period == PG_PERIOD_MONTH;
    /* the source answers 1 for a month it leaves to the composite's own rules */
    int rc =
        months_source && month ? months_source->fn(months_source->arg, ref->id, period, sub, d) : 1;
    char key[65];
    int keyed =
        rc == 1 && memo && month && pg__submemo_key(ev->rs, ev->ds, scheme, period, key) == 0;
    if (keyed && pg__submemo_get(memo, key, ev->rs, scheme, period, sub)) return 0;
    int said = d->n;
    if (rc == 1) rc = eval_inner(ev->rs, ev->ds, scheme, period, 0, sub, d);
    if (rc == 0) pg_result_trim(*sub);
    if (rc == 0 && keyed && d->n == said) pg__submemo_put(memo, key, *sub);
    if (rc < 0 && rc != -ENOENT) months_failed = rc;
    return rc;
}

/* A scheme of schemes: each part is another scheme's total, or the mean of its monthly
 * totals over a range of months. The sub-results are kept for the trace. */
static void score_schemes(evaluator *ev, const pg_scheme *s, pg_diags *d)
{
    const pg_ruleset *rs = ev->rs;
    pg_result *res = ev->res;
    double *sum = pg_xcalloc((size_t)rs->nunits, sizeof(double));
    int *cnt = pg_xcalloc((size_t)rs->nunits, sizeof(int));
    for (int k = 0; k < s->nparts; k++) {
        const pg_part *p = &s->parts[k];
        const pg_scheme *ref = &rs->schemes[p->scheme];
        int year = pg_period_year(res->period);
        int from = ref->period == PG_PERIOD_MONTH ? p->month_from : 0;
        int to = ref->period == PG_PERIOD_MONTH ? p->month_to : 0;
        memset(sum, 0, sizeof(double) * (size_t)rs->nunits);
        memset(cnt, 0, sizeof(int) * (size_t)rs->nunits);
        for (int m = from; m <= to; m++) {
            pg_result *sub;
            if (sub_result(ev, ref, p->scheme, year * 100 + m, &sub, d) != 0) continue;
            res->sub = pg_xrealloc(res->sub, sizeof(pg_result *) * (size_t)(res->nsub + 1));
            res->sub_part = pg_xrealloc(res->sub_part, sizeof(int) * (size_t)(res->nsub + 1));
            res->sub_part[res->nsub] = k;
            res->sub[res->nsub++] = sub;
            for (int u = 0; u < rs->nunits; u++)
                if (!isnan(sub->units[u].total)) sum[u] += sub->units[u].total, cnt[u]++;
        }
        for (int u = 0; u < rs->nunits; u++)
            res->parts[(size_t)u * (size_t)s->nparts + (size_t)k] = cnt[u] ? sum[u] / cnt[u] : NAN;
    }
    free(sum);
    free(cnt);
}

static double part_max(const pg_ruleset *rs, const pg_part *p, int g)
{
    if (p->node >= 0) return rs->nodes[p->node].adjust ? 0 : rs->nodes[p->node].points[g];
    return rs->schemes[p->scheme].max;
}

static void totals(evaluator *ev, const pg_scheme *s)
{
    const pg_ruleset *rs = ev->rs;
    pg_result *res = ev->res;
    for (int u = 0; u < rs->nunits; u++) {
        pg_unit_result *ur = &res->units[u];
        const double *parts = &res->parts[(size_t)u * (size_t)s->nparts];
        int g = rs->units[u].group;
        double total = NAN;
        double got = 0, max_present = 0, max_all = 0, adjust = 0;
        int present = 0;
        for (int k = 0; k < s->nparts; k++) {
            const pg_part *p = &s->parts[k];
            double mx = part_max(rs, p, g);
            if (isnan(mx)) continue;
            if (p->node >= 0 && rs->nodes[p->node].adjust) {
                if (!isnan(parts[k])) adjust += p->weight * parts[k];
                continue;
            }
            max_all += p->weight * mx;
            if (isnan(parts[k])) continue;
            present++;
            got += p->weight * parts[k];
            max_present += p->weight * mx;
        }
        if (s->composite_ref != LUA_NOREF) {
            char *err = NULL;
            if (present && pg_custom_composite(ev->custom, s, u, parts, &total, &err) != 0) {
                rule_failed(ev, u, err);
                ur->note = add_note(res, err);
                ur->errors++;
                total = NAN;
            }
            if (!present) total = NAN;
        } else if (present && max_present > 0) {
            total = got * (max_all / max_present) + adjust;
            if (max_present < max_all)
                ur->note = add_note(res, pg_xasprintf("部分组成部分不计分，其余按比例折算（×%.4f）",
                                                      max_all / max_present));
        }
        if (!isnan(total) && ur->veto_node >= 0) total = rs->nodes[ur->veto_node].veto_score;
        if (total > s->max || total < 0) {
            ur->clamped = 1;
            total = fmin(fmax(total, 0), s->max);
        }
        ur->raw_total = total;
        ur->total = pg_rs_round(rs, total);
        /* a group declared ranked = false is evaluated and shown, never ranked */
        ur->ranked = !isnan(total) && !rs->groups[g].unranked;
    }
}

static int check_period(const pg_ruleset *rs, const pg_scheme *s, int period, pg_diags *d)
{
    char buf[PG_PERIOD_BUF];
    if ((s->period == PG_PERIOD_YEAR) != pg_period_is_year(period)) {
        pg_error(d, NULL, 0, "scheme '%s' is evaluated %s; period %s is a %s", s->id,
                 s->period == PG_PERIOD_YEAR ? "per year (period YYYY)" : "per month (YYYY-MM)",
                 pg_period_format(period, buf), pg_period_is_year(period) ? "year" : "month");
        return -EINVAL;
    }
    if (pg_period_year(period) != rs->year) {
        pg_error(d, NULL, 0, "rule set '%s' governs %d; period %s is outside it", rs->id, rs->year,
                 pg_period_format(period, buf));
        return -EINVAL;
    }
    return 0;
}

static int eval_inner(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
                      int with_prev, pg_result **out, pg_diags *d)
{
    const pg_scheme *s = &rs->schemes[scheme];
    *out = NULL;
    int tree = s->norder > 0 || s->nparts == 0 || s->parts[0].node >= 0;
    if (tree && !pg_dataset_has_period(ds, period)) return -ENOENT;
    pg_result *res = pg_xcalloc(1, sizeof *res);
    res->rs = rs;
    res->scheme = scheme;
    res->period = period;
    res->units = pg_xcalloc((size_t)rs->nunits, sizeof(pg_unit_result));
    res->parts =
        pg_xcalloc((size_t)rs->nunits * (size_t)(s->nparts ? s->nparts : 1), sizeof(double));
    for (int u = 0; u < rs->nunits; u++)
        res->units[u] = (pg_unit_result){
            .band = -1, .veto_node = -1, .tie_breaker = -1, .note = -1, .prev_total = NAN};
    evaluator ev = {.rs = rs, .ds = ds, .res = res, .custom = pg_custom_begin(rs, period)};
    ev.members = pg_xcalloc((size_t)rs->ngroups, sizeof(int *));
    ev.nmembers = pg_xcalloc((size_t)rs->ngroups, sizeof(int));
    for (int g = 0; g < rs->ngroups; g++)
        ev.members[g] = pg_xmalloc(sizeof(int) * (size_t)(rs->nunits ? rs->nunits : 1));
    for (int u = 0; u < rs->nunits; u++) {
        int g = rs->units[u].group;
        ev.members[g][ev.nmembers[g]++] = u;
    }
    ev.vals = pg_xmalloc(sizeof(double) * (size_t)(rs->nunits ? rs->nunits : 1));
    ev.who = pg_xmalloc(sizeof(int) * (size_t)(rs->nunits ? rs->nunits : 1));

    if (tree) {
        score_trees(&ev, s);
        for (int u = 0; u < rs->nunits; u++)
            pg_auth_flags(rs, ds, period, u, -1, &res->flags, &res->nflags);
    } else
        score_schemes(&ev, s, d);
    totals(&ev, s);
    pg_rank_assign(res);

    int any = 0;
    for (int u = 0; u < rs->nunits; u++) any |= !isnan(res->units[u].total);
    int failed = ev.nerrs > 0;
    report_rule_errors(&ev, !any, d);
    int prev = pg_period_prev(period);
    pg_result *pr = NULL;
    pg_diags pd = {0}; /* the previous month's only sets 环比: its errors are warnings here */
    if (with_prev && pg_period_year(prev) == rs->year &&
        eval_inner(rs, ds, scheme, prev, 0, &pr, &pd) == 0) {
        for (int u = 0; u < rs->nunits; u++) {
            if (!pr->units[u].ranked) continue;
            res->has_prev = 1;
            res->units[u].prev_rank = pr->units[u].rank;
            res->units[u].prev_total = pr->units[u].total;
        }
        pg_result_free(pr);
    }
    for (int i = 0; i < pd.n; i++)
        pg_warn(d, pd.v[i].file, pd.v[i].line, "%s; the previous month's ranks (环比) lack it",
                pd.v[i].msg);
    pg_diags_free(&pd);
    pg_custom_end(ev.custom);
    for (int g = 0; g < rs->ngroups; g++) free(ev.members[g]);
    free(ev.members), free(ev.nmembers), free(ev.vals), free(ev.who);
    if (!any) {
        pg_result_free(res);
        return failed ? -EINVAL : -ENOENT; /* "no data" only when there is none */
    }
    *out = res;
    return 0;
}

int pg_eval(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period, pg_result **out,
            pg_diags *d)
{
    int outer = months_failed; /* a month's pg_eval may run inside a yearly one (host/months.c) */
    months_failed = 0;
    int rc = check_period(rs, &rs->schemes[scheme], period, d);
    if (rc == 0) rc = eval_inner(rs, ds, scheme, period, 1, out, d);
    int failed = months_failed;
    months_failed = outer;
    if ((rc == 0 || rc == -ENOENT) && failed) {
        /* a month's own rules failed: no average of fewer months, and not "no data" */
        pg_result_free(*out), *out = NULL;
        return failed;
    }
    if (rc == -ENOENT) {
        char buf[PG_PERIOD_BUF];
        pg_error(d, NULL, 0, "no data for scheme '%s' in period %s", rs->schemes[scheme].id,
                 pg_period_format(period, buf));
    }
    return rc;
}
