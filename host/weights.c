/* weights.c — the points and weights that differ between two rule sets (weights.h). Groups are
 * matched by id, indicators by id, scheme parts by id within a scheme of the same id. */
#include "weights.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void add(pg_weight_change **v, int *n, const char *id, const char *group, int scheme,
                int presence, double before, double after)
{
    *v = pg_xrealloc(*v, sizeof **v * (size_t)(*n + 1));
    (*v)[(*n)++] = (pg_weight_change){
        pg_xstrdup(id), group ? pg_xstrdup(group) : NULL, scheme, presence, before, after};
}

static int same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

int pg_weight_changes(const pg_ruleset *a, const pg_ruleset *b, pg_weight_change **out)
{
    int n = 0;
    *out = NULL;
    for (int i = 0; i < b->nnodes; i++) {
        const pg_node *nb = &b->nodes[i];
        int j = pg_strmap_get(&a->node_ids, nb->id);
        if (j < 0) {
            add(out, &n, nb->id, NULL, 0, 1, NAN, NAN);
            continue;
        }
        const pg_node *na = &a->nodes[j];
        for (int g = 0; g < b->ngroups; g++) {
            int ga = pg_strmap_get(&a->group_ids, b->groups[g].id);
            double pa = ga < 0 ? NAN : na->points[ga], pb = nb->points[g];
            if (!same(pa, pb)) add(out, &n, nb->id, b->groups[g].id, 0, 0, pa, pb);
        }
    }
    for (int j = 0; j < a->nnodes; j++)
        if (pg_strmap_get(&b->node_ids, a->nodes[j].id) < 0)
            add(out, &n, a->nodes[j].id, NULL, 0, -1, NAN, NAN);
    for (int s = 0; s < b->nschemes; s++) {
        int t = pg_strmap_get(&a->scheme_ids, b->schemes[s].id);
        if (t < 0) continue;
        const pg_scheme *sa = &a->schemes[t], *sb = &b->schemes[s];
        for (int k = 0; k < sb->nparts; k++)
            for (int m = 0; m < sa->nparts; m++)
                if (strcmp(sa->parts[m].id, sb->parts[k].id) == 0 &&
                    !same(sa->parts[m].weight, sb->parts[k].weight)) {
                    char *id = pg_xasprintf("scheme %s", sb->id);
                    add(out, &n, id, sb->parts[k].id, 1, 0, sa->parts[m].weight,
                        sb->parts[k].weight);
                    free(id);
                }
    }
    return n;
}

void pg_weight_changes_free(pg_weight_change *v, int n)
{
    for (int i = 0; i < n; i++) free(v[i].id), free(v[i].group);
    free(v);
}

char *pg_weight_change_text(const pg_weight_change *c)
{
    if (c->presence) return pg_xasprintf("%s: %s", c->id, c->presence > 0 ? "added" : "removed");
    char a[32] = "n/a", b[32] = "n/a";
    if (!isnan(c->before)) snprintf(a, sizeof a, "%g", c->before);
    if (!isnan(c->after)) snprintf(b, sizeof b, "%g", c->after);
    if (c->scheme) return pg_xasprintf("%s part %s: weight %s -> %s", c->id, c->group, a, b);
    return pg_xasprintf("%s [%s]: %s -> %s", c->id, c->group, a, b);
}
