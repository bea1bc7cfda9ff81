/* gen.c — building, loading and releasing rule generations (see gen.h). */
#include "gen.h"

#include "render.h"
#include "snapshot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pg_budget capped(pg_budget b, pg_budget ceiling)
{
    if (ceiling.instructions && (!b.instructions || b.instructions > ceiling.instructions))
        b.instructions = ceiling.instructions;
    if (ceiling.memory && (!b.memory || b.memory > ceiling.memory)) b.memory = ceiling.memory;
    return b;
}

static int load(const char *snapshot, const char *shown, pg_budget ceiling, pg_ruleset **out,
                pg_diags *d)
{
    int rc = pg_snapshot_load(snapshot, shown, out, d);
    if (rc == 0) pg_sandbox_set_budget((*out)->sb, capped((*out)->budget, ceiling));
    return rc;
}

int pg_gen_build(const char *dir, const char *datadir, long id, pg_budget ceiling, char content[65],
                 pg_gen **out, pg_diags *d)
{
    *out = NULL;
    char hex[65] = "";
    char *snap = pg_snapshot_rules(dir, datadir, hex, d);
    memcpy(content, hex, sizeof hex);
    if (!snap) return -EIO;
    pg_ruleset *rs = NULL;
    int rc = load(snap, dir, ceiling, &rs, d);
    if (rc != 0) {
        free(snap);
        return rc;
    }
    pg_gen *g = pg_xcalloc(1, sizeof *g);
    g->refs = 1;
    g->id = id;
    memcpy(g->content, hex, sizeof g->content);
    g->shown = pg_xstrdup(dir);
    g->snapshot = snap;
    g->ceiling = ceiling;
    g->rs = rs;
    g->loaded_at = (int64_t)time(NULL);
    g->warnings = d->warnings;
    g->rules_json = pg_render_rules(g);
    *out = g;
    return 0;
}

int pg_gen_load(const pg_gen *g, pg_ruleset **out, pg_diags *d)
{
    return load(g->snapshot, g->shown, g->ceiling, out, d);
}

pg_gen *pg_gen_ref(pg_gen *g)
{
    g->refs++;
    return g;
}

void pg_gen_unref(pg_gen *g)
{
    if (!g || --g->refs > 0) return;
    pg_ruleset_free(g->rs);
    pg_blob_unref(g->rules_json);
    free(g->shown), free(g->snapshot), free(g);
}

static void add_line(char ***lines, int *n, char *s)
{
    *lines = pg_xrealloc(*lines, sizeof **lines * (size_t)(*n + 1));
    (*lines)[(*n)++] = s;
}

static char *points_text(double p)
{
    return isnan(p) ? pg_xstrdup("n/a") : pg_xasprintf("%g", p);
}

int pg_gen_weight_changes(const pg_gen *old, const pg_gen *cur, char ***lines)
{
    const pg_ruleset *a = old->rs, *b = cur->rs;
    int n = 0;
    *lines = NULL;
    for (int i = 0; i < b->nnodes; i++) {
        const pg_node *nb = &b->nodes[i];
        int j = pg_strmap_get(&a->node_ids, nb->id);
        if (j < 0) {
            add_line(lines, &n, pg_xasprintf("%s: added", nb->id));
            continue;
        }
        const pg_node *na = &a->nodes[j];
        for (int g = 0; g < b->ngroups; g++) {
            int ga = pg_strmap_get(&a->group_ids, b->groups[g].id);
            double pa = ga < 0 ? NAN : na->points[ga], pb = nb->points[g];
            if (pa == pb || (isnan(pa) && isnan(pb))) continue;
            char *ta = points_text(pa), *tb = points_text(pb);
            add_line(lines, &n, pg_xasprintf("%s [%s]: %s -> %s", nb->id, b->groups[g].id, ta, tb));
            free(ta), free(tb);
        }
    }
    for (int j = 0; j < a->nnodes; j++)
        if (pg_strmap_get(&b->node_ids, a->nodes[j].id) < 0)
            add_line(lines, &n, pg_xasprintf("%s: removed", a->nodes[j].id));
    for (int s = 0; s < b->nschemes; s++) {
        int t = pg_strmap_get(&a->scheme_ids, b->schemes[s].id);
        if (t < 0) continue;
        const pg_scheme *sa = &a->schemes[t], *sb = &b->schemes[s];
        for (int k = 0; k < sb->nparts; k++)
            for (int m = 0; m < sa->nparts; m++)
                if (strcmp(sa->parts[m].id, sb->parts[k].id) == 0 &&
                    sa->parts[m].weight != sb->parts[k].weight)
                    add_line(lines, &n,
                             pg_xasprintf("scheme %s part %s: weight %g -> %g", sb->id,
                                          sb->parts[k].id, sa->parts[m].weight,
                                          sb->parts[k].weight));
    }
    return n;
}
