/* snapshot.c — rule set snapshots under DATA/rules/<hash>/ (see snapshot.h).
 *
 * The copy goes first into a fresh private directory (mkdtemp) beside the snapshots and is then
 * renamed into place, so a snapshot directory is either absent or complete, and two writers
 * copying the same set at once both end with the one snapshot: the second rename finds the name
 * taken and drops its own copy, whose content is the same by construction of the name.
 *
 * The name is the rule set's revision, its one identity (core/rules/revision.c): the copy's
 * pg_ruledir_hash, which is what loading the snapshot computes again, so a snapshot re-hashes
 * to its own name and the id a bulletin names is the one eval and the reports print. Snapshot
 * names never changed when the revision was unified with them (it was the revision that
 * changed), so the snapshots of older stores load under the names their runs record.
 *
 * The listing, hashing and copying of a rule directory are core/base/ruledir.c's. */
#include "record.h"

#include "base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *pg_snapshot_path(const char *datadir, const char *hex)
{
    return pg_xasprintf("%s/rules/%s", datadir, hex);
}

char *pg_snapshot_rules(const char *dir, const char *datadir, char hex[65], pg_diags *d)
{
    hex[0] = 0;
    char *root = pg_xasprintf("%s/rules", datadir);
    if (mkdir(root, 0755) != 0 && errno != EEXIST) {
        pg_error(d, root, 0, "cannot create: %s", strerror(errno));
        free(root);
        return NULL;
    }
    char *scratch = pg_xasprintf("%s/incoming-XXXXXX", root);
    if (!mkdtemp(scratch)) {
        pg_error(d, root, 0, "cannot create a directory for the copy: %s", strerror(errno));
        free(root), free(scratch);
        return NULL;
    }
    char *tmp = pg_xasprintf("%s/set", scratch);
    int rc = pg_ruledir_copy(dir, tmp, hex);
    char *snap = NULL;
    if (rc != 0) {
        pg_error(d, dir, 0, "cannot snapshot the rule set: %s", strerror(-rc));
    } else {
        snap = pg_snapshot_path(datadir, hex);
        if (rename(tmp, snap) != 0) {
            if (errno != EEXIST && errno != ENOTEMPTY) {
                pg_error(d, snap, 0, "cannot store the snapshot: %s", strerror(errno));
                free(snap), snap = NULL;
            }
            pg_ruledir_remove(tmp); /* the same content is already there */
        }
    }
    rmdir(scratch);
    free(root), free(scratch), free(tmp);
    return snap;
}

/* Messages about files the loader read from the snapshot (units.csv's, say) name the snapshot;
 * the author knows only the directory. */
static void rename_files(pg_diags *d, int from, const char *snapshot, const char *shown)
{
    size_t n = strlen(snapshot);
    for (int i = from; i < d->n; i++) {
        char *f = d->v[i].file;
        if (f && strncmp(f, snapshot, n) == 0 && (f[n] == '/' || !f[n])) {
            d->v[i].file = pg_xasprintf("%s%s", shown, f + n);
            free(f);
        }
    }
}

int pg_snapshot_load(const char *snapshot, const char *shown, pg_ruleset **out, pg_diags *d)
{
    int from = d->n;
    int rc = pg_ruleset_load_at(snapshot, shown, out, d);
    rename_files(d, from, snapshot, shown);
    return rc;
}

int pg_snapshot_load_hash(const char *datadir, const char *hex, const char *shown, pg_ruleset **out,
                          pg_diags *d)
{
    *out = NULL;
    char *snap = pg_snapshot_path(datadir, hex);
    struct stat st;
    if (stat(snap, &st) != 0 || !S_ISDIR(st.st_mode)) {
        pg_error(d, snap, 0, "the rule set snapshot %s is missing from the data directory", hex);
        free(snap);
        return -ENOENT;
    }
    char *name = shown ? pg_xstrdup(shown) : pg_xasprintf("rules@%.12s", hex);
    int rc = pg_snapshot_load(snap, name, out, d);
    free(snap), free(name);
    return rc;
}
