/* overrides.c — reading and applying a weight-overrides file (see rules.h).
 *
 * Every line is parsed and checked into a list first; only a file without errors is applied,
 * so a typo never leaves a rule set half changed.
 *
 * What weighs an indicator depends on its parent's aggregate (compose.c): under sum its points
 * are its weight; under mean, geomean or harmonic each child enters as its share of its own
 * points, weighted by its `weight`, so its points weigh nothing; under min nothing weighs. An
 * override is checked against that, so that it never changes nothing in silence: points under
 * a weighted operator are refused and point to `ID weight=W`, a weight under sum or min is
 * refused and says why. */
#include "rules.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int line;
    int node;         /* indicator, or -1 */
    int scheme, part; /* scheme part, or -1 */
    double *points;   /* node: per group, NAN = unchanged */
    double weight;    /* part */
    double wt;        /* node: its `weight` under a mean/geomean/harmonic parent, NAN = unchanged */
} override;

static int parse_number(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

/* Splits a line into whitespace-separated words (in place); returns the count. */
static int split(char *s, char **w, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *p = strtok_r(s, " \t\r\n", &save); p && n < max;
         p = strtok_r(NULL, " \t\r\n", &save))
        w[n++] = p;
    return n;
}

/* `ID weight=W`: the weight of a child of a mean, geomean or harmonic node, as `weight =` in
 * its declaration. Refused where a weight means nothing (compose.c refuses it there too). */
static int parse_weight(const pg_ruleset *rs, const char *path, int line, const pg_node *nd,
                        const pg_node *pa, char **w, int n, override *o, pg_diags *d)
{
    if (pg_strmap_get(&rs->group_ids, "weight") >= 0) {
        pg_error(d, path, line,
                 "'%s': 'weight=' is ambiguous here: the rule set has a group called 'weight'; "
                 "rename the group to override points per group or a child's weight",
                 nd->id);
        return -1;
    }
    if (!pa) {
        pg_error(d, path, line,
                 "'%s' is the root of a part: its weight is the scheme's, as in SCHEME/%s 0.7",
                 nd->id, nd->id);
        return -1;
    }
    if (pa->op == PG_OP_SUM) {
        pg_error(d, path, line,
                 "'%s' is under '%s', which adds its children's points: there the points are the "
                 "weight; write '%s POINTS'",
                 nd->id, pa->id, nd->id);
        return -1;
    }
    if (pa->op == PG_OP_MIN) {
        pg_error(d, path, line,
                 "'%s' is under '%s', which takes the min of its children: min has no weights, "
                 "so there is nothing to override",
                 nd->id, pa->id);
        return -1;
    }
    if (n != 2 || parse_number(w[1] + 7, &o->wt) != 0 || !(o->wt > 0)) {
        pg_error(d, path, line,
                 "'%s': a weight is one number above 0, as in %s weight=1.5 (a child that should "
                 "not count is removed from the rules, not weighted 0)",
                 nd->id, nd->id);
        return -1;
    }
    return 0;
}

/* Parses one line into o. Returns 0, 1 for a blank line, or -1 with an error. */
static int parse_line(const pg_ruleset *rs, const char *path, int line, char *text, override *o,
                      pg_diags *d)
{
    char *hash = strchr(text, '#');
    if (hash) *hash = '\0';
    char *w[64];
    int n = split(text, w, 64);
    if (n == 0) return 1;
    *o = (override){line, -1, -1, -1, NULL, NAN, NAN};
    char *slash = strchr(w[0], '/');
    if (slash) {
        *slash = '\0';
        o->scheme = pg_strmap_get(&rs->scheme_ids, w[0]);
        const pg_scheme *s = o->scheme >= 0 ? &rs->schemes[o->scheme] : NULL;
        for (int k = 0; s && k < s->nparts; k++)
            if (strcmp(s->parts[k].id, slash + 1) == 0) o->part = k;
        if (o->part < 0) {
            pg_error(d, path, line, "'%s/%s' is not a part of a declared scheme", w[0], slash + 1);
            return -1;
        }
        if (n != 2 || parse_number(w[1], &o->weight) != 0 || o->weight < 0) {
            pg_error(d, path, line, "a part's weight is one number >= 0, as in %s/%s 0.7", w[0],
                     slash + 1);
            return -1;
        }
        return 0;
    }
    o->node = pg_strmap_get(&rs->node_ids, w[0]);
    if (o->node < 0) {
        pg_error(d, path, line, "'%s' is not a declared indicator (nor SCHEME/PART)", w[0]);
        return -1;
    }
    const pg_node *nd = &rs->nodes[o->node];
    if (nd->veto) {
        pg_error(d, path, line, "'%s' is a veto item: it has no points to change", nd->id);
        return -1;
    }
    if (n < 2) {
        pg_error(d, path, line, "'%s' needs points: a number, or GROUP=POINTS for each group",
                 nd->id);
        return -1;
    }
    const pg_node *pa = nd->parent >= 0 ? &rs->nodes[nd->parent] : NULL;
    if (strncmp(w[1], "weight=", 7) == 0) return parse_weight(rs, path, line, nd, pa, w, n, o, d);
    if (pa && pa->op != PG_OP_SUM) {
        if (pa->op == PG_OP_MIN)
            pg_error(d, path, line,
                     "'%s': its points do not count under '%s' (aggregate = \"min\" takes the "
                     "lowest share of its children's own points, and min has no weights), so "
                     "this override would change nothing",
                     nd->id, pa->id);
        else
            pg_error(d, path, line,
                     "'%s': its points do not weigh under '%s' (aggregate = \"%s\" combines each "
                     "child's share of its own points, weighted by `weight`), so this override "
                     "would change nothing; override its weight instead: %s weight=W",
                     nd->id, pa->id, pg_op_name(pa->op), nd->id);
        return -1;
    }
    o->points = pg_xmalloc(sizeof(double) * (size_t)(rs->ngroups ? rs->ngroups : 1));
    for (int g = 0; g < rs->ngroups; g++) o->points[g] = NAN;
    double all;
    if (n == 2 && !strchr(w[1], '=')) {
        if (parse_number(w[1], &all) != 0) {
            pg_error(d, path, line,
                     "'%s': points '%s' is not a number; write POINTS, or GROUP=POINTS for each "
                     "group",
                     nd->id, w[1]);
            return -1;
        }
        for (int g = 0; g < rs->ngroups; g++)
            if (!isnan(nd->points[g])) o->points[g] = all;
        return 0;
    }
    for (int i = 1; i < n; i++) {
        char *eq = strchr(w[i], '=');
        if (!eq) {
            pg_error(d, path, line, "'%s': write GROUP=POINTS for each group, not '%s'", nd->id,
                     w[i]);
            return -1;
        }
        *eq = '\0';
        int g = pg_strmap_get(&rs->group_ids, w[i]);
        if (g < 0) {
            pg_error(d, path, line, "'%s': group '%s' is not declared", nd->id, w[i]);
            return -1;
        }
        if (isnan(nd->points[g])) {
            pg_error(d, path, line, "'%s' does not apply to group '%s'", nd->id, w[i]);
            return -1;
        }
        if (parse_number(eq + 1, &all) != 0) {
            pg_error(d, path, line, "'%s': points '%s' for group %s is not a number", nd->id,
                     eq + 1, w[i]);
            return -1;
        }
        o->points[g] = all;
    }
    return 0;
}

