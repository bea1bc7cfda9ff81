/* compose.c — how an indicator combines and what it makes of a value before its method.
 *
 * Five fields of `indicator "id" { ... }` (docs/rules.md, "Aggregation operators" and
 * "Values before the method"):
 *   aggregate = "sum" | "mean" | "geomean" | "harmonic" | "min"   on a node with children
 *   weight    = <number > 0>          on a child of a mean, geomean or harmonic node
 *   transform = { log = true, floor = lo, cap = hi }               on a leaf
 *   na_when   = "value < 0"  or  { -1, 999 }                        on a leaf
 *   winsor    = { p = 0.05 }                                       on a leaf with a relative method
 *   weight_range = { lo, hi }     the interval `pinggu sensitivity` draws the node's weight from,
 *                                 in the units of what weighs it: its points under a sum, its
 *                                 `weight` under mean, geomean or harmonic
 * They are read here (pg__read_compose, from ruleset_load.c's read_node) and checked against
 * the tree once it is built (pg_compose_check, from pg_ruleset_check). eval.c applies them.
 *
 * Every combination whose number would be silently wrong is refused here with the
 * declaration's file:line: a weight where the points already weigh (under sum) or nothing
 * weighs (under min), a logarithm with no floor to keep it defined, a child worth 0 or less
 * points under an operator that divides by its maximum, a transform on a method that counts
 * events or compares ratios. */
#include "rules.h"
#include "ruleset_internal.h"

#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *pg_op_name(pg_op op)
{
    static const char *const names[] = {"sum", "mean", "geomean", "harmonic", "min"};
    return names[op];
}

/* na_when's text compiles against a source of one number field, `value`: the expression
 * language of metrics (expr.c), so `value < 0 or value == 999` reads as it does there. */
static const pg_field value_field = {.name = (char *)"value", .type = PG_FT_NUMBER, .nullable = 1};
static const pg_source value_source = {.name = (char *)"na_when",
                                       .fields = (pg_field *)&value_field,
                                       .nfields = 1,
                                       .unit_field = -1,
                                       .time_field = -1,
                                       .key_field = -1};

static void read_aggregate(loader *ld, int t, const where *w, pg_node *n)
{
    char *agg = pg__opt_string(ld, t, "aggregate", w, 0);
    n->op = PG_OP_SUM;
    if (!agg) return;
    int found = 0;
    for (int k = PG_OP_SUM; k <= PG_OP_MIN; k++)
        if (strcmp(agg, pg_op_name((pg_op)k)) == 0) n->op = (pg_op)k, found = 1;
    if (!found)
        BAD(ld, w,
            "indicator '%s': aggregate = \"%s\" is not an operator (sum, mean, geomean, "
            "harmonic, min)",
            w->id, agg);
    free(agg);
}

static void read_transform(loader *ld, int t, const where *w, pg_node *n)
{
    lua_State *L = ld->L;
    n->tf_floor = n->tf_cap = NAN;
    int ty = pg__rawfield(L, t, "transform");
    if (ty == LUA_TTABLE) {
        int a = lua_gettop(L);
        static const char *const known[] = {"log", "floor", "cap", NULL};
        where tw = {"transform", w->id, w->file, w->line};
        pg__warn_unknown(ld, a, &tw, known);
        n->has_transform = 1;
        int lt = pg__rawfield(L, a, "log");
        if (lt == LUA_TBOOLEAN)
            n->tf_log = lua_toboolean(L, -1);
        else if (lt != LUA_TNIL)
            BAD(ld, w, "indicator '%s': transform.log must be true or false", w->id);
        lua_pop(L, 1);
        n->tf_floor = pg__opt_number(ld, a, "floor", &tw, NAN);
        n->tf_cap = pg__opt_number(ld, a, "cap", &tw, NAN);
        if (!isnan(n->tf_floor) && !isnan(n->tf_cap) && !(n->tf_floor < n->tf_cap))
            BAD(ld, w, "indicator '%s': transform: floor (%g) must be below cap (%g)", w->id,
                n->tf_floor, n->tf_cap);
        if (n->tf_log && !(n->tf_floor > 0))
            BAD(ld, w,
                "indicator '%s': transform.log needs floor > 0, so that the logarithm of every "
                "value exists (values below the floor count as the floor), e.g. "
                "transform = { log = true, floor = 100, cap = 75000 }",
                w->id);
    } else if (ty != LUA_TNIL)
        BAD(ld, w, "indicator '%s': transform must be a table such as { log = true, floor = 1 }",
            w->id);
    lua_pop(L, 1);
}

