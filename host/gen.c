/* gen.c — building, loading and releasing rule generations (see gen.h). */
#include "gen.h"

#include "render.h"
#include "record.h"

#include <errno.h>
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

/* A generation of a loaded rule set; takes `snapshot` and `rs`. */
static pg_gen *make(long id, const char *content, const char *shown, char *snapshot,
                    pg_budget ceiling, pg_ruleset *rs, const pg_diags *d)
{
    pg_gen *g = pg_xcalloc(1, sizeof *g);
    g->refs = 1;
    g->id = id;
    snprintf(g->content, sizeof g->content, "%s", content);
    g->shown = pg_xstrdup(shown);
    g->snapshot = snapshot;
    g->ceiling = ceiling;
    g->rs = rs;
    g->loaded_at = (int64_t)time(NULL);
    g->warnings = d->warnings;
    g->rules_json = pg_render_rules(g);
    return g;
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
    *out = make(id, hex, dir, snap, ceiling, rs, d);
    return 0;
}

int pg_gen_open(const char *datadir, const char *content, const char *shown, long id,
                pg_budget ceiling, pg_gen **out, pg_diags *d)
{
    *out = NULL;
    char *snap = pg_snapshot_path(datadir, content);
    pg_ruleset *rs = NULL;
    int rc = load(snap, shown, ceiling, &rs, d);
    if (rc != 0) {
        free(snap);
        return rc;
    }
    *out = make(id, content, shown, snap, ceiling, rs, d);
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
