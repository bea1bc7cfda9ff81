/* rule_edit.h — a rule edit made on the dashboard or the API (issue 17 §4): points, method
 * parameters and part weights changed by a signed-in person, written into the office's Lua files
 * as a minimal diff (core/rules/rewrite.c), checked by loading before anything is written.
 *
 * An edit is posted as JSON:
 *
 *   { "year": 2021, "base": "<content hash the client saw: GET /rules/status content>",
 *     "effective": "2021-07",                                 (optional: written in ruleset.lua)
 *     "changes": [ { "indicator": "mon_ontime", "points": { "dept": 9 } },  (or "points": 9)
 *                  { "indicator": "mon_full_online", "param": "hi", "value": 0.9 },
 *                  { "scheme": "monthly", "part": "monitoring", "weight": 0.7 } ] }
 *
 * pg_edit_bind reads it against the served rules on the loop thread (ids, groups, which
 * parameters the method has, the file:line of each declaration); pg_edit_apply, on a pool thread,
 * copies a directory, rewrites the literals in the copy and loads it (messages name the real
 * files); pg_edit_verify checks that the edited set differs from the base by exactly the edit
 * (the values asked, nothing else: a rewrite that touched another literal would show here);
 * pg_edit_write puts the edited files in place of the live ones, each by a temporary file renamed
 * in its directory, only while the live files still hash to `base` (optimistic concurrency).
 * preview.c uses bind and apply to preview an edit; approval.c saves and proposes them. */
#ifndef PG_RULE_EDIT_H
#define PG_RULE_EDIT_H

#include "host.h"

typedef struct {
    pg_edit e;  /* file is the name messages use: DIR/rel */
    char *rel;  /* the file, relative to the rule directory */
    char *what; /* the change in words, for messages: "mon_ontime points dept 8 → 9" */
    char **groups;
    double *values;
} pg_edit_item;

typedef struct {
    int year;
    char base[65]; /* the content hash the edit was prepared against ("" when not given) */
    char *dir;     /* the rule directory, as the operator named it */
    int effective; /* the month (1–12) to write into ruleset.lua, 0: none */
    pg_edit_item *v;
    int n;
    cJSON *json; /* the edit as bound, normalised: what a proposal stores */
} pg_edit_plan;

/* One file an edit changed: its path relative to the directory, the old and new text. */
typedef struct {
    char *rel;
    char *before, *after;
    size_t nbefore, nafter;
} pg_edited_file;

/* Reads the JSON edit `body` against generation `g` of directory `dir` (loop thread).
 * Returns 0, or an HTTP status (400, 404, 422) with the reason in *why (malloc'd). */
int pg_edit_bind(const cJSON *body, const pg_gen *g, const char *dir, pg_edit_plan *p, char **why);
void pg_edit_plan_free(pg_edit_plan *p);

/* Pool thread: copies the rule files of `from` (a rule directory or a snapshot) into a new
 * directory under `tmproot`, rewrites the plan's literals there and loads the copy, as the
 * files of p->dir in messages. Returns 0 with the loaded set in *out, the copy in *copy (remove
 * it with pg_ruledir_remove, free it) and its content hash before the edit in `hex`, the changed
 * files in *files; or an HTTP status (409 when `want` is not "" and the files copied do not hash
 * to it, 422 for an edit refused or a set that does not load, 500) with the reasons in d. */
int pg_edit_apply(const pg_edit_plan *p, const char *from, const char *tmproot, const char *want,
                  char hex[65], pg_ruleset **out, char **copy, pg_edited_file **files, int *nfiles,
                  pg_diags *d);
void pg_edited_free(pg_edited_file *f, int n);

/* Pool thread: that `b` (the edited set) is `a` with the plan's values and nothing else; the
 * semantic changes in words into *changes. Returns 0, 422 when nothing would change, or 500 with
 * the reason in d (the rewrite reached something it should not have: nothing is written). */
int pg_edit_verify(const pg_edit_plan *p, const pg_ruleset *a, const pg_ruleset *b, cJSON **changes,
                   pg_diags *d);

/* Pool thread: writes `files` into p->dir, when its files still hash to p->base: every new file
 * is written and synced beside its original under a hidden temporary name first, then each is
 * renamed over its original. Returns 0, 409 when the files changed since, or 500 (nothing is
 * renamed when a temporary file could not be written). */
int pg_edit_write(const pg_edit_plan *p, const pg_edited_file *files, int nfiles, pg_diags *d);

/* The lines the edit changed: [{file, lines: [{line, before, after}]}] (before or after null
 * for a line added or removed), for the answer and the audit log. */
cJSON *pg_edit_lines(const pg_edit_plan *p, const pg_edited_file *files, int nfiles);

#endif