static void read_na_when(loader *ld, int t, const where *w, pg_node *n)
{
    lua_State *L = ld->L;
    int ty = pg__rawfield(L, t, "na_when");
    if (ty == LUA_TSTRING) {
        const char *text = lua_tostring(L, -1);
        pg_xtype type;
        char *err = NULL;
        int col = 0;
        pg_expr *e = pg_expr_compile(text, &value_source, NULL, 0, &type, &err, &col);
        if (!e)
            BAD(ld, w, "indicator '%s': na_when = \"%s\": column %d: %s (the only name is `value`)",
                w->id, text, col, err);
        else if (type != PG_X_BOOL || pg_expr_uses_cutoff(e)) {
            BAD(ld, w,
                "indicator '%s': na_when = \"%s\" must be a condition on `value`, such as "
                "\"value < 0\"",
                w->id, text);
            pg_expr_free(e);
        } else {
            n->na_when = e;
            n->na_when_text = pg_xstrdup(text);
        }
        free(err);
    } else if (ty == LUA_TTABLE) {
        int a = lua_gettop(L), len = (int)lua_rawlen(L, a);
        if (len == 0)
            BAD(ld, w, "indicator '%s': na_when must list at least one sentinel value", w->id);
        n->na_values = pg_xcalloc((size_t)(len ? len : 1), sizeof(double));
        for (int i = 0; i < len; i++) {
            if (lua_rawgeti(L, a, i + 1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
                BAD(ld, w, "indicator '%s': na_when[%d] must be a finite number", w->id, i + 1);
            else
                n->na_values[n->nna_values++] = lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
    } else if (ty != LUA_TNIL)
        BAD(ld, w,
            "indicator '%s': na_when must be a condition such as \"value < 0\" or a list of "
            "sentinel values such as { -1, 999 }",
            w->id);
    lua_pop(L, 1);
}

static void read_winsor(loader *ld, int t, const where *w, pg_node *n)
{
    lua_State *L = ld->L;
    int ty = pg__rawfield(L, t, "winsor");
    if (ty == LUA_TTABLE) {
        static const char *const known[] = {"p", NULL};
        where ww = {"winsor", w->id, w->file, w->line};
        pg__warn_unknown(ld, lua_gettop(L), &ww, known);
        n->winsor = pg__opt_number(ld, lua_gettop(L), "p", &ww, NAN);
        if (!(n->winsor > 0 && n->winsor < 0.5)) {
            BAD(ld, w,
                "indicator '%s': winsor.p must be a share above 0 and below 0.5 (of the group's "
                "values clipped at each end), e.g. winsor = { p = 0.05 }",
                w->id);
            n->winsor = 0;
        }
    } else if (ty != LUA_TNIL)
        BAD(ld, w, "indicator '%s': winsor must be a table such as { p = 0.05 }", w->id);
    lua_pop(L, 1);
}

static void read_weight_range(loader *ld, int t, const where *w, pg_node *n)
{
    lua_State *L = ld->L;
    int ty = pg__rawfield(L, t, "weight_range");
    if (ty == LUA_TTABLE) {
        double v[2] = {NAN, NAN};
        if (!pg__number_pair(L, -1, v))
            BAD(ld, w,
                "indicator '%s': weight_range must be two finite numbers { lo, hi }, such as "
                "weight_range = { 8, 12 }",
                w->id);
        else if (!(v[0] > 0 && v[0] <= v[1]))
            BAD(ld, w,
                "indicator '%s': weight_range = { %g, %g }: lo must be above 0 and not above hi",
                w->id, v[0], v[1]);
        else
            n->has_wr = 1, n->wr_lo = v[0], n->wr_hi = v[1];
    } else if (ty != LUA_TNIL)
        BAD(ld, w, "indicator '%s': weight_range must be a table such as { 8, 12 }", w->id);
    lua_pop(L, 1);
}

void pg__read_compose(loader *ld, int t, const where *w, pg_node *n)
{
    read_aggregate(ld, t, w, n);
    n->weight = pg__opt_number(ld, t, "weight", w, NAN);
    if (pg__rawfield(ld->L, t, "weight") != LUA_TNIL && !(n->weight > 0))
        BAD(ld, w,
            "indicator '%s': weight must be a number above 0 (a child that should not count is "
            "removed, not weighted 0)",
            w->id);
    lua_pop(ld->L, 1);
    read_transform(ld, t, w, n);
    read_na_when(ld, t, w, n);
    read_winsor(ld, t, w, n);
    read_weight_range(ld, t, w, n);
}

void pg__free_compose(pg_node *n)
{
    pg_expr_free(n->na_when);
    free(n->na_when_text);
    free(n->na_values);
}

#define NODE_ERR(d, n, ...) pg_error((d), (n)->file, (n)->line, __VA_ARGS__)

/* The transform on a leaf: which methods it means something for. A logarithm keeps the order
 * of values, so thresholds (linear, steps) and the relative methods that compare distances or
 * orders (minmax, zscore, rank) read the transformed value; a custom function gets it too.
 * Ratios (target, best_ratio) of logarithms are not the ratios the author wrote, and counts
 * (deduct, per_event, flag) are not transformed at all. */
static void check_transform(const pg_node *n, pg_diags *d)
{
    const pg_method *m = &n->method;
    if (n->evaluator || n->veto || m->kind == PG_M_TARGET || m->kind == PG_M_BEST_RATIO ||
        m->kind == PG_M_DEDUCT || m->kind == PG_M_PER_EVENT || m->kind == PG_M_FLAG) {
        NODE_ERR(d, n,
                 "indicator '%s': transform does not apply to %s (it applies to linear, steps, "
                 "minmax, zscore, rank, value and custom methods)",
                 n->id,
                 n->evaluator ? "evaluator_score"
                 : n->veto    ? "a veto item"
                              : pg_method_name(m->kind));
        return;
    }
    if (!n->tf_log) return;
    if (m->kind == PG_M_VALUE)
        NODE_ERR(d, n,
                 "indicator '%s': value with transform.log would score ln(value) as a share; "
                 "for goalposts write linear { lo = …, hi = … } with transform.log",
                 n->id);
    if (m->kind == PG_M_LINEAR && !(m->lo > 0 && m->hi > 0))
        NODE_ERR(d, n,
                 "indicator '%s': linear lo and hi are in the value's own units and are "
                 "transformed with it: under transform.log both must be above 0 (got %g, %g)",
                 n->id, m->lo, m->hi);
    if (m->kind == PG_M_STEPS)
        for (int i = 0; i < m->nsteps; i++)
            if (!(m->step_at[i] > 0))
                NODE_ERR(d, n,
                         "indicator '%s': steps row %d: under transform.log thresholds must be "
                         "above 0 (got %g)",
                         n->id, i + 1, m->step_at[i]);
}

/* weight_range against the tree: a node that is a weight (sensitivity.c's rule: a child with a
 * sibling, outside bonus/penalty nodes, not a veto item, not under min), and an interval that
 * holds its nominal weight. Under a sum the nominal weight is the points, which must then be the
 * same in every group (one interval is drawn for all groups). */
static void check_weight_range(const pg_ruleset *rs, const pg_node *n, pg_diags *d)
{
    const pg_node *p = n->parent >= 0 ? &rs->nodes[n->parent] : NULL;
    int in_adjust = n->adjust || n->veto;
    for (const pg_node *a = p; a; a = a->parent >= 0 ? &rs->nodes[a->parent] : NULL)
        in_adjust |= a->adjust;
    const char *why = !p          ? "it is the root of a part: a part's weight is the scheme's"
                      : in_adjust ? "bonus, penalty and veto items are not weights"
                      : p->op == PG_OP_MIN ? "its parent takes the min of its children: min has no "
                                             "weights"
                      : p->nchildren < 2   ? "it is its parent's only child: there is nothing to "
                                             "weigh it against"
                                           : NULL;
    if (why) {
        NODE_ERR(d, n, "indicator '%s': weight_range does not apply: %s", n->id, why);
        return;
    }
    double nominal = NAN;
    const char *what = "weight";
    if (p->op != PG_OP_SUM)
        nominal = isnan(n->weight) ? 1 : n->weight;
    else {
        what = "points";
        for (int g = 0; g < rs->ngroups; g++) {
            if (isnan(n->points[g])) continue;
            if (!isnan(nominal) && n->points[g] != nominal) {
                NODE_ERR(d, n,
                         "indicator '%s': weight_range is in points under '%s' (a sum), but the "
                         "points differ by group (%g, %g): one interval cannot hold both",
                         n->id, p->id, nominal, n->points[g]);
                return;
            }
            nominal = n->points[g];
        }
    }
    if (!(n->wr_lo <= nominal && nominal <= n->wr_hi))
        NODE_ERR(d, n,
                 "indicator '%s': weight_range = { %g, %g } must hold its nominal %s %g "
                 "(lo <= %s <= hi)",
                 n->id, n->wr_lo, n->wr_hi, what, nominal, what);
}

void pg_compose_check(const pg_ruleset *rs, int i, pg_diags *d)
{
    const pg_node *n = &rs->nodes[i];
    const pg_node *p = n->parent >= 0 ? &rs->nodes[n->parent] : NULL;
    int leaf = n->nchildren == 0 && !n->adjust;
    if (n->has_wr) check_weight_range(rs, n, d);
    if (n->op != PG_OP_SUM && (leaf || n->adjust))
        NODE_ERR(d, n,
                 "indicator '%s': aggregate = \"%s\" applies to a node with children (not to a "
                 "leaf or a kind = \"adjust\" node)",
                 n->id, pg_op_name(n->op));
    if (!isnan(n->weight)) {
        if (!p)
            NODE_ERR(d, n,
                     "indicator '%s': weight is a child's weight under its parent; a part's "
                     "weight is the scheme's (parts = { { id = …, weight = … } })",
                     n->id);
        else if (p->op == PG_OP_SUM)
            NODE_ERR(d, n,
                     "indicator '%s': weight under '%s', which aggregates by sum: there the "
                     "points are the weights; remove weight, or give '%s' aggregate = \"mean\"",
                     n->id, p->id, p->id);
        else if (p->op == PG_OP_MIN)
            NODE_ERR(d, n,
                     "indicator '%s': weight under '%s', which takes the min of its children: "
                     "min has no weights",
                     n->id, p->id);
    }
    if (p && p->op != PG_OP_SUM) {
        if (n->veto || n->adjust)
            NODE_ERR(d, n,
                     "indicator '%s': a %s cannot be a child of '%s' (aggregate = \"%s\"); "
                     "bonus, penalty and veto items belong to a kind = \"adjust\" part",
                     n->id, n->veto ? "veto item" : "kind = \"adjust\" node", p->id,
                     pg_op_name(p->op));
        for (int g = 0; g < rs->ngroups; g++)
            if (!isnan(n->points[g]) && !(n->points[g] > 0))
                NODE_ERR(d, n,
                         "indicator '%s': points for group '%s' must be above 0 under '%s' "
                         "(aggregate = \"%s\" combines each child's share of its points)",
                         n->id, rs->groups[g].id, p->id, pg_op_name(p->op));
    }
    if (!leaf && (n->has_transform || n->na_when || n->nna_values || n->winsor > 0))
        NODE_ERR(d, n,
                 "indicator '%s': transform, na_when and winsor apply to a leaf (it is scored "
                 "from its children)",
                 n->id);
    if (!leaf) return;
    if (n->has_transform) check_transform(n, d);
    if ((n->na_when || n->nna_values) && (n->evaluator || n->veto))
        NODE_ERR(d, n, "indicator '%s': na_when does not apply to %s", n->id,
                 n->evaluator ? "evaluator_score (its value is points)" : "a veto item");
    if (n->winsor > 0 && n->method.kind != PG_M_BEST_RATIO && n->method.kind != PG_M_RANK &&
        n->method.kind != PG_M_MINMAX && n->method.kind != PG_M_ZSCORE)
        NODE_ERR(d, n,
                 "indicator '%s': winsor applies to the relative methods (best_ratio, rank, "
                 "minmax, zscore), which compare a unit with its group; %s scores each value "
                 "alone",
                 n->id, n->evaluator ? "evaluator_score" : pg_method_name(n->method.kind));
}
