/* snapshot.h — rule set snapshots: a rule set directory frozen under DATA/rules/<hash>/.
 *
 * A snapshot is a copy of the rule set's files (ruledir.h says which files) named by the
 * SHA-256 of what was copied, so the hash a run records finds exactly the rules it ran on,
 * years later, whatever happened to the author's directory since. Equal content is stored once.
 * A snapshot is never modified or removed: published bulletins name it.
 *
 * Loading reads the files from the snapshot while every name and message says the author's
 * directory ("rules/shanwei-2021/monitoring.lua:12"), since that is what the author edits.
 * Used by the host's rule generations, `pinggu publish` and `pinggu reproduce`. Blocking file
 * I/O: call from a pool thread or the CLI. */
#ifndef PG_SNAPSHOT_H
#define PG_SNAPSHOT_H

#include "diag.h"
#include "ruleset.h"

/* Copies rule set `dir` into `datadir`/rules/<hash>/, keeping an existing identical snapshot.
 * Returns the snapshot's path (malloc'd) and the hash in `hex`, or NULL with the reason in `d`;
 * `hex` then holds the hash of what the attempt read, or "" if it could not copy the files.
 * Safe to call from several threads and processes at once. */
char *pg_snapshot_rules(const char *dir, const char *datadir, char hex[65], pg_diags *d);

/* The path of snapshot `hex` under `datadir` (malloc'd), whether or not it exists. */
char *pg_snapshot_path(const char *datadir, const char *hex);

/* Loads the rule set in `snapshot`; names and messages say `shown`. Returns 0 and *out, or a
 * negative errno with the reasons (file:line) in `d`. */
int pg_snapshot_load(const char *snapshot, const char *shown, pg_ruleset **out, pg_diags *d);

/* Loads snapshot `hex` of `datadir`, naming it "rules@<first 12 digits>" in messages when
 * `shown` is NULL. A missing snapshot is an error that says so. */
int pg_snapshot_load_hash(const char *datadir, const char *hex, const char *shown, pg_ruleset **out,
                          pg_diags *d);

#endif
