/* revision.c — the revision of a rule set: its one identity, the content hash of its files.
 *
 * The revision is pg_ruledir_hash() of the directory the files were read from (ruledir.h):
 * SHA-256 over every *.lua file at any depth and the top-level units.csv, sorted by path, each
 * fed as "path NUL, length (8 bytes), content". It is the same hash that names a rule snapshot
 * (DATA/rules/<revision>/, core/record/snapshot.c) and that the host's watcher compares to
 * decide whether a save changed anything, so what `pinggu eval` and the reports print as 规则版本
 * is what `pinggu publish`, the bulletins, the runs and the API name: one id for one content.
 *
 * Why this definition and not the one used before (SHA-256 over the files Lua actually loaded,
 * in load order, then units.csv, each "path NUL content NUL"): the old hash depended on
 * running the rules first, on their load order, and was ambiguous (no lengths); and it left
 * out files a snapshot keeps (the rule tests under tests/), so two different snapshots could
 * share a revision. The directory hash is computed from the files alone, a snapshot is exactly
 * the files it names, and reloading a snapshot re-hashes to its own name. It covers file names
 * and bytes, units.csv, and the rule tests; it does not cover sample/ or any other data file,
 * which are not rules. A set that extends another (ruleset { extends = ... }) lists its parent's
 * files too, as .extends/<rel> (ruledir.c), so its revision covers every file it uses: an edit of
 * the parent is a new revision of the child, which the host's watcher reloads and the semantic
 * diff reports as coming from the parent. Runs recorded before this change keep the old hash inside
 * their stored results; core/record/reproduce.c re-runs them as recorded (see there). */
#include "rules.h"

#include <errno.h>
#include <string.h>

int pg_revision_compute(pg_ruleset *rs, pg_diags *d)
{
    /* The files were read from rs->fsdir (the snapshot, when there is one): hash those. */
    int rc = pg_ruledir_hash(rs->fsdir, rs->revision);
    if (rc < 0) {
        rs->revision[0] = 0;
        pg_error(d, rs->dir, 0, "cannot hash the rule files: %s", strerror(-rc));
    }
    /* The parent's own hash, so that a change can say it came from the parent (rulediff.c). */
    rs->parent_revision[0] = 0;
    if (rc == 0 && rs->nlayers > 1 && pg_ruledir_hash(rs->layers[1].fsdir, rs->parent_revision) < 0)
        rs->parent_revision[0] = 0;
    return rc;
}
