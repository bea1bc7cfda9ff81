/* rulediff.c — the semantic diff of two rule sets (rules.h): what a rule author changed, said
 * in words, one item per change.
 *
 * Why a semantic diff and not a diff of the files: the audit log and the dashboard must say
 * what a change means for the scores (a threshold, a weight, a policy), whatever file it was
 * made in and however the Lua was laid out. Everything is matched by id, as the engine and the
 * stored results match it, so a renamed id is one item retired and one added, which is what it
 * means for the record too. Numbers are written with pg_num_text, the shortest text that reads
 * back as the same number, so a change of 0.95 to 0.9500001 never reads "0.95 → 0.95". */
#include "rules.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

typedef struct {
    pg_rule_change *v;
    int n;
} list;

static void add(list *l, const char *kind, const char *id, const char *part, const char *before,
                const char *after, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void add(list *l, const char *kind, const char *id, const char *part, const char *before,
                const char *after, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *text = pg_xmalloc((size_t)len + 1);
    vsnprintf(text, (size_t)len + 1, fmt, again);
    va_end(again);
    l->v = pg_xrealloc(l->v, sizeof *l->v * (size_t)(l->n + 1));
    l->v[l->n++] = (pg_rule_change){kind,
                                    pg_xstrdup(id),
                                    part ? pg_xstrdup(part) : NULL,
                                    before ? pg_xstrdup(before) : NULL,
                                    after ? pg_xstrdup(after) : NULL,
                                    text};
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_num(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* --- groups and units ------------------------------------------------------------------ */

static void groups(list *l, const pg_ruleset *a, const pg_ruleset *b)
{
    for (int i = 0; i < b->ngroups; i++) {
        const pg_group *gb = &b->groups[i];
        int j = pg_strmap_get(&a->group_ids, gb->id);
        if (j < 0)
            add(l, "group.added", gb->id, NULL, NULL, gb->name, "group %s (%s) added", gb->id,
                gb->name);
        else if (!same_str(a->groups[j].name, gb->name))
            add(l, "group.renamed", gb->id, NULL, a->groups[j].name, gb->name,
                "group %s: name %s → %s", gb->id, a->groups[j].name, gb->name);
        if (j >= 0 && a->groups[j].unranked != gb->unranked)
            add(l, "group.ranked", gb->id, NULL, a->groups[j].unranked ? "false" : "true",
                gb->unranked ? "false" : "true", "group %s: ranked %s → %s", gb->id,
                a->groups[j].unranked ? "false" : "true", gb->unranked ? "false" : "true");
    }
    for (int j = 0; j < a->ngroups; j++)
        if (pg_strmap_get(&b->group_ids, a->groups[j].id) < 0)
            add(l, "group.retired", a->groups[j].id, NULL, a->groups[j].name, NULL,
                "group %s (%s) retired", a->groups[j].id, a->groups[j].name);
}

/* A unit by its id only: unit_ids also maps aliases and codes. */
static const pg_unit *unit_by_id(const pg_ruleset *rs, const char *id)
{
    int u = pg_strmap_get(&rs->unit_ids, id);
    return u >= 0 && strcmp(rs->units[u].id, id) == 0 ? &rs->units[u] : NULL;
}

static void units(list *l, const pg_ruleset *a, const pg_ruleset *b)
{
    for (int i = 0; i < b->nunits; i++) {
        const pg_unit *ub = &b->units[i], *ua = unit_by_id(a, ub->id);
        const char *gb = b->groups[ub->group].id;
        if (!ua) {
            add(l, "unit.added", ub->id, NULL, NULL, gb, "unit %s (%s) added in group %s", ub->id,
                ub->name, gb);
            continue;
        }
        const char *ga = a->groups[ua->group].id;
        if (strcmp(ga, gb) != 0)
            add(l, "unit.moved", ub->id, NULL, ga, gb, "unit %s: group %s → %s", ub->id, ga, gb);
        if (!same_str(ua->name, ub->name))
            add(l, "unit.renamed", ub->id, NULL, ua->name, ub->name, "unit %s: name %s → %s",
                ub->id, ua->name, ub->name);
        if (!same_str(ua->code, ub->code))
            add(l, "unit.code", ub->id, NULL, ua->code, ub->code, "unit %s: code %s → %s", ub->id,
                ua->code ? ua->code : "none", ub->code ? ub->code : "none");
    }
    for (int j = 0; j < a->nunits; j++)
        if (!unit_by_id(b, a->units[j].id))
            add(l, "unit.retired", a->units[j].id, NULL, a->groups[a->units[j].group].id, NULL,
                "unit %s (%s) retired", a->units[j].id, a->units[j].name);
}

/* --- metrics --------------------------------------------------------------------------- */

/* The words the author writes; a value added to the enum later reads "other" until named here,
 * rather than reading past the end. */
static const char *agg_name(pg_agg_kind k)
{
    static const char *const names[] = {"fed",   "count", "sum",      "mean", "min", "max",
                                        "share", "ratio", "distinct", "p50",  "p90"};
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "other";
}

static const char *over_name(pg_over o)
{
    static const char *const names[] = {"month", "year_to_date", "year", "year_end"};
    return (unsigned)o < sizeof names / sizeof *names ? names[o] : "other";
}

/* A metric's definition as the author would write it: `from = "cases", kind = "share", …`,
 * or "fed" for a metric whose values are fed. */
static char *definition(const pg_ruleset *rs, const pg_metric *m)
{
    if (m->source < 0 || m->agg == PG_AGG_FED) return pg_xstrdup("fed");
    static const char *const keys[] = {"where", "condition", "value", "denominator"};
    char *s = pg_xasprintf("from = \"%s\", kind = \"%s\", over = \"%s\"",
                           rs->sources[m->source].name, agg_name(m->agg), over_name(m->over));
    for (int k = 0; k < 4; k++) {
        if (!m->text[k]) continue;
        char *next = pg_xasprintf("%s, %s = \"%s\"", s, keys[k], m->text[k]);
        free(s);
        s = next;
    }
    return s;
}

/* The part of a definition that differs, as "where \"a\" → \"b\"", for the line of text. */
static char *definition_change(const pg_ruleset *a, const pg_metric *ma, const pg_ruleset *b,
                               const pg_metric *mb)
{
    int fa = ma->source < 0 || ma->agg == PG_AGG_FED, fb = mb->source < 0 || mb->agg == PG_AGG_FED;
    if (fa || fb) return pg_xasprintf("%s → %s", fa ? "fed" : "computed", fb ? "fed" : "computed");
    char *s = pg_xstrdup("");
    const char *sa = a->sources[ma->source].name, *sb = b->sources[mb->source].name;
    const char *va[7] = {sa,          agg_name(ma->agg), over_name(ma->over), ma->text[0],
                         ma->text[1], ma->text[2],       ma->text[3]};
    const char *vb[7] = {sb,          agg_name(mb->agg), over_name(mb->over), mb->text[0],
                         mb->text[1], mb->text[2],       mb->text[3]};
    static const char *const keys[] = {"from",      "kind",  "over",       "where",
                                       "condition", "value", "denominator"};
    for (int k = 0; k < 7; k++) {
        if (same_str(va[k], vb[k])) continue;
        char *next;
        if (k < 3)
            next = pg_xasprintf("%s%s%s %s → %s", s, *s ? ", " : "", keys[k], va[k], vb[k]);
        else
            next = pg_xasprintf("%s%s%s %s%s%s → %s%s%s", s, *s ? ", " : "", keys[k],
                                va[k] ? "\"" : "", va[k] ? va[k] : "none", va[k] ? "\"" : "",
                                vb[k] ? "\"" : "", vb[k] ? vb[k] : "none", vb[k] ? "\"" : "");
        free(s);
        s = next;
    }
    return s;
}

static void metrics(list *l, const pg_ruleset *a, const pg_ruleset *b)
{
    for (int i = 0; i < b->nmetrics; i++) {
        const pg_metric *mb = &b->metrics[i];
        int j = pg_strmap_get(&a->metric_ids, mb->id);
        char *db = definition(b, mb);
        if (j < 0) {
            add(l, "metric.added", mb->id, NULL, NULL, db, "metric %s (%s) added: %s", mb->id,
                mb->name ? mb->name : "", db);
        } else {
            const pg_metric *ma = &a->metrics[j];
            char *da = definition(a, ma);
            if (strcmp(da, db) != 0) {
                char *what = definition_change(a, ma, b, mb);
                add(l, "metric", mb->id, NULL, da, db, "metric %s: %s", mb->id, what);
                free(what);
            }
            if (!same_str(ma->unit, mb->unit))
                add(l, "metric.unit", mb->id, NULL, ma->unit, mb->unit, "metric %s: unit %s → %s",
                    mb->id, ma->unit ? ma->unit : "none", mb->unit ? mb->unit : "none");
            free(da);
        }
        free(db);
    }
    for (int j = 0; j < a->nmetrics; j++)
        if (pg_strmap_get(&b->metric_ids, a->metrics[j].id) < 0) {
            char *da = definition(a, &a->metrics[j]);
            add(l, "metric.retired", a->metrics[j].id, NULL, da, NULL, "metric %s retired",
                a->metrics[j].id);
            free(da);
        }
}

/* --- indicators ------------------------------------------------------------------------ */

/* The parameters of a method, each as "name value", in the order an author writes them. */
typedef struct {
    const char *name;
    char value[160];
} param;

static int params(const pg_node *n, param *p)
{
    char t[PG_NUM_BUF];
    const pg_method *m = &n->method;
    int k = 0;
#define P(nm, v) (p[k].name = (nm), snprintf(p[k].value, sizeof p[k].value, "%s", (v)), k++)
#define N(nm, v) P(nm, pg_num_text((v), t))
    switch (m->kind) {
    case PG_M_LINEAR:
        N("lo", m->lo), N("hi", m->hi);
        break;
    case PG_M_STEPS: {
        char s[160] = "";
        for (int i = 0; i < m->nsteps; i++) {
            char at[PG_NUM_BUF], sh[PG_NUM_BUF];
            size_t len = strlen(s);
            snprintf(s + len, sizeof s - len, "%s{%s, %s}", i ? " " : "",
                     pg_num_text(m->step_at[i], at), pg_num_text(m->step_share[i], sh));
        }
        P("steps", s);
        N("otherwise", m->otherwise);
        break;
    }
    case PG_M_TARGET:
        N("target", m->target);
        break;
    case PG_M_RANK: {
        char s[160] = "";
        for (int i = 0; i < m->nshares; i++) {
            size_t len = strlen(s);
            snprintf(s + len, sizeof s - len, "%s%s", i ? " " : "", pg_num_text(m->shares[i], t));
        }
        P("shares", s);
        N("rest", m->rest);
        break;
    }
    case PG_M_ZSCORE:
        N("base", m->base), N("per_sd", m->per_sd);
        break;
    case PG_M_DEDUCT:
        N("per", m->per), N("free", m->free);
        break;
    case PG_M_PER_EVENT:
        N("per", m->per);
        break;
    case PG_M_VALUE:
        N("scale", m->scale);
        break;
    default:
        break;
    }
    if (m->kind != PG_M_NONE && m->kind != PG_M_CUSTOM && m->kind != PG_M_DEDUCT &&
        m->kind != PG_M_PER_EVENT && m->kind != PG_M_FLAG && m->kind != PG_M_VALUE)
        P("better", m->lower ? "lower" : "higher");
    /* what the leaf makes of its value before the method (compose.c) changes its points as a
     * parameter does */
    if (n->has_transform) {
        char f[PG_NUM_BUF] = "none", c[PG_NUM_BUF] = "none", s[160];
        if (!isnan(n->tf_floor)) pg_num_text(n->tf_floor, f);
        if (!isnan(n->tf_cap)) pg_num_text(n->tf_cap, c);
        snprintf(s, sizeof s, "log %s floor %s cap %s", n->tf_log ? "true" : "false", f, c);
        P("transform", s);
    }
    if (n->na_when_text) P("na_when", n->na_when_text);
    if (n->nna_values) {
        char s[160] = "";
        for (int i = 0; i < n->nna_values; i++) {
            size_t len = strlen(s);
            snprintf(s + len, sizeof s - len, "%s%s", i ? " " : "",
                     pg_num_text(n->na_values[i], t));
        }
        P("na_when", s);
    }
    if (n->winsor > 0) N("winsor", n->winsor);
#undef N
#undef P
    return k;
}

static const char *method_kind(const pg_node *n)
{
    return n->evaluator ? "evaluator_score" : pg_method_name(n->method.kind);
}

/* "linear {lo 0.5, hi 0.95, better higher}" */
static char *method_words(const pg_node *n)
{
    param p[12];
    int k = params(n, p);
    char *s = pg_xasprintf("%s%s", method_kind(n), k ? " {" : "");
    for (int i = 0; i < k; i++) {
        char *next = pg_xasprintf("%s%s%s %s", s, i ? ", " : "", p[i].name, p[i].value);
        free(s);
        s = next;
    }
    if (k) {
        char *next = pg_xasprintf("%s}", s);
        free(s);
        s = next;
    }
    return s;
}

static void method(list *l, const pg_node *na, const pg_node *nb)
{
    char *wa = method_words(na), *wb = method_words(nb);
    if (strcmp(wa, wb) != 0) {
        if (strcmp(method_kind(na), method_kind(nb)) != 0) {
            add(l, "method", nb->id, NULL, wa, wb, "%s: method %s → %s", nb->id, wa, wb);
        } else { /* the same method: only the parameters that changed */
            param pa[12], pb[12];
            int ka = params(na, pa), kb = params(nb, pb);
            char *s = pg_xstrdup("");
            /* by name: a value option (transform, na_when, winsor) may come or go */
            for (int i = 0; i < kb + ka; i++) {
                const param *x = i < kb ? &pb[i] : &pa[i - kb], *y = NULL;
                const param *other = i < kb ? pa : pb;
                for (int j = 0; j < (i < kb ? ka : kb) && !y; j++)
                    if (strcmp(other[j].name, x->name) == 0) y = &other[j];
                if (i >= kb && y) continue; /* in both: seen from b's side */
                if (y && strcmp(x->value, y->value) == 0) continue;
                const char *before = i < kb ? (y ? y->value : "none") : x->value;
                const char *after = i < kb ? x->value : "none";
                char *next =
                    pg_xasprintf("%s%s%s %s → %s", s, *s ? ", " : "", x->name, before, after);
                free(s);
                s = next;
            }
            add(l, "method", nb->id, NULL, wa, wb, "%s: method %s %s", nb->id, method_kind(nb), s);
            free(s);
        }
    }
    free(wa), free(wb);
}

/* "not_applicable" or "zero, min_n 30" */
static char *missing_words(const pg_node *n)
{
    char t[PG_NUM_BUF];
    if (n->min_n > 0)
        return pg_xasprintf("%s, min_n %s", pg_missing_name(n->missing), pg_num_text(n->min_n, t));
    return pg_xstrdup(pg_missing_name(n->missing));
}

/* "+5 / -3" */
static char *caps_words(const pg_node *n)
{
    char p[PG_NUM_BUF], m[PG_NUM_BUF];
    return pg_xasprintf("+%s / -%s", pg_num_text(n->plus, p), pg_num_text(n->minus, m));
}

static const char *parent_id(const pg_ruleset *rs, const pg_node *n)
{
    return n->parent < 0 ? "(top)" : rs->nodes[n->parent].id;
}

/* "dept 60, county 40": the points of every group the node applies to. */
static char *points_words(const pg_ruleset *rs, const pg_node *n)
{
    char *s = pg_xstrdup("");
    for (int g = 0; g < rs->ngroups; g++) {
        if (isnan(n->points[g])) continue;
        char t[PG_NUM_BUF];
        char *next = pg_xasprintf("%s%s%s %s", s, *s ? ", " : "", rs->groups[g].id,
                                  pg_num_text(n->points[g], t));
        free(s);
        s = next;
    }
    return s;
}

static void points(list *l, const pg_ruleset *a, const pg_node *na, const pg_ruleset *b,
                   const pg_node *nb)
{
    for (int g = 0; g < b->ngroups; g++) {
        int ga = pg_strmap_get(&a->group_ids, b->groups[g].id);
        double pa = ga < 0 ? NAN : na->points[ga], pb = nb->points[g];
        if (same_num(pa, pb)) continue;
        char ta[PG_NUM_BUF] = "n/a", tb[PG_NUM_BUF] = "n/a";
        if (!isnan(pa)) pg_num_text(pa, ta);
        if (!isnan(pb)) pg_num_text(pb, tb);
        add(l, "points", nb->id, b->groups[g].id, isnan(pa) ? NULL : ta, isnan(pb) ? NULL : tb,
            "%s [%s]: points %s → %s", nb->id, b->groups[g].id, ta, tb);
    }
    for (int g = 0; g < a->ngroups; g++) /* groups that b no longer has */
        if (pg_strmap_get(&b->group_ids, a->groups[g].id) < 0 && !isnan(na->points[g])) {
            char ta[PG_NUM_BUF];
            pg_num_text(na->points[g], ta);
            add(l, "points", nb->id, a->groups[g].id, ta, NULL, "%s [%s]: points %s → n/a", nb->id,
                a->groups[g].id, ta);
        }
}

/* "min_applicable 0.5, below group_median", or "none" */
static char *thin_words(const pg_node *n)
{
    char t[PG_NUM_BUF];
    if (!(n->min_applicable > 0)) return pg_xstrdup("none");
    return pg_xasprintf("min_applicable %s, below %s", pg_num_text(n->min_applicable, t),
                        pg_below_name(n->below));
}

static void indicator(list *l, const pg_ruleset *a, const pg_node *na, const pg_ruleset *b,
                      const pg_node *nb)
{
    const char *pa = parent_id(a, na), *pb = parent_id(b, nb);
    if (strcmp(pa, pb) != 0)
        add(l, "indicator.moved", nb->id, NULL, pa, pb, "%s: moved from %s to %s", nb->id, pa, pb);
    if (!same_str(na->name, nb->name))
        add(l, "indicator.renamed", nb->id, NULL, na->name, nb->name, "%s: name %s → %s", nb->id,
            na->name ? na->name : "", nb->name ? nb->name : "");
    points(l, a, na, b, nb);
    const char *ma = na->metric >= 0 ? a->metrics[na->metric].id : NULL;
    const char *mb = nb->metric >= 0 ? b->metrics[nb->metric].id : NULL;
    if (!same_str(ma, mb))
        add(l, "indicator.metric", nb->id, NULL, ma, mb, "%s: metric %s → %s", nb->id,
            ma ? ma : "none", mb ? mb : "none");
    method(l, na, nb);
    /* how a node combines its children, and a child's weight under it (compose.c): an operator
     * changes scores as a method does, a weight as points do */
    if (na->op != nb->op)
        add(l, "method", nb->id, NULL, pg_op_name(na->op), pg_op_name(nb->op),
            "%s: aggregate %s → %s", nb->id, pg_op_name(na->op), pg_op_name(nb->op));
    if (!same_num(na->weight, nb->weight)) {
        char ta[PG_NUM_BUF] = "1", tb[PG_NUM_BUF] = "1";
        if (!isnan(na->weight)) pg_num_text(na->weight, ta);
        if (!isnan(nb->weight)) pg_num_text(nb->weight, tb);
        add(l, "points", nb->id, NULL, ta, tb, "%s: weight %s → %s", nb->id, ta, tb);
    }
    if (na->metric >= 0 || nb->metric >= 0) {
        char *wa = missing_words(na), *wb = missing_words(nb);
        if (strcmp(wa, wb) != 0)
            add(l, "missing", nb->id, NULL, wa, wb, "%s: missing-data policy %s → %s", nb->id, wa,
                wb);
        free(wa), free(wb);
    }
    if (na->adjust || nb->adjust) {
        char *wa = na->adjust ? caps_words(na) : pg_xstrdup("none");
        char *wb = nb->adjust ? caps_words(nb) : pg_xstrdup("none");
        if (strcmp(wa, wb) != 0)
            add(l, "cap", nb->id, NULL, wa, wb, "%s: bonus caps %s → %s", nb->id, wa, wb);
        free(wa), free(wb);
    }
    /* the thin-evidence policy moves scores as a missing-data policy does: the same kind */
    char *ta = thin_words(na), *tb = thin_words(nb);
    if (strcmp(ta, tb) != 0)
        add(l, "missing", nb->id, NULL, ta, tb, "%s: thin-evidence policy %s → %s", nb->id, ta, tb);
    free(ta), free(tb);
}

static void indicators(list *l, const pg_ruleset *a, const pg_ruleset *b)
{
    for (int i = 0; i < b->nnodes; i++) {
        const pg_node *nb = &b->nodes[i];
        int j = pg_strmap_get(&a->node_ids, nb->id);
        if (j >= 0) {
            indicator(l, a, &a->nodes[j], b, nb);
            continue;
        }
        char *pts = points_words(b, nb), *m = nb->metric >= 0 ? method_words(nb) : NULL;
        add(l, "indicator.added", nb->id, NULL, NULL, pts, "%s (%s) added under %s: points %s%s%s",
            nb->id, nb->name ? nb->name : "", parent_id(b, nb), pts, m ? ", method " : "",
            m ? m : "");
        free(pts), free(m);
    }
    for (int j = 0; j < a->nnodes; j++) {
        const pg_node *na = &a->nodes[j];
        if (pg_strmap_get(&b->node_ids, na->id) >= 0) continue;
        char *pts = points_words(a, na);
        add(l, "indicator.retired", na->id, NULL, pts, NULL, "%s (%s) retired from %s", na->id,
            na->name ? na->name : "", parent_id(a, na));
        free(pts);
    }
}

/* --- schemes --------------------------------------------------------------------------- */

static const char *part_of(const pg_part *p)
{
    return p->ref ? p->ref : p->id;
}

static char *months_words(const pg_part *p)
{
    if (p->month_from <= 1 && p->month_to >= 12) return pg_xstrdup("all");
    return pg_xasprintf("%d-%d", p->month_from, p->month_to);
}

static void schemes(list *l, const pg_ruleset *a, const pg_ruleset *b)
{
    char ta[PG_NUM_BUF], tb[PG_NUM_BUF];
    for (int s = 0; s < b->nschemes; s++) {
        const pg_scheme *sb = &b->schemes[s];
        int t = pg_strmap_get(&a->scheme_ids, sb->id);
        if (t < 0) {
            add(l, "scheme.added", sb->id, NULL, NULL, sb->name, "scheme %s (%s) added", sb->id,
                sb->name ? sb->name : "");
            continue;
        }
        const pg_scheme *sa = &a->schemes[t];
        if (!same_num(sa->max, sb->max))
            add(l, "scheme.max", sb->id, NULL, pg_num_text(sa->max, ta), pg_num_text(sb->max, tb),
                "scheme %s: maximum %s → %s", sb->id, ta, tb);
        for (int k = 0; k < sb->nparts; k++) {
            const pg_part *pb = &sb->parts[k], *pa = NULL;
            for (int m = 0; m < sa->nparts && !pa; m++)
                if (strcmp(sa->parts[m].id, pb->id) == 0) pa = &sa->parts[m];
            char *id = pg_xasprintf("%s/%s", sb->id, pb->id);
            pg_num_text(pb->weight, tb);
            if (!pa) {
                add(l, "part.added", id, NULL, NULL, tb, "scheme %s: part %s (%s) added, weight %s",
                    sb->id, pb->id, part_of(pb), tb);
            } else {
                if (!same_num(pa->weight, pb->weight))
                    add(l, "weight", id, NULL, pg_num_text(pa->weight, ta), tb,
                        "scheme %s part %s: weight %s → %s", sb->id, pb->id, ta, tb);
                char *wa = months_words(pa), *wb = months_words(pb);
                if (strcmp(wa, wb) != 0)
                    add(l, "part.months", id, NULL, wa, wb, "scheme %s part %s: months %s → %s",
                        sb->id, pb->id, wa, wb);
                free(wa), free(wb);
            }
            free(id);
        }
        for (int m = 0; m < sa->nparts; m++) {
            int found = 0;
            for (int k = 0; k < sb->nparts; k++) found |= !strcmp(sa->parts[m].id, sb->parts[k].id);
            if (found) continue;
            char *id = pg_xasprintf("%s/%s", sa->id, sa->parts[m].id);
            add(l, "part.retired", id, NULL, pg_num_text(sa->parts[m].weight, ta), NULL,
                "scheme %s: part %s retired", sa->id, sa->parts[m].id);
            free(id);
        }
    }
    for (int t = 0; t < a->nschemes; t++)
        if (pg_strmap_get(&b->scheme_ids, a->schemes[t].id) < 0)
            add(l, "scheme.retired", a->schemes[t].id, NULL, a->schemes[t].name, NULL,
                "scheme %s (%s) retired", a->schemes[t].id,
                a->schemes[t].name ? a->schemes[t].name : "");
}

/* --- the set extended ---------------------------------------------------------------- */

/* Which set b builds on, and whether that set changed: a live child follows its parent, and the
 * audit must say when a change came from there (docs/rules.md, "Building a year from the
 * last"). */
static void parent(list *l, const pg_ruleset *a, const pg_ruleset *b)
{
    const char *pa = a->nlayers > 1 ? a->layers[1].dir : NULL;
    const char *pb = b->nlayers > 1 ? b->layers[1].dir : NULL;
    if (!same_str(pa, pb))
        add(l, "extends", b->id ? b->id : "", NULL, pa, pb, "extends: %s → %s", pa ? pa : "none",
            pb ? pb : "none");
    else if (pb && strcmp(a->parent_revision, b->parent_revision) != 0)
        add(l, "extends.changed", b->id ? b->id : "", NULL, a->parent_revision, b->parent_revision,
            "warning: the rule set %s builds on changed (revision %.12s → %.12s); the changes "
            "below that %s did not make itself come from it",
            pb, a->parent_revision, b->parent_revision, b->dir);
}

int pg_rulediff(const pg_ruleset *a, const pg_ruleset *b, pg_rule_change **out)
{
    list l = {NULL, 0};
    parent(&l, a, b);
    groups(&l, a, b);
    units(&l, a, b);
    metrics(&l, a, b);
    indicators(&l, a, b);
    schemes(&l, a, b);
    *out = l.v;
    return l.n;
}

void pg_rule_changes_free(pg_rule_change *v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i].id), free(v[i].part), free(v[i].before), free(v[i].after), free(v[i].text);
    free(v);
}

cJSON *pg_rule_changes_json(const pg_rule_change *v, int n)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", v[i].kind);
        cJSON_AddStringToObject(o, "id", v[i].id);
        if (v[i].part) cJSON_AddStringToObject(o, "part", v[i].part);
        pg_json_str(o, "before", v[i].before);
        pg_json_str(o, "after", v[i].after);
        cJSON_AddStringToObject(o, "text", v[i].text);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}