/* Warns about parents whose children no longer add up to their points. */
static void warn_sums(const pg_ruleset *rs, const char *path, const int *line_of, pg_diags *d)
{
    for (int i = 0; i < rs->nnodes; i++) {
        const pg_node *n = &rs->nodes[i];
        /* only a sum's children add up to its points; other operators weigh them by `weight` */
        if (n->adjust || n->nchildren == 0 || n->op != PG_OP_SUM) continue;
        int line = line_of[i];
        for (int k = 0; k < n->nchildren; k++)
            if (line_of[n->children[k]] && !line) line = line_of[n->children[k]];
        if (!line) continue;
        for (int g = 0; g < rs->ngroups; g++) {
            if (isnan(n->points[g])) continue;
            double sum = 0;
            for (int k = 0; k < n->nchildren; k++) {
                double p = rs->nodes[n->children[k]].points[g];
                if (!isnan(p)) sum += p;
            }
            char a[PG_NUM_BUF], b[PG_NUM_BUF];
            if (fabs(sum - n->points[g]) > 1e-9)
                pg_warn(d, path, line,
                        "'%s' (%s): its children now add up to %s, not %s; they are scaled to %s",
                        n->id, rs->groups[g].id, pg_num_text(sum, a), pg_num_text(n->points[g], b),
                        b);
        }
    }
}

int pg_overrides_apply(pg_ruleset *rs, const char *path, pg_diags *d)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        int rc = -errno;
        pg_error(d, path, 0, "cannot read: %s", strerror(errno));
        return rc;
    }
    override *ov = NULL;
    int nov = 0, errors = d->errors, line = 0;
    int *line_of = pg_xcalloc((size_t)rs->nnodes + 1, sizeof(int));
    char *buf = NULL;
    size_t cap = 0;
    while (getline(&buf, &cap, f) >= 0) {
        line++;
        override o;
        int rc = parse_line(rs, path, line, buf, &o, d);
        if (rc < 0) free(o.points);
        if (rc != 0) continue;
        int dup = 0;
        for (int i = 0; i < nov; i++)
            if (ov[i].node == o.node && ov[i].scheme == o.scheme && ov[i].part == o.part)
                dup = ov[i].line;
        if (dup) {
            pg_error(d, path, line, "this is overridden already on line %d", dup);
            free(o.points);
            continue;
        }
        ov = pg_xrealloc(ov, sizeof(override) * (size_t)(nov + 1));
        ov[nov++] = o;
    }
    free(buf);
    fclose(f);
    if (nov == 0 && d->errors == errors) pg_error(d, path, 0, "the file overrides nothing");
    int rc = d->errors > errors ? -EINVAL : 0;
    for (int i = 0; i < nov; i++) {
        if (rc == 0 && ov[i].node >= 0) {
            pg_node *n = &rs->nodes[ov[i].node];
            if (!isnan(ov[i].wt))
                n->weight = ov[i].wt;
            else
                for (int g = 0; g < rs->ngroups; g++)
                    if (!isnan(ov[i].points[g])) n->points[g] = ov[i].points[g];
            line_of[ov[i].node] = ov[i].line;
        } else if (rc == 0)
            rs->schemes[ov[i].scheme].parts[ov[i].part].weight = ov[i].weight;
        free(ov[i].points);
    }
    if (rc == 0) warn_sums(rs, path, line_of, d);
    free(ov);
    free(line_of);
    return rc;
}
