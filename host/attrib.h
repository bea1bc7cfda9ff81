/* attrib.h — who made a rule change that the watcher saw: the person the audit log names for a
 * file edit, rather than "rules:watch".
 *
 * The watcher knows only that the files changed. The best witness of who changed them is git,
 * when the rule directory is a work tree and the changed files are committed and unchanged
 * since: the author of the latest commit that touched them ("git:Alice <a@x>"). Otherwise the
 * owner of the most recently modified changed file ("file-owner:alice"), which on a shared
 * machine is the account that saved it. NULL when neither is known (the caller says
 * "rules:watch"). Runs git as a child process without a shell and waits for it: call it on a
 * pool thread, never on the loop. */
#ifndef PG_ATTRIB_H
#define PG_ATTRIB_H

/* The author of the difference between the rule files in `before` (a snapshot directory) and
 * those in `dir` now, as "git:NAME <EMAIL>" or "file-owner:LOGIN", or NULL. malloc'd. */
char *pg_attribute(const char *dir, const char *before);

/* The paths (relative to each directory) of the rule files that differ between `a` and `b`:
 * added, removed or changed. Returns the number; *out is malloc'd, each path too. */
int pg_rule_files_changed(const char *a, const char *b, char ***out);

#endif
